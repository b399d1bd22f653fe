"""What the language model did for one run: `LLMTrace` while the run is under way (on
`CaseContext.llm`), `LLMRunInfo` when it is reported (`RunResult.llm`, `llm_usage.json`).

Values never appear here: a merged fact is named by its path (its value and evidence are in
`case_facts.json`), a rejected one by its path and why it was rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from pydantic import BaseModel, Field

from denialops.llm.accounting import UsageLedger

#: The artifact that reports the run's LLM usage (only written when an LLM is configured).
USAGE_ARTIFACT: Final = "llm_usage.json"

StageOutcome = Literal["used", "fallback", "skipped"]
LLMStatus = Literal["disabled", "used", "fallback"]
RejectionKind = Literal[
    "not_in_letter", "unknown_code", "malformed", "ungrounded", "instruction", "placeholder"
]


class RejectedValue(BaseModel):
    """A value or paragraph the model gave that was not used: where it would have gone (a fact
    path such as `payer.claim_number`, or `explanation[1]`, `letter[0]`) and why."""

    stage: str
    field: str
    kind: RejectionKind


class LLMRunInfo(BaseModel):
    """The run's use of the language model.

    `status`: "disabled" (no provider configured: the deterministic path, as designed), "used"
    (every LLM stage completed), "fallback" (some LLM stage failed, so its part of the run
    took the deterministic path). `rejected_values` counts the model's values and paragraphs
    that were dropped because the letter or the facts do not support them.
    """

    provider: str = "none"
    model: str | None = None
    status: LLMStatus = "disabled"
    calls: int = 0
    cache_hits: int = 0
    failures: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    rejected_values: int = 0
    stages: dict[str, StageOutcome] = Field(default_factory=dict)
    merged_fields: list[str] = Field(default_factory=list)
    rejected: list[RejectedValue] = Field(default_factory=list)


@dataclass
class LLMTrace:
    """The LLM stages' shared record for one run: the usage ledger their calls are recorded
    in, how each stage ended, what was merged or rejected, and the vetted paragraphs the
    documents stage may use."""

    provider: str = "none"
    model: str | None = None
    ledger: UsageLedger = field(default_factory=UsageLedger)
    stages: dict[str, StageOutcome] = field(default_factory=dict)
    merged_fields: list[str] = field(default_factory=list)
    rejected: list[RejectedValue] = field(default_factory=list)
    #: Plain-language paragraphs for the action plan, each checked against the facts.
    explanation: list[str] = field(default_factory=list)
    #: Personalised paragraphs for the appeal letter, each checked against the facts.
    letter_paragraphs: list[str] = field(default_factory=list)

    @property
    def enabled(self) -> bool:
        return self.provider != "none"

    @property
    def status(self) -> LLMStatus:
        if not self.enabled:
            return "disabled"
        return "fallback" if "fallback" in self.stages.values() else "used"

    def reject(self, stage: str, path: str, kind: RejectionKind) -> None:
        self.rejected.append(RejectedValue(stage=stage, field=path, kind=kind))

    def info(self) -> LLMRunInfo:
        ledger = self.ledger
        return LLMRunInfo(
            provider=self.provider,
            model=self.model,
            status=self.status,
            calls=ledger.calls,
            cache_hits=ledger.cache_hits,
            failures=ledger.failures,
            input_tokens=ledger.input_tokens,
            output_tokens=ledger.output_tokens,
            cost_usd=round(ledger.cost_usd, 6),
            rejected_values=len(self.rejected),
            stages=dict(self.stages),
            merged_fields=list(self.merged_fields),
            rejected=list(self.rejected),
        )
