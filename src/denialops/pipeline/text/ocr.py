"""Optical character recognition with RapidOCR (PP-OCRv4 models on ONNX Runtime).

The models ship inside the `rapidocr_onnxruntime` wheel, so OCR works offline; nothing is
downloaded. ONNX Runtime's own telemetry (which otherwise, now and then, looks up Microsoft's
event collector from a background thread) is switched off before it loads. The engine takes
about a second to build, so one is built lazily, on first use, and shared by every thread of
the process.

The recogniser in the wheel (PP-OCRv4, trained mostly on Chinese) reads Latin letters and
digits well but drops some spaces between words on lossy (JPEG, blurred) input, and may read
"O" as "0": later stages should match OCR'd pages (`PageText.ocr`) with that in mind.

RapidOCR returns one box per run of text it detected, in roughly top-to-bottom order. A
label and its value ("Denial Code:" and "CO-197") often come back as separate boxes, so
`assemble_lines` regroups boxes into the lines a reader sees, left to right, keeping the
page's layout as a text layer's is kept (`layout`): a box far to the right of the previous one
starts at its column, and a wide vertical gap becomes a blank line. Spaces inside a box are
the recogniser's: one between words, however wide the gap on the page.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

import numpy as np
from numpy.typing import NDArray

from denialops.pipeline.text.layout import lay_out

# Measured on rendered letter pages (10-12 pt type, single and 1.5 spacing, JPEG-compressed
# scans read at 180 dpi, 29-36 lines a page): the default crop margin (unclip 1.6) is so
# tight that the recogniser drops most spaces between words ("DenialCode:CO-197"); 3.0 keeps
# nearly all of them and still keeps single-spaced lines apart. The per-line 180° classifier
# is off: it flipped whole lines of an upright letter (one came back empty: a date of
# service, lost), and a page-level retry (`recognise`) handles the upside-down scans it is
# there for.
_ENGINE_SETTINGS: dict[str, Any] = {"det_unclip_ratio": 3.0, "use_cls": False}
# Upright letters score 0.95+; an upside-down page reads as fragments scoring about 0.65.
_RETRY_UPSIDE_DOWN_BELOW = 0.85

_engine: Any = None
_engine_lock = threading.Lock()
# One recognition at a time per process: ONNX Runtime already spreads a single call over all
# cores, so concurrent calls would only contend for them and multiply peak memory.
_inference_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class OcrBox:
    """One recognised run of text and its axis-aligned bounds, in pixels."""

    text: str
    confidence: float
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True, slots=True)
class OcrText:
    """A page's recognised text, line by line, and the recogniser's mean confidence (0-1)."""

    text: str
    confidence: float


def get_engine() -> Any:
    """The process's RapidOCR engine, built on first use (thread-safe)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                # Read by ONNX Runtime when it initialises; an operator's explicit setting wins.
                # Documents are PHI and the product promises no network use without an LLM.
                os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
                # Imported here: onnxruntime and OpenCV add half a second to start-up, which
                # processes that never OCR (the API, most tests) should not pay.
                from rapidocr_onnxruntime import RapidOCR

                _engine = RapidOCR(**_ENGINE_SETTINGS)
    return _engine


def recognise(pixels: NDArray[np.uint8]) -> OcrText | None:
    """OCR an image given as a BGR (height, width, 3) or grayscale (height, width) array.

    No text, or text read with low confidence, may be an upside-down scan (whose lines the
    recogniser rejects or garbles): the page is then read again turned 180° and the better
    reading kept. Returns None when no text was found either way.
    """
    upright = _recognise_once(pixels)
    if upright is not None and upright.confidence >= _RETRY_UPSIDE_DOWN_BELOW:
        return upright
    turned = _recognise_once(np.ascontiguousarray(pixels[::-1, ::-1]))
    if upright is None or (turned is not None and _weight(turned) > _weight(upright)):
        return turned
    return upright


def _weight(result: OcrText) -> float:
    # More text read with more confidence wins; fragments of an inverted page lose on both.
    return result.confidence * sum(1 for ch in result.text if not ch.isspace())


def _recognise_once(pixels: NDArray[np.uint8]) -> OcrText | None:
    engine = get_engine()
    with _inference_lock:
        result, _elapsed = engine(pixels)
    if not result:
        return None
    boxes = [_box(item) for item in result]
    boxes = [box for box in boxes if box.text.strip()]
    if not boxes:
        return None
    return OcrText(
        text="\n".join(assemble_lines(boxes)),
        confidence=fmean(box.confidence for box in boxes),
    )


def assemble_lines(boxes: Sequence[OcrBox]) -> list[str]:
    """Group boxes into lines by vertical overlap, top to bottom, each line's boxes left to
    right at their columns (see `layout.lay_out`); blank lines where the page has them."""
    # Box edges jitter by about half a character from line to line: a one-column indent
    # would be noise more often than layout.
    return lay_out(boxes, min_indent=2)


def _box(item: Sequence[Any]) -> OcrBox:
    # RapidOCR's item: [four corner points [[x, y], ...], text, score].
    points, text, score = item[0], item[1], item[2]
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return OcrBox(
        text=str(text),
        confidence=float(score),
        left=min(xs),
        top=min(ys),
        right=max(xs),
        bottom=max(ys),
    )
