"""The action plan (`action_plan.json`): what to do about a denial, by whom, by when.

Deadlines are computed only from facts: each says which fact (or which other deadline) it
derives from and by how many days, so a reader can check the arithmetic. Every fact the plan
needs but the letter does not state is listed as "Unknown — please provide …".
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from denialops.domain.cases import Mode
from denialops.domain.facts import RouteName

DISCLAIMER = "This is not legal or medical advice."
NOT_VERIFIED = "Plan-specific coverage not verified."


class Party(StrEnum):
    """Who does a step."""

    PATIENT = "patient"
    PROVIDER = "provider"
    BILLING_STAFF = "billing_staff"
    CLINICIAN = "clinician"


class DeadlineKind(StrEnum):
    DEADLINE = "deadline"  # a date the letter sets (or one computed from its own date)
    FOLLOW_UP = "follow_up"  # a date a specialist would schedule before/after a deadline


class PlanDeadline(BaseModel):
    """A dated item. `date` = `base_date` + `offset_days`; `derived_from` names the base."""

    date: str  # ISO YYYY-MM-DD
    title: str
    kind: DeadlineKind
    derived_from: str  # e.g. "dates.appeal_deadline", "dates.date_of_denial"
    base_date: str
    offset_days: int
    passed: bool | None = None  # before the `today` the plan was built for; None = not judged

    @property
    def explanation(self) -> str:
        """e.g. "2024-07-14: 14 days before the appeal deadline 2024-07-28"."""
        if self.offset_days == 0:
            return f"{self.date}: {self.title}"
        direction = "before" if self.offset_days < 0 else "after"
        what = self.derived_from.rsplit(".", 1)[-1].replace("_", " ")
        return f"{self.date}: {abs(self.offset_days)} days {direction} the {what} {self.base_date}"


class PlanStep(BaseModel):
    order: int
    title: str
    detail: str
    responsible: Party
    due: str | None = None  # ISO date, only when derived from a fact


class MissingItem(BaseModel):
    field: str  # dotted path in case_facts.json
    prompt: str  # "Unknown — please provide the claim number (on the EOB or the letter)"


class ActionPlan(BaseModel):
    """`action_plan.json`; `action_plan.md` is its readable rendering."""

    route: RouteName
    mode: Mode
    coverage_note: str | None = NOT_VERIFIED
    situation: str
    recommendation: str
    appealable: bool = True
    needs_human_review: bool = False
    notes: list[str] = Field(default_factory=list)  # what a reader must know before acting
    steps: list[PlanStep] = Field(default_factory=list)
    deadlines: list[PlanDeadline] = Field(default_factory=list)
    gather: list[str] = Field(default_factory=list)
    missing: list[MissingItem] = Field(default_factory=list)
    other_options: list[str] = Field(default_factory=list)
    documents: list[str] = Field(default_factory=list)
    disclaimer: str = DISCLAIMER
