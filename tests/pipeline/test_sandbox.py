"""The parser sandbox: hostile documents are refused cleanly, and this process is unharmed.

Each test starts real child processes (≈0.6 s each on the project's machine).
"""

from __future__ import annotations

import io
import subprocess
import sys
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter

import hostile_pdfs
from denialops.pipeline.text import (
    PDF,
    PNG,
    DocumentTooComplex,
    TextOptions,
    UnreadableDocument,
    extract_text,
)
from denialops.pipeline.text import sandbox as sandbox_module
from denialops.pipeline.text.sandbox_worker import answer
from hostile_pdfs import flate_bomb, huge_image, many_pages

# Tight limits keep the hostile cases fast; OCR needs more memory than this, so these
# options are for documents that must be refused.
TIGHT = TextOptions(max_pages=500, timeout_s=20, max_memory_mb=768)


def rss_mib() -> float:
    """This process's resident memory (Linux), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def text_pdf(pages: int = 2) -> bytes:
    return many_pages(pages)


def png_header(width: int, height: int) -> bytes:
    """A PNG declaring `width` x `height` pixels with no pixel data."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


class TestOrdinaryDocuments:
    def test_a_text_pdf_reads_the_same_as_in_process(self) -> None:
        data = text_pdf(3)
        isolated = extract_text(data, PDF, TextOptions())
        in_process = extract_text(data, PDF, TextOptions(isolate=False))
        assert isolated == in_process
        assert [p.text for p in isolated.pages] == [hostile_pdfs.PAGE_TEXT] * 3

    def test_a_reader_error_keeps_its_type_and_message(self) -> None:
        with pytest.raises(UnreadableDocument, match="damaged or not a PDF"):
            extract_text(b"%PDF-1.7\n garbage", PDF, TIGHT)

    def test_password_protected_pdf_is_unreadable_not_crashed(self) -> None:
        writer = PdfWriter()
        writer.add_blank_page(612, 792)
        writer.encrypt("secret")
        buffer = io.BytesIO()
        writer.write(buffer)
        with pytest.raises(UnreadableDocument, match="password"):
            extract_text(buffer.getvalue(), PDF, TIGHT)


class TestHostileDocuments:
    def test_5000_pages_are_refused_before_any_is_read(self) -> None:
        with pytest.raises(DocumentTooComplex, match="5000 pages; the limit is 500"):
            extract_text(many_pages(5000), PDF, TIGHT)

    def test_flate_bomb_is_refused_and_this_process_does_not_grow(self) -> None:
        data = flate_bomb(4096)  # 4 MB that inflate to 4 GiB
        before = rss_mib()
        with pytest.raises(DocumentTooComplex, match="limits"):
            extract_text(data, PDF, TIGHT)
        assert rss_mib() - before < 100

    def test_image_declaring_gigapixels_is_refused(self) -> None:
        with pytest.raises(DocumentTooComplex):
            extract_text(huge_image(40_000, 40_000), PDF, TIGHT)

    def test_png_bomb_is_refused_by_the_pixel_check(self) -> None:
        with pytest.raises(DocumentTooComplex, match="pixels"):
            extract_text(png_header(100_000, 100_000), PNG, TIGHT)


class TestLimitsAreEnforcedFromOutside:
    def test_a_child_past_its_deadline_is_killed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # No grace, and less time than the interpreter takes to start: the kill must come.
        monkeypatch.setattr(sandbox_module, "KILL_GRACE_S", 0.0)
        with pytest.raises(DocumentTooComplex, match=r"longer than 0\.05 s"):
            extract_text(text_pdf(), PDF, TextOptions(timeout_s=0.05))

    def test_a_child_that_answers_nonsense_is_a_refusal(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # `python -m this` prints the Zen of Python: not the JSON the parent expects.
        monkeypatch.setattr(sandbox_module, "WORKER_MODULE", "this")
        with pytest.raises(DocumentTooComplex, match="could not be read"):
            extract_text(text_pdf(), PDF, TIGHT)

    def test_the_child_caps_its_own_memory(self) -> None:
        # A MemoryError in the reader (here: a Python allocation past RLIMIT_AS) is reported
        # as a refusal by the worker itself, not as a crash.
        script = (
            "import sys, json;"
            "from denialops.pipeline.text.sandbox_worker import limit_resources;"
            "from denialops.pipeline.text.options import TextOptions;"
            "limit_resources(TextOptions(max_memory_mb=512));"
            "\ntry:\n    bytearray(1 << 30)\nexcept MemoryError:\n    print('capped')"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, check=False, timeout=60
        )
        assert done.stdout.strip() == b"capped"

    def test_worker_turns_memory_error_into_a_refusal(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def exhausted(*_: object) -> None:
            raise MemoryError

        monkeypatch.setattr("denialops.pipeline.text.sandbox_worker.extract_text", exhausted)
        payload = answer(b"%PDF", PDF, TIGHT)
        assert payload["ok"] is False
        assert payload["code"] == "document_too_complex"
        assert "768 MB" in payload["message"]
        assert payload["error_type"] == "MemoryError"

    def test_worker_never_passes_on_a_parser_exception_message(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def tripped(*_: object) -> None:
            raise KeyError("Patient: Jane Doe")  # parser messages may quote the document

        monkeypatch.setattr("denialops.pipeline.text.sandbox_worker.extract_text", tripped)
        payload = answer(b"%PDF", PDF, TIGHT)
        assert payload["code"] == "no_readable_text"
        assert "Jane" not in str(payload)


def test_image_is_read_in_the_sandbox_too(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = sandbox_module.extract_isolated

    def spy(data: bytes, content_type: str, options: TextOptions) -> object:
        calls.append(content_type)
        return real(data, content_type, options)

    monkeypatch.setattr("denialops.pipeline.text.extract_isolated", spy)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    with pytest.raises(UnreadableDocument):
        extract_text(buffer.getvalue(), PNG, TextOptions(ocr=False))
    assert calls == [PNG]
