"""Stage 7, `grounding`: no ungrounded document is published (PRODUCT.md §2).

Every text document the later stages wrote (Markdown, calendar, plain text other than the
letter's own `extracted_text.txt`) is checked against the facts, the plan rules and the action
plan's deadlines. A document stating a value the facts do not is withheld: it is removed from
the artifacts together with its PDF and DOCX renderings, and a warning says so. The verdicts,
with each violation's kind, value and position, are written to `grounding_report.json`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import PurePosixPath
from typing import Any, ClassVar, Final

import structlog
from pydantic import TypeAdapter

from denialops.domain.grounding import GroundingReport, GroundTruth, check_documents
from denialops.pipeline.context import CaseContext, StageNotReady

log = structlog.get_logger(__name__)

REPORT: Final = "grounding_report.json"
_REPORTS: Final = TypeAdapter(list[GroundingReport])
#: Text artifacts a reader sees; JSON artifacts are data, checked by their schemas instead.
CHECKED_SUFFIXES: Final = frozenset({".md", ".ics", ".txt"})
#: The letter's own text: its values are the source of the facts, not claims about them.
UNCHECKED: Final = frozenset({"extracted_text.txt"})
#: Renderings of a checked document that share its name and are withheld with it.
RENDERINGS: Final = (".pdf", ".docx")


class Grounding:
    """Withhold every document that states a code, date, amount, phone number or citation
    the facts (or plan rules, or the plan's derived deadlines) do not."""

    name: ClassVar[str] = "grounding"
    required: ClassVar[bool] = True

    def __init__(
        self,
        plan_rules: list[dict[str, Any]] | None = None,
        extra_dates: Iterable[date] = (),
        today: date | None = None,
    ) -> None:
        """`today` (default: the run's date) is allowed as the date a letter is written."""
        self.plan_rules = plan_rules
        self.extra_dates = tuple(extra_dates)
        self.today = today

    def __call__(self, ctx: CaseContext) -> CaseContext:
        if ctx.facts is None:
            raise StageNotReady(self.name, "extract_facts")
        dates = (*self.extra_dates, self.today or date.today())
        truth = GroundTruth.from_facts(ctx.facts, ctx.plan, self.plan_rules, dates)
        docs = {
            name: artifact.data.decode("utf-8", errors="replace")
            for name, artifact in ctx.artifacts.items()
            if is_checked(name)
        }
        reports = check_documents(docs, truth)
        for report in reports:
            if not report.ok:
                _withhold(ctx, report)
        ctx.add_artifact(REPORT, "application/json", _REPORTS.dump_json(reports, indent=2))
        return ctx


def is_checked(name: str) -> bool:
    """Whether an artifact is a generated text document that grounding must check."""
    return name not in UNCHECKED and PurePosixPath(name).suffix.lower() in CHECKED_SUFFIXES


def _withhold(ctx: CaseContext, report: GroundingReport) -> None:
    """Remove the document and its renderings; say why (kinds and counts, never values)."""
    path = PurePosixPath(report.document)
    withheld = [report.document, *(str(path.with_suffix(suffix)) for suffix in RENDERINGS)]
    for name in withheld:
        ctx.artifacts.pop(name, None)
    kinds = sorted({v.kind for v in report.violations})
    count = len(report.violations)
    ctx.warnings.append(
        f"grounding: {report.document} was withheld: {count} value(s) not traceable to "
        f"the case's documents ({', '.join(kinds)}); see {REPORT}"
    )
    log.warning(
        "grounding.document_withheld",
        case_id=ctx.case_id,
        document=report.document,
        violations=count,
        kinds=kinds,
    )
