"""Stage 6, `documents`: the route's document pack and the deadline calendar.

Writes one Markdown artifact per document the plan names (`plan.documents`), always including
`call_script.md`, and `deadlines.ics`. Every document ends with its assumptions and the
disclaimer. PDF and DOCX renderings are not made here: they are derived on first request from
the Markdown artifact (`appeal_letter.md` → `appeal_letter.pdf` / `appeal_letter.docx`, see
`binary_name` and `render_binary`) and cached by the caller, so a run stays fast.

When the optional `llm_explain` stage left vetted paragraphs, the appeal letter carries its
personal ones and `action_plan.md` is rendered again with an "In plain language" section; when
an LLM stage failed and no such section was written, `action_plan.md` says the plan was
written without the language model. Without an LLM, the documents are exactly the
deterministic ones.
"""

from __future__ import annotations

from typing import ClassVar, Final, Literal

from denialops.pipeline.context import CaseContext, StageNotReady
from denialops.pipeline.plan import render_action_plan
from denialops.render.documents import DOCUMENT_TITLES, documents_for, render_document
from denialops.render.docx import markdown_to_docx
from denialops.render.ics import deadlines_ics
from denialops.render.pdf import markdown_to_pdf

__all__ = [
    "BINARY_FORMATS",
    "CALENDAR",
    "CALENDAR_TYPE",
    "MARKDOWN_TYPE",
    "BinaryFormat",
    "Documents",
    "binary_content_type",
    "binary_name",
    "render_binary",
    "source_name",
]

BinaryFormat = Literal["pdf", "docx"]
#: The renderings every Markdown document has, in the order a client lists them.
BINARY_FORMATS: Final[tuple[BinaryFormat, ...]] = ("pdf", "docx")
CALENDAR: Final = "deadlines.ics"
ACTION_PLAN: Final = "action_plan.md"
APPEAL_LETTER: Final = "appeal_letter.md"
#: What `action_plan.md` says when the language model was configured but failed.
WITHOUT_LLM: Final = (
    "Written without the language model: it was not available for this case, so this plan "
    "uses DenialOps' own wording."
)
MARKDOWN_TYPE: Final = "text/markdown; charset=utf-8"
CALENDAR_TYPE: Final = "text/calendar"
_BINARY_TYPES: Final[dict[str, str]] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_FORMATS: Final[dict[str, BinaryFormat]] = {fmt: fmt for fmt in BINARY_FORMATS}


class Documents:
    """Render the plan's documents and the deadline calendar from the facts and the route."""

    name: ClassVar[str] = "documents"
    required: ClassVar[bool] = True

    def __call__(self, ctx: CaseContext) -> CaseContext:
        if ctx.facts is None or ctx.decision is None:
            raise StageNotReady(self.name, "route")
        if ctx.plan is None:
            raise StageNotReady(self.name, "plan")
        llm = ctx.llm
        for name in documents_for(ctx.plan):
            personal = llm.letter_paragraphs if name == APPEAL_LETTER else ()
            text = render_document(name, ctx.facts, ctx.decision, ctx.plan, personal)
            ctx.add_artifact(name, MARKDOWN_TYPE, text)
        note = WITHOUT_LLM if llm.status == "fallback" and not llm.explanation else None
        if llm.explanation or note:
            plan_md = render_action_plan(ctx.plan, llm.explanation, note)
            ctx.add_artifact(ACTION_PLAN, MARKDOWN_TYPE, plan_md)
        calendar = deadlines_ics(ctx.plan, ctx.case_id or "")
        ctx.add_artifact(CALENDAR, CALENDAR_TYPE, calendar)
        return ctx


def binary_name(name_md: str, fmt: BinaryFormat) -> str:
    """The artifact name of a document's rendering: `appeal_letter.md` → `appeal_letter.pdf`."""
    stem = _stem(name_md)
    if fmt not in _FORMATS:
        raise ValueError(f"unsupported format {fmt!r}")
    return f"{stem}.{fmt}"


def source_name(name: str) -> tuple[str, BinaryFormat] | None:
    """The Markdown document a rendering comes from and its format (`appeal_letter.pdf` →
    `("appeal_letter.md", "pdf")`), or None when `name` is not a PDF/DOCX of a document."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return None
    fmt = _FORMATS.get(ext)
    return (f"{stem}.md", fmt) if fmt is not None else None


def binary_content_type(fmt: BinaryFormat) -> str:
    """The media type of a rendering."""
    return _BINARY_TYPES[fmt]


def render_binary(name_md: str, markdown: str, fmt: BinaryFormat) -> bytes:
    """A Markdown artifact (a pack document, or another such as `action_plan.md`) rendered as
    PDF or DOCX. Deterministic: the same Markdown gives the same bytes, so the result can be
    cached under `binary_name(name_md, fmt)`."""
    stem = _stem(name_md)
    title = DOCUMENT_TITLES.get(name_md) or stem.replace("_", " ").capitalize()
    if fmt == "pdf":
        return markdown_to_pdf(markdown, title)
    if fmt == "docx":
        return markdown_to_docx(markdown, title)
    raise ValueError(f"unsupported format {fmt!r}")


def _stem(name_md: str) -> str:
    if not name_md.endswith(".md") or len(name_md) <= len(".md"):
        raise ValueError(f"not a Markdown document name: {name_md!r}")
    return name_md[: -len(".md")]
