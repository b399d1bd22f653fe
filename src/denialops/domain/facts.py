"""What the pipeline reads out of a letter: the shape of `extracted_text.txt`'s source,
`case_facts.json` and `route.json`.

Values sit at the field paths the original DenialOps used (`payer.name`, `dates.date_of_service`,
...) so its readers keep working; each value's evidence (page, character span, quoted text)
sits beside it in `CaseFacts.evidence`, keyed by the same dotted path. A value the letter does
not state is null and its path is listed in `missing_info`: never guessed.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer

Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class Evidence(BaseModel):
    """Where a value was read: 1-based page, [start, end) character offsets in that page's
    text, and the quoted text itself."""

    page: int
    start: int
    end: int
    quote: str


class PageText(BaseModel):
    """One page of a document's text. OCR'd pages say so, with the recogniser's confidence."""

    number: int
    text: str
    ocr: bool = False
    ocr_confidence: float | None = None


class ExtractedText(BaseModel):
    """A document's text, page by page (`extract_text`'s output)."""

    source_type: str
    pages: list[PageText]

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.ocr]

    @property
    def full_text(self) -> str:
        return "\n\f\n".join(p.text for p in self.pages)


class CodeType(StrEnum):
    CARC = "CARC"
    RARC = "RARC"
    CPT = "CPT"
    HCPCS = "HCPCS"
    ICD10CM = "ICD-10-CM"


class DenialCode(BaseModel):
    """A code found in the letter. CARCs are `GROUP-NUMBER` (`CO-197`), or the bare number when
    the letter names no group; `description` comes from our own code table."""

    code: str
    code_type: CodeType
    description: str | None = None
    group: str | None = None
    evidence: Evidence | None = None


class Payer(BaseModel):
    name: str | None = None
    plan_name: str | None = None
    plan_type: str | None = None
    member_id: str | None = None
    group_number: str | None = None
    claim_number: str | None = None


class Dates(BaseModel):
    """ISO dates (YYYY-MM-DD). `appeal_deadline` only when the letter gives a date or a window
    counted from its own date."""

    date_of_denial: str | None = None
    date_of_service: str | None = None
    appeal_deadline: str | None = None
    appeal_window_days: int | None = None


class Amounts(BaseModel):
    billed_amount: Money | None = None
    allowed_amount: Money | None = None
    paid_amount: Money | None = None
    patient_responsibility: Money | None = None


class ContactInfo(BaseModel):
    phone: str | None = None
    fax: str | None = None
    address: str | None = None
    email: str | None = None
    website: str | None = None


class Service(BaseModel):
    description: str | None = None
    cpt_codes: list[str] = Field(default_factory=list)
    hcpcs_codes: list[str] = Field(default_factory=list)
    diagnosis_codes: list[str] = Field(default_factory=list)
    provider_name: str | None = None
    provider_npi: str | None = None


class CaseFacts(BaseModel):
    """`case_facts.json`."""

    denial_reason: str | None = None
    denial_reason_summary: str | None = None
    payer: Payer = Field(default_factory=Payer)
    dates: Dates = Field(default_factory=Dates)
    amounts: Amounts = Field(default_factory=Amounts)
    contact_info: ContactInfo = Field(default_factory=ContactInfo)
    service: Service = Field(default_factory=Service)
    denial_codes: list[DenialCode] = Field(default_factory=list)
    missing_info: list[str] = Field(default_factory=list)
    evidence: dict[str, Evidence] = Field(default_factory=dict)


class RouteName(StrEnum):
    """The best next action (PRODUCT.md §2)."""

    PRIOR_AUTH_NEEDED = "prior_auth_needed"
    CLAIM_CORRECTION_RESUBMIT = "claim_correction_resubmit"
    MEDICAL_NECESSITY_APPEAL = "medical_necessity_appeal"
    COVERAGE_EXCLUSION = "coverage_exclusion"
    OUT_OF_NETWORK = "out_of_network"
    TIMELY_FILING = "timely_filing"
    ELIGIBILITY_ISSUE = "eligibility_issue"
    COORDINATION_OF_BENEFITS = "coordination_of_benefits"
    DUPLICATE_CLAIM = "duplicate_claim"
    RECORDS_REQUESTED = "records_requested"


class Signal(BaseModel):
    """One piece of evidence for (positive weight) or against (negative) a route."""

    kind: str  # "carc" | "rarc" | "phrase" | "negation" | "plan_rule" | "context"
    value: str
    route: RouteName
    weight: float
    evidence: Evidence | None = None


class RouteScore(BaseModel):
    route: RouteName
    score: float
    confidence: float


class RouteDecision(BaseModel):
    """`route.json`: the chosen route, how sure, why, and the runners-up."""

    route: RouteName
    confidence: float
    reasoning: list[str]
    signals: list[Signal] = Field(default_factory=list)
    alternatives: list[RouteScore] = Field(default_factory=list)
    needs_human_review: bool = False
    appealable: bool = True
    notes: list[str] = Field(default_factory=list)
