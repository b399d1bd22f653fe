"""Render the binary letters of the evaluation set from their text sources.

Most letters in `eval/letters/` are plain `.txt`. The few that exercise the other input formats
(text PDF, scanned PDF, phone photo) are generated from a text source so that their labels can
be checked against text: `eval/sources/<NN>_<slug>.txt` -> `eval/letters/<NN>_<slug>.<pdf|png>`.

    .venv/bin/python eval/make_binary_letters.py          # (re)write every binary letter
    .venv/bin/python eval/make_binary_letters.py --check  # fail if an output is missing or stale

- ``text_pdf``: a PDF with a real text layer (fpdf2, a dev dependency), one source line per line.
- ``scanned_pdf``: an image-only PDF, as a scanner makes it: each page rendered by Pillow at
  200 dpi, black on white, saved with ``save(..., "PDF", resolution=200)``; no text layer, so the
  pipeline must OCR it.
- ``png``: a phone-photo-like image (200 dpi, slightly rotated and softened) of a one-page letter.

A form feed (``\\f``) in a source starts a new page. Fonts: DejaVu Sans Mono from
/usr/share/fonts when present (monospace keeps the remittance tables aligned), else Pillow's
default font; the text PDF needs the TTF for its non-ASCII text. Outputs are deterministic (fixed
dates, no randomness) and are committed beside the labels; every output stays under 400 KB.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

EVAL_DIR = Path(__file__).resolve().parent
SOURCES = EVAL_DIR / "sources"
LETTERS = EVAL_DIR / "letters"

# stem -> how it is rendered
BINARY_LETTERS: dict[str, str] = {
    "02_harborview_ma_remit_pa": "text_pdf",
    "21_sunbelt_hmo_oon_derm": "png",
    "28_allegiant_timely_corrected_claim": "text_pdf",
    "38_silverpine_ma_employer_primary": "scanned_pdf",
    "43_summit_records_spinal_fusion": "text_pdf",
}
SUFFIX = {"text_pdf": ".pdf", "scanned_pdf": ".pdf", "png": ".png"}

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSansMono.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSansMono.ttf"),
)
FIXED_DATE = datetime(2025, 1, 1, tzinfo=UTC)
MAX_BYTES = 400_000

DPI = 200
PAGE_PX = (int(8.5 * DPI), int(11 * DPI))  # US letter
MARGIN_PX = 150
FONT_PX = 27  # ~9.7 pt at 200 dpi
LINE_PX = 38


def font_path() -> Path | None:
    return next((p for p in FONT_CANDIDATES if p.exists()), None)


def pages_of(text: str) -> list[list[str]]:
    """Split a source into pages (form feeds) of lines."""
    return [page.strip("\n").split("\n") for page in text.split("\f")]


def render_text_pdf(text: str, title: str) -> bytes:
    from fpdf import FPDF  # dev dependency, imported only when needed

    path = font_path()
    if path is None:
        raise SystemExit("DejaVuSansMono.ttf not found: the text PDFs need a Unicode TTF font")
    pdf = FPDF(orientation="portrait", unit="pt", format="letter")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(title)
    pdf.set_creator("eval/make_binary_letters.py")
    pdf.set_margins(54, 54, 54)
    pdf.set_auto_page_break(auto=True, margin=54)
    pdf.add_font("Mono", fname=str(path))
    pdf.set_font("Mono", size=9.5)
    for lines in pages_of(text):
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 13, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path()
    if path is not None:
        return ImageFont.truetype(str(path), FONT_PX)
    return ImageFont.load_default(size=FONT_PX)


def render_page_image(lines: list[str], min_height: int = PAGE_PX[1]) -> Image.Image:
    """One page, black text on white, 200 dpi; taller than a page only if the text needs it."""
    height = max(min_height, 2 * MARGIN_PX + LINE_PX * len(lines))
    image = Image.new("L", (PAGE_PX[0], height), color=255)
    draw = ImageDraw.Draw(image)
    font = _font()
    for i, line in enumerate(lines):
        draw.text((MARGIN_PX, MARGIN_PX + i * LINE_PX), line, fill=0, font=font)
    return image


def render_scanned_pdf(text: str, title: str) -> bytes:
    images = [render_page_image(lines) for lines in pages_of(text)]
    out = io.BytesIO()
    images[0].save(
        out,
        "PDF",
        resolution=float(DPI),
        save_all=True,
        append_images=images[1:],
        title=title,
        creationDate=FIXED_DATE.timetuple(),
        modDate=FIXED_DATE.timetuple(),
    )
    return out.getvalue()


def render_png(text: str, title: str) -> bytes:
    lines = [line for page in pages_of(text) for line in page]
    page = render_page_image(lines)
    # A hand-held photo: a slight tilt and a little softness; still black on white.
    photo = page.rotate(0.8, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    photo = photo.filter(ImageFilter.GaussianBlur(radius=0.6))
    out = io.BytesIO()
    photo.save(out, "PNG", optimize=True, dpi=(DPI, DPI))
    return out.getvalue()


RENDERERS = {"text_pdf": render_text_pdf, "scanned_pdf": render_scanned_pdf, "png": render_png}


def build(stem: str, kind: str) -> tuple[Path, bytes]:
    source = SOURCES / f"{stem}.txt"
    data = RENDERERS[kind](source.read_text(encoding="utf-8"), stem)
    if len(data) > MAX_BYTES:
        raise SystemExit(f"{stem}: {len(data)} bytes is over the {MAX_BYTES} byte budget")
    return LETTERS / f"{stem}{SUFFIX[kind]}", data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check outputs are up to date")
    args = parser.parse_args(argv)
    stale = []
    for stem, kind in BINARY_LETTERS.items():
        target, data = build(stem, kind)
        if args.check:
            if not target.exists() or target.read_bytes() != data:
                stale.append(target.name)
            continue
        target.write_bytes(data)
        print(f"{target.relative_to(EVAL_DIR.parent)}  {kind}  {len(data):,} bytes")
    if stale:
        print("stale or missing: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
