"""What a file really is, judged by its bytes rather than its name or declared type.

Only the five types DenialOps reads get a name; anything else (archives, executables, GIFs,
HTML, XML, RTF ...) is `None`, which the upload layer turns into 415 Unsupported Media Type.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from pathlib import PurePosixPath

import filetype

from denialops.pipeline.text.media import DOCX, JPEG, PDF, PNG, TEXT_PLAIN
from denialops.pipeline.text.plain import bom_encoding

_EXTENSIONS: dict[str, str] = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".jpe": JPEG,
    ".jfif": JPEG,
    ".docx": DOCX,
    ".txt": TEXT_PLAIN,
    ".text": TEXT_PLAIN,
}
_IMAGES = frozenset({PNG, JPEG})

_PDF_HEADER = b"%PDF-"
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_DOCX_PART = "word/document.xml"
# Share of control characters (and undecodable bytes) above which "text" is really binary.
# Random bytes decoded as cp1252 run at about 11%; real letters at 0.
_MAX_CONTROL_RATIO = 0.02
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
# Text formats we do not read as plain text: their markup would pass for letter content, and
# HTML may carry script.
_MARKUP_STARTS = ("<!doctype", "<html", "<?xml", "<svg", "{\\rtf", "%!ps")


def sniff_content_type(head: bytes, filename: str | None = None) -> str | None:
    """Return the supported content type that `head` (the file's first bytes, ideally all of
    them) actually is, or None if it is none of them.

    `filename` is accepted for the caller's convenience and deliberately ignored: the name is
    checked separately by `declared_type_conflicts`, never trusted to decide the type.
    """
    if not head:
        return None
    kind = filetype.guess_mime(head)
    # Strong signatures: multi-byte magic that plain text never starts with.
    if kind in (PDF, PNG, JPEG):
        return str(kind)
    if head.startswith(_ZIP_LOCAL_HEADER):
        return DOCX if _is_docx(head) else None
    # PDF readers (PDFium among them) accept a header anywhere in the first KiB, after junk
    # some mail gateways and scanners prepend.
    if _PDF_HEADER in head[:1024]:
        return PDF
    if _is_plain_text(head):
        # Checked before trusting `kind`: filetype also matches two-byte magics such as "BM"
        # (BMP), which ordinary text can start with; real binary formats fail the text test.
        return TEXT_PLAIN
    return None


def declared_type_conflicts(sniffed: str, filename: str | None) -> bool:
    """Whether `filename`'s extension claims a different supported type than `sniffed`.

    A missing or unfamiliar extension never conflicts. PNG and JPEG are interchangeable:
    phones and chat apps routinely save one under the other's extension, and both are read
    the same way.
    """
    if not filename:
        return False
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    declared = _EXTENSIONS.get(suffix)
    if declared is None or declared == sniffed:
        return False
    return not (declared in _IMAGES and sniffed in _IMAGES)


def _is_docx(head: bytes) -> bool:
    """A .docx is a zip holding `word/document.xml`."""
    try:
        with zipfile.ZipFile(io.BytesIO(head)) as archive:
            return _DOCX_PART in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        pass
    # Only a prefix of the file: the central directory (at the end) is missing, but the local
    # header of each entry carries its name, and Word writes the document part early.
    return _local_header_names_include(head, _DOCX_PART.encode())


def _local_header_names_include(head: bytes, name: bytes) -> bool:
    start = 0
    while (start := head.find(_ZIP_LOCAL_HEADER, start)) != -1:
        # Local file header: the name length is at offset 26 (2 bytes LE), the name at 30.
        if start + 30 <= len(head):
            length = int.from_bytes(head[start + 26 : start + 28], "little")
            if head[start + 30 : start + 30 + length] == name:
                return True
        start += len(_ZIP_LOCAL_HEADER)
    return False


def _is_plain_text(head: bytes) -> bool:
    """No NUL bytes (unless a BOM announces UTF-16/32), decodes, few control characters,
    and is not markup."""
    found = bom_encoding(head)
    if found is not None:
        encoding, skip = found
        text = _decode_prefix(head[skip:], encoding)
    elif b"\x00" in head:
        return False
    else:
        try:
            text = codecs.getincrementaldecoder("utf-8")(errors="strict").decode(head)
        except UnicodeDecodeError:
            text = head.decode("cp1252", errors="replace")
    if not text:
        return found is not None
    if len(_CONTROL.findall(text)) > _MAX_CONTROL_RATIO * len(text):
        return False
    start = text.lstrip()[:64].lower()
    if start.startswith(_MARKUP_STARTS):
        return False
    return "<script" not in text[:4096].lower()


def _decode_prefix(data: bytes, encoding: str) -> str:
    # An incremental decoder holds back a character cut off at the end of the prefix instead
    # of reporting it as an error.
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(data)
