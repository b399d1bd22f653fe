"""Hostile PDFs, built byte by byte and small on disk: decompression bombs and page floods.

flate_bomb(4096)          # 4 MB file whose content stream inflates to 4 GiB of zeros
huge_image(40_000, 40_000)  # an image-only page declaring 1.6 gigapixels
many_pages(5_000)         # 5,000 pages sharing one content stream (≈600 KB)
"""

from __future__ import annotations

import struct
import zlib

_MIB = 1 << 20
#: What every page of `many_pages` says (long enough not to be taken for a scan and OCR'd).
PAGE_TEXT = "Reason for denial: no prior authorization, code CO-197."


def pdf(objects: list[bytes]) -> bytes:
    """A PDF of `objects` (object 1 is the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def stream(entries: bytes, data: bytes) -> bytes:
    return b"<< " + entries + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def zeros_deflated(mib: int) -> bytes:
    """A zlib stream that inflates to `mib` MiB of zero bytes, built in milliseconds.

    One MiB of zeros is deflated once and ended with a full flush, which resets the
    compressor, so the same block can be repeated; the checksum is computed directly
    (Adler-32 of n zeros is (n mod 65521) << 16 | 1).
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(_MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    total = mib * _MIB
    adler = ((total % 65521) << 16) | 1
    final_empty_block = b"\x03\x00"
    return b"\x78\xda" + block * mib + final_empty_block + struct.pack(">I", adler)


def _page(extra: bytes = b"") -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R" + extra + b" >>"


def flate_bomb(mib: int) -> bytes:
    """One page whose content stream inflates to `mib` MiB."""
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            stream(b"/Filter /FlateDecode", zeros_deflated(mib)),
            _page(),
        ]
    )


def huge_image(width: int, height: int) -> bytes:
    """One page without text, covered by a grey image declaring `width` x `height` pixels
    (1 MiB of real data: the renderer would have to invent the rest)."""
    image = stream(
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode" % (width, height),
        zeros_deflated(1),
    )
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            stream(b"", b"q 612 0 0 792 0 0 cm /Im0 Do Q"),
            _page(b" /Resources << /XObject << /Im0 5 0 R >> >>"),
            image,
        ]
    )


def many_pages(count: int) -> bytes:
    """`count` text pages, every one drawing the same shared content stream."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(count))
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    page = _page(b" /Resources << /Font << /F1 4 0 R >> >>")
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
            stream(b"", b"BT /F1 12 Tf 72 720 Td (" + PAGE_TEXT.encode() + b") Tj ET"),
            font,
            *([page] * count),
        ]
    )
