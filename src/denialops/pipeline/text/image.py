"""Photos and scans (PNG, JPEG): decode safely, then OCR.

Decoding is the dangerous part: a small compressed file can declare billions of pixels (a
decompression bomb). The declared size is checked before any pixel is decoded.
"""

from __future__ import annotations

import io
import struct

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

from denialops.domain.facts import ExtractedText, PageText
from denialops.pipeline.text.errors import DocumentTooComplex, UnreadableDocument
from denialops.pipeline.text.ocr import recognise
from denialops.pipeline.text.options import Deadline, TextOptions

# Pillow's own guard (a warning above the limit, an error above twice it), as a backstop for
# code that opens images elsewhere; `load_image` enforces the caller's limit itself.
Image.MAX_IMAGE_PIXELS = TextOptions().max_image_pixels

_FORMATS = ("PNG", "JPEG")
_WIDE_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N", "F"})
# What Pillow raises on corrupt input: truncated data (OSError), bad chunks (SyntaxError in
# the PNG plugin), bad headers (ValueError, struct.error), early end (EOFError).
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error)


def extract_image(
    data: bytes, content_type: str, options: TextOptions, deadline: Deadline
) -> ExtractedText:
    """OCR an image into a one-page `ExtractedText`."""
    if not options.ocr:
        raise UnreadableDocument("no readable text: the document is an image and OCR is off")
    pixels = load_image(data, options.max_image_pixels)
    deadline.check()
    result = recognise(pixels)
    if result is None:
        raise UnreadableDocument("no readable text: no text was recognised in the image")
    page = PageText(number=1, text=result.text, ocr=True, ocr_confidence=result.confidence)
    return ExtractedText(source_type=content_type, pages=[page])


def load_image(data: bytes, max_pixels: int) -> NDArray[np.uint8]:
    """Decode a PNG or JPEG into a BGR array (RapidOCR's layout), upright and on white."""
    try:
        with Image.open(io.BytesIO(data), formats=_FORMATS) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise _too_large(width, height, max_pixels)
            # Phones store photos sideways with an EXIF note to rotate them for display.
            upright = ImageOps.exif_transpose(image)
            rgb = _flatten_to_rgb(upright)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocumentTooComplex(
            f"the image is too large to read safely; the limit is {max_pixels:,} pixels"
        ) from exc
    except _DECODE_ERRORS as exc:
        raise UnreadableDocument("no readable text: the image is damaged or incomplete") from exc
    # RGB -> BGR, copied into one contiguous block for OpenCV inside RapidOCR.
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8)[:, :, ::-1])


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in _WIDE_MODES:
        image = _to_8bit(image)
    # Transparent pixels often hold black: dropping the alpha channel would turn a
    # black-on-transparent screenshot into black on black. Composite onto white instead.
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _to_8bit(image: Image.Image) -> Image.Image:
    # Pillow converts 16-bit and float images to 8 bits by clipping, not scaling: a 16-bit
    # scan would come out almost entirely white. Scale to the image's own range instead
    # (scanners often fill only 12 of the 16 bits).
    values = np.asarray(image, dtype=np.float64)
    top = float(values.max()) if values.size else 0.0
    scaled = np.clip(values * (255.0 / top), 0, 255) if top > 0 else np.zeros_like(values)
    return Image.fromarray(scaled.astype(np.uint8), mode="L")


def _too_large(width: int, height: int, max_pixels: int) -> DocumentTooComplex:
    return DocumentTooComplex(
        f"the image is {width}x{height} pixels; the limit is {max_pixels:,} pixels"
    )
