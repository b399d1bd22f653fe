"""Stage 5b, `llm_explain` (optional): the denial in plain language, and personal wording for
the appeal letter, written by the model from the facts and the plan.

It runs after `plan` and before `documents`. The model sees the facts and the plan's own
words (never the letter itself, and no member, group or claim numbers), and answers with
paragraphs (`LLMExplanation`). Each paragraph is vetted before use (`vet.ParagraphVetter`):
one stating a value the facts do not support, or carrying an instruction or a placeholder, is
dropped — logged as `llm.rejected_hallucination` and counted — and the deterministic text
stands alone. The `documents` stage then puts the kept paragraphs in `action_plan.md` ("In
plain language") and in `appeal_letter.md`; the `grounding` stage still checks every
document at the end.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Final

import structlog
from pydantic import BaseModel, ConfigDict, Field

from denialops.domain.grounding import GroundTruth
from denialops.errors import LLMError
from denialops.llm.client import BaseLLMClient
from denialops.llm.models import CompletionRequest
from denialops.pipeline.context import CaseContext, StageNotReady
from denialops.pipeline.llm.prompts import EXPLAIN_SYSTEM, facts_block
from denialops.pipeline.llm.scope import begin, fall_back, llm_scope, publish_usage
from denialops.pipeline.llm.vet import ParagraphVetter

log = structlog.get_logger(__name__)

APPEAL_LETTER: Final = "appeal_letter.md"
Paragraph = Annotated[str, Field(max_length=4000)]


class LLMExplanation(BaseModel):
    """The model's paragraphs: the explanation for the patient, and (when the pack has an
    appeal letter) the letter's personal paragraphs, in the patient's voice."""

    model_config = ConfigDict(extra="ignore")

    explanation: list[Paragraph] = Field(default_factory=list, max_length=6)
    letter_paragraphs: list[Paragraph] = Field(default_factory=list, max_length=4)


class LLMExplain:
    """Ask the model to explain the denial and word the appeal, keeping only what the facts
    support."""

    name: ClassVar[str] = "llm_explain"
    required: ClassVar[bool] = False

    def __init__(
        self,
        client: BaseLLMClient,
        *,
        temperature: float = 0.0,
        max_tokens: int = 1200,
        today: date | None = None,
    ) -> None:
        """`today` (default: the run's date) is a date the paragraphs may state, as in
        `grounding`."""
        self.client = client
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.today = today

    async def __call__(self, ctx: CaseContext) -> CaseContext:
        if ctx.facts is None or ctx.plan is None:
            raise StageNotReady(self.name, "plan")
        trace = begin(ctx, self.client)
        wants_letter = APPEAL_LETTER in ctx.plan.documents
        request = self._request(ctx, wants_letter)
        try:
            with llm_scope(ctx.facts, trace.ledger):
                answer = await self.client.complete_structured(request, LLMExplanation)
        except LLMError as e:
            fall_back(ctx, self.name, e)
            publish_usage(ctx)
            return ctx
        truth = GroundTruth.from_facts(ctx.facts, ctx.plan, None, (self.today or date.today(),))
        vetter = ParagraphVetter(truth)
        trace.explanation = self._keep(ctx, vetter, "explanation", answer.value.explanation)
        if wants_letter:
            paragraphs = answer.value.letter_paragraphs
            trace.letter_paragraphs = self._keep(ctx, vetter, "letter", paragraphs)
        trace.stages[self.name] = "used"
        publish_usage(ctx)
        return ctx

    def _request(self, ctx: CaseContext, wants_letter: bool) -> CompletionRequest:
        assert ctx.facts is not None
        assert ctx.plan is not None
        asks = [
            "explanation: two or three short paragraphs for the patient: what was denied, "
            "why, what the codes mean, and what to do next, by when."
        ]
        if wants_letter:
            asks.append(
                "letter_paragraphs: one or two paragraphs for the patient's appeal letter to "
                "the insurer, in the first person, firm and polite, asking for the denial to "
                "be reversed for the reason the facts give."
            )
        task = (
            facts_block(ctx.facts, ctx.decision, ctx.plan)
            + "\n\nAnswer with JSON holding:\n- "
            + "\n- ".join(asks)
        )
        return CompletionRequest.of(
            EXPLAIN_SYSTEM,
            task,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            purpose="explain",
        )

    def _keep(
        self, ctx: CaseContext, vetter: ParagraphVetter, part: str, paragraphs: list[str]
    ) -> list[str]:
        kept: list[str] = []
        for i, paragraph in enumerate(paragraphs):
            verdict = vetter.judge(paragraph)
            if not verdict.text:
                continue
            if verdict.rejected is None:
                kept.append(verdict.text)
                continue
            field = f"{part}[{i}]"
            ctx.llm.reject(self.name, field, verdict.rejected)
            log.info(
                "llm.rejected_hallucination",
                case_id=ctx.case_id,
                stage=self.name,
                field=field,
                kind=verdict.rejected,
            )
        return kept
