"""The route's document pack: letters, checklists and the call script, rendered from templates.

Each document is a Jinja2 template, `templates/documents/<name>.j2` (`appeal_letter.md` →
`appeal_letter.md.j2`); which documents a case gets is the plan's decision (`plan.documents`),
and every case also gets `call_script.md`. The templates print only values from the facts and
the plan, because the grounding validator rejects any code, date, amount or phone number it
cannot trace back to them: dates as the ISO strings they are stored as, amounts through the
`money` filter, phone numbers verbatim. A value the letter does not give is left out or asked
for ("Unknown — please provide …"); printing `None` is an error, not a silent blank.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import jinja2

from denialops.domain.codes import split_carc
from denialops.domain.facts import CaseFacts, CodeType, DenialCode, RouteDecision
from denialops.domain.plan import DISCLAIMER, ActionPlan, PlanDeadline
from denialops.errors import DenialOpsError
from denialops.render.templates import MissingTemplateValue, environment, money

__all__ = [
    "CALL_SCRIPT",
    "DOCUMENT_NAMES",
    "DOCUMENT_TITLES",
    "ClaimCodes",
    "DocumentRenderError",
    "UnknownDocument",
    "codes_of",
    "document_title",
    "documents_for",
    "join_codes",
    "money",
    "render_document",
    "unknown",
]

CALL_SCRIPT: Final = "call_script.md"

#: Every document the pack can hold (its artifact name) and its human title.
DOCUMENT_TITLES: Final[dict[str, str]] = {
    "appeal_letter.md": "Appeal letter",
    "medical_necessity_letter_template.md": "Letter of medical necessity (clinician template)",
    "pa_checklist.md": "Prior authorization checklist",
    "resubmit_checklist.md": "Corrected claim checklist",
    "coverage_review_checklist.md": "Coverage review checklist",
    "network_exception_request.md": "Network exception request",
    "timely_filing_proof_request.md": "Timely filing reconsideration request",
    "eligibility_update_letter.md": "Eligibility update letter",
    "cob_update_letter.md": "Coordination of benefits update letter",
    "duplicate_claim_checklist.md": "Duplicate claim checklist",
    "records_cover_letter.md": "Cover letter for requested records",
    CALL_SCRIPT: "Call script",
}
DOCUMENT_NAMES: Final = frozenset(DOCUMENT_TITLES)

_UNKNOWN_PREFIX: Final = "Unknown — please provide "


class UnknownDocument(DenialOpsError):
    """The plan names a document the pack has no template for."""

    code = "unknown_document"


class DocumentRenderError(DenialOpsError):
    """A document template could not be rendered from the case's facts."""

    code = "document_render_failed"


def documents_for(plan: ActionPlan) -> list[str]:
    """The documents to render for `plan`: its own list in order, without repeats, plus the
    call script. Raises `UnknownDocument` for a name without a template."""
    names = list(dict.fromkeys([*plan.documents, CALL_SCRIPT]))
    for name in names:
        if name not in DOCUMENT_NAMES:
            raise UnknownDocument(f"no template for document {name!r}")
    return names


def document_title(name: str) -> str:
    """The human title of a document (`"appeal_letter.md"` → `"Appeal letter"`)."""
    try:
        return DOCUMENT_TITLES[name]
    except KeyError:
        raise UnknownDocument(f"no template for document {name!r}") from None


def render_document(
    name: str,
    facts: CaseFacts,
    decision: RouteDecision,
    plan: ActionPlan,
    personal: Sequence[str] = (),
) -> str:
    """Render one document of the pack as Markdown. `personal`: vetted paragraphs in the
    sender's own voice (from the LLM stage), which the letters that have room for them use."""
    document_title(name)  # validates the name
    try:
        template = _environment().get_template(f"documents/{name}.j2")
        text = template.render(
            facts=facts,
            decision=decision,
            plan=plan,
            route=plan.route.value,
            codes=codes_of(facts),
            title=DOCUMENT_TITLES[name],
            disclaimer=DISCLAIMER,
            personal=list(personal),
        )
    except (jinja2.TemplateError, MissingTemplateValue) as e:
        # The message names the template construct, never a fact's value.
        raise DocumentRenderError(f"document {name} failed to render: {e}") from e
    return _tidy(text)


# --- filters and helpers the templates use ---------------------------------------------------


def join_codes(codes: Iterable[str | DenialCode]) -> str:
    """`["99213", "G0439"]` → `"99213, G0439"` (denial codes by their `code`)."""
    return ", ".join(c.code if isinstance(c, DenialCode) else c for c in codes)


def unknown(what: str) -> str:
    """The marker for a fact the documents need but the letter does not give."""
    return f"{_UNKNOWN_PREFIX}{what}"


def _oneline(text: str) -> str:
    """Collapse a quoted passage's whitespace so it stays one Markdown paragraph."""
    return " ".join(text.split())


def _address_lines(address: str) -> list[str]:
    """A postal address as its non-empty lines (commas kept as the letter wrote them)."""
    return [" ".join(line.split()) for line in address.splitlines() if line.strip()]


def _derivation(deadline: PlanDeadline) -> str:
    """How a deadline's date was computed, without the leading date (`"14 days before …"`)."""
    prefix = f"{deadline.date}: "
    text = deadline.explanation
    return text[len(prefix) :] if text.startswith(prefix) else text


def _identifiers(facts: CaseFacts) -> list[str]:
    """The claim's known identifiers for an RE line, e.g. `["Member ID X1", "Claim number 9"]`."""
    known = [
        ("Member ID", facts.payer.member_id),
        ("Group number", facts.payer.group_number),
        ("Claim number", facts.payer.claim_number),
        ("Date of service", facts.dates.date_of_service),
    ]
    return [f"{label} {value}" for label, value in known if value]


@dataclass(frozen=True)
class ClaimCodes:
    """The letter's codes sorted by what they say: why the claim was denied (CARC/RARC) and
    what was billed (CPT, HCPCS, ICD-10-CM), from the service and from the code list alike."""

    reasons: list[DenialCode]
    cpt: list[str]
    hcpcs: list[str]
    diagnoses: list[str]

    @property
    def procedures(self) -> list[str]:
        return [*self.cpt, *self.hcpcs]


def codes_of(facts: CaseFacts) -> ClaimCodes:
    """The case's codes by kind, each once, in the order the letter gives them."""
    listed: dict[CodeType, list[str]] = {t: [] for t in CodeType}
    for code in facts.denial_codes:
        listed[code.code_type].append(code.code)
    reasons = [c for c in facts.denial_codes if c.code_type in (CodeType.CARC, CodeType.RARC)]
    service = facts.service
    return ClaimCodes(
        reasons=reasons,
        cpt=_unique([*service.cpt_codes, *listed[CodeType.CPT]]),
        hcpcs=_unique([*service.hcpcs_codes, *listed[CodeType.HCPCS]]),
        diagnoses=_unique([*service.diagnosis_codes, *listed[CodeType.ICD10CM]]),
    )


def _unique(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def _amounts(facts: CaseFacts) -> list[tuple[str, Decimal]]:
    """The known amounts with their labels, in EOB order."""
    a = facts.amounts
    known = [
        ("Billed amount", a.billed_amount),
        ("Allowed amount", a.allowed_amount),
        ("Paid amount", a.paid_amount),
        ("Patient responsibility", a.patient_responsibility),
    ]
    return [(label, value) for label, value in known if value is not None]


def _groups(facts: CaseFacts) -> set[str]:
    """The CARC group codes on the denial (`{"CO", "PR"}`), from `group` or a `CO-` prefix."""
    found: set[str] = set()
    for c in facts.denial_codes:
        if c.code_type is CodeType.CARC:
            group = c.group or split_carc(c.code)[0]
            if group:
                found.add(group.upper())
    return found


def _mentions(text: str | None, *words: str) -> bool:
    """Whether the letter's stated reason uses any of `words` (case-insensitive)."""
    lowered = (text or "").lower()
    return any(w in lowered for w in words)


_BLANK_RUNS: Final = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Collapse the blank lines that skipped sections leave, and end with one newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip() + "\n"


_FILTERS: Final[dict[str, Any]] = {
    "money": money,
    "join_codes": join_codes,
    "oneline": _oneline,
    "address_lines": _address_lines,
    "derivation": _derivation,
}
_GLOBALS: Final[dict[str, Any]] = {
    "unknown": unknown,
    "codes_of": codes_of,
    "identifiers": _identifiers,
    "amounts": _amounts,
    "groups": _groups,
    "mentions": _mentions,
}


@functools.cache
def _environment() -> jinja2.Environment:
    """The shared template environment (strict, no escaping, `money`, `None` refused) with the
    documents' own filters and helpers layered on top, so they do not leak into other
    templates."""
    env = environment().overlay(
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(_FILTERS)
    env.globals.update(_GLOBALS)
    return env
