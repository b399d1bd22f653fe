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
`assemble_lines` regroups boxes into the lines a reader sees, left to right.
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

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def center_y(self) -> float:
        return (self.top + self.bottom) / 2


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

                _engine = RapidOCR()
    return _engine


def recognise(pixels: NDArray[np.uint8]) -> OcrText | None:
    """OCR an image given as a BGR (height, width, 3) or grayscale (height, width) array.

    Returns None when no text was found.
    """
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
    """Group boxes into lines by vertical overlap, order lines top to bottom and each line's
    boxes left to right, and join each line's texts with single spaces."""
    lines: list[list[OcrBox]] = []
    for box in sorted(boxes, key=lambda b: b.center_y):
        # Search the newest lines first: with boxes sorted by height on the page, a box
        # nearly always belongs to one of the last lines, if to any.
        for line in reversed(lines):
            if _on_same_line(box, line):
                line.append(box)
                break
        else:
            lines.append([box])
    lines.sort(key=lambda line: fmean(b.center_y for b in line))
    return [" ".join(b.text.strip() for b in sorted(line, key=lambda b: b.left)) for line in lines]


def _on_same_line(box: OcrBox, line: Sequence[OcrBox]) -> bool:
    top = fmean(b.top for b in line)
    bottom = fmean(b.bottom for b in line)
    overlap = min(box.bottom, bottom) - max(box.top, top)
    # Half the smaller height: tolerates a slightly tilted photo and mixed font sizes, but
    # keeps single-spaced lines (which do not overlap at all) apart.
    return overlap > 0.5 * min(box.height, bottom - top)


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
