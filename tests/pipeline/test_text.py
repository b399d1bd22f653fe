"""The `extract_text` engine: sniffing, every supported format, OCR, limits, hostile input.

Every fixture document is built here, in memory: a hand-written text PDF, scans rendered with
Pillow, a .docx made with python-docx.

The parsers are tested here in this process (`isolate=False`): monkeypatches and the
thread-safety tests must reach them. The sandbox around them has its own tests
(`test_sandbox.py`).
"""

from __future__ import annotations

import dataclasses
import io
import os
import socket
import threading
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import numpy as np
import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from denialops.domain.facts import ExtractedText
from denialops.errors import InvalidInput, UnsupportedMediaType
from denialops.pipeline.text import (
    DOCX,
    JPEG,
    PDF,
    PNG,
    SUPPORTED_TYPES,
    TEXT_PLAIN,
    DocumentTooComplex,
    TextOptions,
    UnreadableDocument,
    declared_type_conflicts,
    sniff_content_type,
)
from denialops.pipeline.text import extract_text as sandboxed_extract_text
from denialops.pipeline.text import ocr as ocr_module
from denialops.pipeline.text.image import load_image
from denialops.pipeline.text.ocr import OcrBox, assemble_lines

LETTER = [
    "Acme Health Plan",
    "Claim Number: CLM2024011500001",
    "Denial Code: CO-197",
    "Prior authorization was not obtained for this service.",
]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def extract_text(
    data: bytes, content_type: str, options: TextOptions | None = None
) -> ExtractedText:
    """`extract_text` with the parsers in this process."""
    options = dataclasses.replace(options or TextOptions(), isolate=False)
    return sandboxed_extract_text(data, content_type, options)


# --- fixture builders ---------------------------------------------------------------------


def text_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF: one Helvetica text line per string, one page per list."""
    count = len(pages)
    # Objects: 1 catalog, 2 page tree, 3 font, then (page, content) pairs.
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        shown = b" T* ".join(b"(" + _pdf_string(line) + b") Tj" for line in lines)
        stream = b"BT /F1 12 Tf 16 TL 72 720 Td " + shown + b" ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _pdf_string(text: str) -> bytes:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


def letter_image(lines: list[str] = LETTER, size: tuple[int, int] = (1275, 1650)) -> Image.Image:
    """A page with `lines` in 28 px type (12 pt at 150 dpi), like a clean scan; by default
    letter-sized. OCR time grows with the area, so most tests pass a smaller `size`."""
    font: Any = (
        ImageFont.truetype(str(FONT), 28) if FONT.exists() else ImageFont.load_default(size=28)
    )
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((60, 40 + 60 * row), line, fill="black", font=font)
    return image


# Room for LETTER's four lines. RapidOCR enlarges images whose shorter side is under 736 px
# before detecting text, so a wide strip costs more than this near-square.
SNIPPET = (860, 740)


def squashed(text: str) -> str:
    """`text` without spaces. The recogniser in the RapidOCR wheel (a PP-OCRv4 model trained
    mostly on Chinese) drops some spaces between Latin words on lossy (JPEG) input."""
    return text.replace(" ", "")


def image_bytes(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def scan_pdf(*images: Image.Image) -> bytes:
    """An image-only PDF (no text layer), one page per image, as a scanner makes."""
    first, *rest = images
    return image_bytes(first, "PDF", resolution=150, save_all=True, append_images=rest)


def docx_bytes(build: Callable[[Any], None]) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG declaring `width` x `height` pixels with no pixel data: a bomb's calling card."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


TWO_PAGE_PDF = text_pdf(
    [LETTER, ["Page two: You may appeal within 180 days.", "Call (800) 555-0100."]]
)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(44)
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(50)
GIF = image_bytes(Image.new("P", (4, 4)), "GIF")


# --- sniffing -----------------------------------------------------------------------------


class TestSniff:
    @pytest.mark.parametrize(
        ("data", "expected"),
        [
            pytest.param(TWO_PAGE_PDF, PDF, id="pdf"),
            pytest.param(b"junk from a mail gateway\n" + TWO_PAGE_PDF, PDF, id="pdf-after-junk"),
            pytest.param(image_bytes(letter_image(size=(60, 40)), "PNG"), PNG, id="png"),
            pytest.param(image_bytes(letter_image(size=(60, 40)), "JPEG"), JPEG, id="jpeg"),
            pytest.param(docx_bytes(lambda d: d.add_paragraph("Hi")), DOCX, id="docx"),
            pytest.param(b"Denial Code: CO-197\n", TEXT_PLAIN, id="utf8"),
            pytest.param("Denial Code: CO-197\n".encode("utf-16"), TEXT_PLAIN, id="utf16-bom"),
            pytest.param("Résumé \u2013 café\n".encode("cp1252"), TEXT_PLAIN, id="cp1252"),
            pytest.param(b"BMW Financial wrote to us.\n", TEXT_PLAIN, id="text-like-bmp-magic"),
            pytest.param(b"   \n\t", TEXT_PLAIN, id="blank-text"),
            pytest.param(b"", None, id="empty"),
            pytest.param(zip_bytes({"notes.txt": b"hello"}), None, id="zip"),
            pytest.param(ELF, None, id="elf"),
            pytest.param(MZ, None, id="windows-exe"),
            pytest.param(GIF, None, id="gif"),
            pytest.param(b"<!DOCTYPE html><html><body>Hi</body></html>", None, id="html"),
            pytest.param(b"<?xml version='1.0'?><letter/>", None, id="xml"),
            pytest.param(b"Hello <script>alert(1)</script>", None, id="script"),
            pytest.param(b"{\\rtf1\\ansi Denial}", None, id="rtf"),
            pytest.param(bytes(range(1, 256)) * 4, None, id="binary-without-nul"),
        ],
    )
    def test_type_comes_from_the_content(self, data: bytes, expected: str | None) -> None:
        assert sniff_content_type(data, "whatever.pdf") == expected

    def test_a_docx_is_recognised_from_a_prefix(self) -> None:
        data = docx_bytes(lambda d: d.add_paragraph("Hi " * 5000))
        assert sniff_content_type(data[:8192], None) == DOCX

    def test_a_text_prefix_cut_inside_a_character_is_still_text(self) -> None:
        data = ("é" * 100).encode()
        assert sniff_content_type(data[:51], None) == TEXT_PLAIN

    @pytest.mark.parametrize(
        ("sniffed", "filename", "conflicts"),
        [
            (PNG, "letter.pdf", True),
            (PDF, "letter.txt", True),
            (TEXT_PLAIN, "letter.docx", True),
            (TEXT_PLAIN, "letter.txt", False),
            (PDF, "LETTER.PDF", False),
            (PDF, r"C:\Users\me\scan.pdf", False),
            (JPEG, "photo.png", False),
            (PNG, "photo.JPG", False),
            (PDF, "letter", False),
            (PDF, "letter.bin", False),
            (PDF, None, False),
            (PDF, "", False),
        ],
    )
    def test_declared_type_conflicts(
        self, sniffed: str, filename: str | None, conflicts: bool
    ) -> None:
        assert declared_type_conflicts(sniffed, filename) is conflicts


# --- plain text ---------------------------------------------------------------------------


class TestPlainText:
    def test_form_feeds_split_pages_and_newlines_are_normalised(self) -> None:
        data = b"Denial Code: CO-197\r\nClaim 1\r\n\fPage two\rline\f"
        result = extract_text(data, TEXT_PLAIN)
        assert [p.text for p in result.pages] == ["Denial Code: CO-197\nClaim 1", "Page two\nline"]
        assert [p.number for p in result.pages] == [1, 2]
        assert result.source_type == TEXT_PLAIN
        assert result.ocr_pages == []

    def test_utf16_with_bom(self) -> None:
        data = "Prior authorization — CO-197\fSeite zwei: Müller".encode("utf-16")
        pages = extract_text(data, TEXT_PLAIN).pages
        assert [p.text for p in pages] == ["Prior authorization — CO-197", "Seite zwei: Müller"]

    def test_utf8_bom_is_not_text(self) -> None:
        page = extract_text("CO-197".encode("utf-8-sig"), TEXT_PLAIN).pages[0]
        assert page.text == "CO-197"

    def test_cp1252_with_invalid_bytes_is_read_with_replacements(self) -> None:
        data = "Résumé \u2013 amount £12".encode("cp1252") + b" \x81\x8d end"
        text = extract_text(data, TEXT_PLAIN).pages[0].text
        assert text.startswith("Résumé \u2013 amount £12")
        assert text.endswith("\ufffd\ufffd end")

    def test_utf8_with_one_corrupt_byte_stays_utf8(self) -> None:
        data = "Müller, café, naïve".encode() + b"\xff"
        assert extract_text(data, TEXT_PLAIN).pages[0].text == "Müller, café, naïve\ufffd"

    def test_control_characters_and_invisible_characters_are_dropped(self) -> None:
        data = "CO-\x00197\x1b ok\t! CO-\u200b1\ufeff97".encode()
        assert extract_text(data, TEXT_PLAIN).pages[0].text == "CO-197 ok\t! CO-197"

    @pytest.mark.parametrize("data", [b"", b"  \r\n\t \f \n"], ids=["empty", "whitespace"])
    def test_no_text_is_unreadable(self, data: bytes) -> None:
        with pytest.raises(UnreadableDocument) as caught:
            extract_text(data, TEXT_PLAIN)
        assert caught.value.status_code == 422
        assert caught.value.code == "no_readable_text"
        assert "no readable text" in caught.value.message

    def test_page_limit(self) -> None:
        with pytest.raises(DocumentTooComplex, match="limit is 2"):
            extract_text(b"a\fb\fc", TEXT_PLAIN, TextOptions(max_pages=2))


# --- PDF ----------------------------------------------------------------------------------


class TestPdf:
    def test_text_layer_page_by_page(self) -> None:
        result = extract_text(TWO_PAGE_PDF, PDF)
        assert result.source_type == PDF
        assert [p.number for p in result.pages] == [1, 2]
        assert result.pages[0].text.splitlines() == LETTER
        assert "within 180 days" in result.pages[1].text
        assert result.ocr_pages == []
        assert all(p.ocr_confidence is None for p in result.pages)

    @pytest.mark.slow  # a full letter page: 8-15 s on a busy 2-core machine
    def test_scanned_page_is_ocred(self) -> None:
        # A full letter-sized page, JPEG-compressed inside the PDF as most scanners do.
        result = extract_text(scan_pdf(letter_image()), PDF)
        page = result.pages[0]
        assert page.ocr is True
        assert result.ocr_pages == [1]
        assert "DenialCode:CO-197" in squashed(page.text).splitlines()
        assert "Priorauthorization" in squashed(page.text)
        assert page.ocr_confidence is not None
        assert 0 < page.ocr_confidence <= 1

    def test_only_pages_without_a_text_layer_are_ocred(self) -> None:
        writer = PdfWriter()
        for source in (TWO_PAGE_PDF, scan_pdf(letter_image(["CO-197"], size=SNIPPET))):
            writer.append(PdfReader(io.BytesIO(source)))  # page 3 is a scan
        buffer = io.BytesIO()
        writer.write(buffer)
        writer.close()
        result = extract_text(buffer.getvalue(), PDF)
        assert result.ocr_pages == [3]
        assert "CO-197" in result.pages[2].text

    def test_ocr_stops_at_its_page_budget(self) -> None:
        data = scan_pdf(letter_image(size=SNIPPET), letter_image(size=SNIPPET))
        result = extract_text(data, PDF, TextOptions(ocr_max_pages=1))
        assert result.ocr_pages == [1]
        assert result.pages[1].text == ""

    def test_scan_with_ocr_off_is_unreadable(self) -> None:
        with pytest.raises(UnreadableDocument, match="OCR is off"):
            extract_text(scan_pdf(letter_image()), PDF, TextOptions(ocr=False))

    def test_page_limit_names_the_limit(self) -> None:
        with pytest.raises(DocumentTooComplex, match="2 pages; the limit is 1 pages"):
            extract_text(TWO_PAGE_PDF, PDF, TextOptions(max_pages=1))

    def test_time_limit(self) -> None:
        with pytest.raises(DocumentTooComplex, match="longer than"):
            extract_text(TWO_PAGE_PDF, PDF, TextOptions(timeout_s=-1))

    def test_password_protected_pdf_is_unreadable(self) -> None:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(TWO_PAGE_PDF)))
        writer.encrypt(user_password="secret", algorithm="RC4-128")
        buffer = io.BytesIO()
        writer.write(buffer)
        writer.close()
        with pytest.raises(UnreadableDocument, match="password"):
            extract_text(buffer.getvalue(), PDF)

    @pytest.mark.parametrize(
        "data",
        [b"%PDF-1.7\n garbage", TWO_PAGE_PDF[:200], b"not a pdf at all"],
        ids=["header-only", "truncated", "not-pdf"],
    )
    def test_corrupt_pdf_is_unreadable(self, data: bytes) -> None:
        with pytest.raises(UnreadableDocument):
            extract_text(data, PDF)

    def test_falls_back_to_pypdf_when_pdfium_refuses(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(*_args: object, **_kwargs: object) -> None:
            raise pdfium.PdfiumError("Failed to load document", err_code=3)

        monkeypatch.setattr(pdfium, "PdfDocument", refuse)
        result = extract_text(TWO_PAGE_PDF, PDF)
        assert "Denial Code: CO-197" in result.pages[0].text
        assert len(result.pages) == 2

    def test_concurrent_extraction_is_safe(self) -> None:
        # PDFium is not thread-safe; the package serialises it. Without the lock this
        # crashes or corrupts text.
        results: list[str] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(10):
                    results.append(extract_text(TWO_PAGE_PDF, PDF).pages[0].text)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert results == ["\n".join(LETTER)] * 80


# --- images -------------------------------------------------------------------------------


class TestImage:
    def test_png_letter_is_ocred_into_lines(self) -> None:
        result = extract_text(image_bytes(letter_image(size=SNIPPET), "PNG"), PNG)
        assert result.source_type == PNG
        [page] = result.pages
        # One line per printed line, in reading order ("Denial Code:" and "CO-197" together).
        assert squashed(page.text).splitlines() == [squashed(line) for line in LETTER]
        assert page.ocr is True
        assert page.ocr_confidence is not None
        assert 0 < page.ocr_confidence <= 1

    @pytest.mark.slow  # reads the page twice: about 6 s on a busy 2-core machine
    def test_upside_down_scan_is_turned(self) -> None:
        upside_down = letter_image(size=SNIPPET).rotate(180)
        text = extract_text(image_bytes(upside_down, "PNG"), PNG).pages[0].text
        assert squashed(text).splitlines() == [squashed(line) for line in LETTER]

    def test_transparent_png_is_read_on_white(self) -> None:
        image = letter_image(["Denial Code: CO-197"], size=SNIPPET).convert("L")
        # Black text on transparent black: only the alpha channel carries the letters.
        rgba = Image.new("RGBA", image.size, (0, 0, 0, 0))
        rgba.putalpha(image.point(lambda v: 255 - v))
        assert "CO-197" in extract_text(image_bytes(rgba, "PNG"), PNG).pages[0].text

    def test_sixteen_bit_scan_keeps_its_contrast(self) -> None:
        # Pillow's own conversion clips 16-bit values, turning the whole page white.
        page = np.full((40, 60), 65535, dtype=np.uint16)
        page[10:30, 10:50] = 1000  # a dark block of "ink"
        pixels = load_image(image_bytes(Image.fromarray(page), "PNG"), 10_000)
        assert pixels.shape == (40, 60, 3)
        assert pixels[20, 30].max() < 10
        assert pixels[0, 0].min() == 255

    def test_blank_image_is_unreadable(self) -> None:
        blank = image_bytes(Image.new("RGB", SNIPPET, "white"), "JPEG")
        with pytest.raises(UnreadableDocument, match="no text was recognised"):
            extract_text(blank, JPEG)

    def test_ocr_off_is_unreadable(self) -> None:
        with pytest.raises(UnreadableDocument, match="OCR is off"):
            extract_text(
                image_bytes(letter_image(size=SNIPPET), "PNG"), PNG, TextOptions(ocr=False)
            )

    @pytest.mark.parametrize(
        ("width", "height"), [(7000, 7000), (10000, 10000)], ids=["over-limit", "over-twice"]
    )
    def test_decompression_bomb_is_refused_before_decoding(self, width: int, height: int) -> None:
        with pytest.raises(DocumentTooComplex, match="40,000,000 pixels"):
            extract_text(png_header(width, height), PNG)

    def test_caller_pixel_limit(self) -> None:
        small = image_bytes(letter_image(size=(200, 100)), "PNG")
        with pytest.raises(DocumentTooComplex, match="200x100"):
            extract_text(small, PNG, TextOptions(max_image_pixels=10_000))

    @pytest.mark.parametrize(
        "data",
        [b"\x89PNG\r\n\x1a\n garbage", image_bytes(letter_image(), "JPEG")[:600], GIF],
        ids=["bad-png", "truncated-jpeg", "gif-declared-png"],
    )
    def test_damaged_image_is_unreadable(self, data: bytes) -> None:
        with pytest.raises(UnreadableDocument):
            extract_text(data, PNG)


class TestOcrEngine:
    def test_engine_is_built_once_and_shared_across_threads(self) -> None:
        seen: list[object] = []
        threads = [
            threading.Thread(target=lambda: seen.append(ocr_module.get_engine())) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(seen) == 4
        assert all(engine is seen[0] for engine in seen)
        assert ocr_module.get_engine() is seen[0]

    def test_engine_needs_no_network(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def no_network(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("OCR tried to use the network")

        monkeypatch.setattr(socket.socket, "connect", no_network)
        monkeypatch.setattr(socket, "getaddrinfo", no_network)
        monkeypatch.setattr(ocr_module, "_engine", None)  # force a fresh build
        ocr_module.get_engine()
        # ONNX Runtime's native telemetry thread bypasses Python's socket module; what can be
        # checked here is that it was switched off.
        assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"
        page = extract_text(image_bytes(letter_image(["CO-197"], size=SNIPPET), "PNG"), PNG)
        assert "CO-197" in page.pages[0].text

    def test_boxes_are_regrouped_into_reading_order_lines(self) -> None:
        def box(text: str, left: float, top: float, height: float = 30) -> OcrBox:
            return OcrBox(text, 0.9, left, top, left + 10 * len(text), top + height)

        boxes = [
            box("Prior authorization was not obtained.", 100, 161),
            box("CO-197", 330, 103, height=28),  # a little lower, a little shorter
            box("Denial Code:", 100, 100),
            box("Claim", 100, 40),
            box("page 1", 900, 42),
        ]
        # Gaps between boxes become spaces by width (`test_boxes_keep_their_columns`).
        assert [" ".join(line.split()) for line in assemble_lines(boxes)] == [
            "Claim page 1",
            "Denial Code: CO-197",
            "Prior authorization was not obtained.",
        ]

    def test_boxes_keep_their_columns(self) -> None:
        def box(text: str, left: float, top: float) -> OcrBox:
            return OcrBox(text, 0.9, left, top, left + 10 * len(text), top + 30)

        # 10 px a character; a remittance row, a blank line, a box one word space away, and
        # left edges off by a few pixels, as a scan's are.
        boxes = [
            box("Billed:", 103, 100),
            box("$689.00", 300, 102),
            box("Paid:", 98, 140),
            box("$0.00", 301, 141),
            box("Reason:", 100, 240),
            box("CO-22", 180, 240),
        ]
        assert assemble_lines(boxes) == [
            "Billed:             $689.00",
            "Paid:               $0.00",
            "",
            "Reason: CO-22",
        ]


# --- Word ---------------------------------------------------------------------------------


class TestDocx:
    def test_paragraphs_and_table_cells_in_document_order(self) -> None:
        def build(document: Any) -> None:
            document.add_paragraph("Dear member,")
            table = document.add_table(rows=2, cols=2)
            table.cell(0, 0).text = "Denial Code"
            table.cell(0, 1).text = "CO-197"
            merged = table.cell(1, 0).merge(table.cell(1, 1))
            merged.text = "Prior authorization required"
            document.add_paragraph("Sincerely,")

        result = extract_text(docx_bytes(build), DOCX)
        assert result.source_type == DOCX
        [page] = result.pages
        assert page.text == (
            "Dear member,\nDenial Code\tCO-197\nPrior authorization required\nSincerely,"
        )

    def test_empty_document_is_unreadable(self) -> None:
        with pytest.raises(UnreadableDocument, match="empty"):
            extract_text(docx_bytes(lambda _d: None), DOCX)

    @pytest.mark.parametrize(
        "data",
        [zip_bytes({"notes.txt": b"hi"}), zip_bytes({"word/document.xml": b"<not xml"}), ELF],
        ids=["plain-zip", "broken-xml", "not-a-zip"],
    )
    def test_damaged_document_is_unreadable(self, data: bytes) -> None:
        with pytest.raises(UnreadableDocument):
            extract_text(data, DOCX)


# --- dispatch and hostile input -----------------------------------------------------------


class TestExtractText:
    def test_content_type_parameters_are_ignored(self) -> None:
        result = extract_text(b"CO-197", "Text/Plain; charset=utf-8")
        assert result.pages[0].text == "CO-197"

    def test_unsupported_type_is_refused(self) -> None:
        with pytest.raises(UnsupportedMediaType):
            extract_text(GIF, "image/gif")

    @pytest.mark.parametrize("content_type", sorted(SUPPORTED_TYPES))
    def test_empty_input_is_unreadable_for_every_type(self, content_type: str) -> None:
        with pytest.raises(UnreadableDocument, match="empty"):
            extract_text(b"", content_type)


_PROPERTY = settings(
    max_examples=100,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the working tree
    suppress_health_check=[HealthCheck.too_slow],
)


@_PROPERTY
@given(data=st.binary(max_size=4096), content_type=st.sampled_from([TEXT_PLAIN, PDF, PNG]))
def test_any_bytes_give_text_or_a_clean_error(data: bytes, content_type: str) -> None:
    try:
        result = extract_text(data, content_type)
    except InvalidInput:
        return
    assert isinstance(result, ExtractedText)
    assert result.pages


@_PROPERTY
@given(cut=st.integers(0, len(TWO_PAGE_PDF)), junk=st.binary(min_size=1, max_size=64))
def test_damaged_pdfs_give_text_or_a_clean_error(cut: int, junk: bytes) -> None:
    # Overwrite a stretch of a valid PDF, so the parsers get past the header into the body.
    damaged = TWO_PAGE_PDF[:cut] + junk + TWO_PAGE_PDF[cut + len(junk) :]
    try:
        result = extract_text(damaged, PDF, TextOptions(ocr=False))
    except InvalidInput:
        return
    assert result.pages


@_PROPERTY
@given(head=st.binary(max_size=2048))
def test_sniffing_never_fails(head: bytes) -> None:
    assert sniff_content_type(head, None) in {*SUPPORTED_TYPES, None}
