"""Explaining an analysed case as it is written (`POST /cases/{id}/explain`, Server-Sent Events).

The explanation is built from the case's stored analysis (`case_facts.json`,
`action_plan.json`, `route.json`), so the case must have been analysed: 409 otherwise, before
any event is sent. The stream is a sequence of events:

    event: chunk            data: {"text": "<a sentence, then a space or a blank line>"}
    ...
    event: done             data: {"source": "llm" | "deterministic", "rejected": <n>}

With a language model configured, its stream is relayed sentence by sentence (pseudonymised
for the cloud providers, restored on the way out, by the client's own layers); each sentence
is checked against the facts first (`ParagraphVetter`) and one stating an unsupported value,
an instruction or a placeholder is dropped and counted in `rejected`. Without a model, the
plan's own explanation is sent, one sentence per chunk.

When the model fails: before any sentence was sent, the deterministic text is sent instead
(`done` says `"source": "deterministic"` and the error code in `"fallback"`); after some were,
the stream ends with `event: error`, data `{"code", "message"}` — a reader keeps what it has
and knows it is incomplete, rather than getting a second explanation glued to half of one.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from datetime import date
from typing import Any, Final

import structlog

from denialops.domain.facts import CaseFacts, RouteDecision
from denialops.domain.grounding import GroundTruth
from denialops.domain.plan import ActionPlan
from denialops.errors import Conflict, LLMError
from denialops.llm.client import BaseLLMClient
from denialops.llm.models import CompletionRequest
from denialops.pipeline.llm.prompts import EXPLAIN_SYSTEM, STREAM_INSTRUCTION, facts_block
from denialops.pipeline.llm.scope import llm_scope
from denialops.pipeline.llm.vet import ParagraphVetter
from denialops.render.explanation import (
    Sentence,
    SentenceSplitter,
    deterministic_explanation,
    sentences,
)
from denialops.storage.base import CaseStorage

log = structlog.get_logger(__name__)

MEDIA_TYPE: Final = "text/event-stream"
_NEEDED: Final = ("case_facts.json", "action_plan.json")


class CaseNotAnalysed(Conflict):
    """The case has not been analysed yet: run it first (POST /cases/{id}/run)."""

    code = "case_not_analysed"


def sse(event: str, data: dict[str, Any]) -> str:
    """One Server-Sent Event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class ExplainService:
    """Streams a case's plain-language explanation."""

    def __init__(
        self,
        storage: CaseStorage,
        llm: BaseLLMClient | None,
        *,
        temperature: float = 0.0,
        max_tokens: int = 700,
        today: date | None = None,
    ) -> None:
        self.storage = storage
        self.llm = llm
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.today = today

    async def explain(self, case_id: str) -> AsyncIterator[str]:
        """The event stream for `case_id`. Raises (404, 409) before the first event."""
        facts, plan, decision = await self._analysis(case_id)
        if self.llm is None:
            return self._deterministic(case_id, plan, fallback=None)
        return self._from_llm(case_id, self.llm, facts, plan, decision)

    async def _analysis(self, case_id: str) -> tuple[CaseFacts, ActionPlan, RouteDecision | None]:
        state = await self.storage.get(case_id)
        if any(name not in state.artifacts for name in _NEEDED):
            raise CaseNotAnalysed("analyse the case first: POST /api/v1/cases/{id}/run")
        _, facts = await self.storage.read_artifact(case_id, "case_facts.json")
        _, plan = await self.storage.read_artifact(case_id, "action_plan.json")
        decision = None
        if "route.json" in state.artifacts:
            _, route = await self.storage.read_artifact(case_id, "route.json")
            decision = RouteDecision.model_validate_json(route)
        return (
            CaseFacts.model_validate_json(facts),
            ActionPlan.model_validate_json(plan),
            decision,
        )

    async def _deterministic(
        self, case_id: str, plan: ActionPlan, *, fallback: str | None
    ) -> AsyncIterator[str]:
        for event in _chunks(sentences(deterministic_explanation(plan))):
            yield event
        done: dict[str, Any] = {"source": "deterministic", "rejected": 0}
        if fallback is not None:
            done["fallback"] = fallback
        log.info("explain.streamed", case_id=case_id, source="deterministic", fallback=fallback)
        yield sse("done", done)

    async def _from_llm(
        self,
        case_id: str,
        llm: BaseLLMClient,
        facts: CaseFacts,
        plan: ActionPlan,
        decision: RouteDecision | None,
    ) -> AsyncIterator[str]:
        truth = GroundTruth.from_facts(facts, plan, None, (self.today or date.today(),))
        relay = _Relay(ParagraphVetter(truth), case_id)
        splitter = SentenceSplitter()
        try:
            with llm_scope(facts):
                async for piece in llm.stream(self._request(facts, plan, decision)):
                    for event in relay.events(splitter.feed(piece)):
                        yield event
            for event in relay.events(splitter.flush()):
                yield event
        except LLMError as e:
            log.warning("explain.llm_failed", case_id=case_id, error=e.code, sent=relay.sent)
            if relay.sent:
                yield sse("error", {"code": e.code, "message": e.message})
                return
            async for event in self._deterministic(case_id, plan, fallback=e.code):
                yield event
            return
        if not relay.sent:  # nothing the facts support: the plan's own words instead
            async for event in self._deterministic(case_id, plan, fallback="nothing_grounded"):
                yield event
            return
        log.info(
            "explain.streamed",
            case_id=case_id,
            source="llm",
            sent=relay.sent,
            rejected=relay.rejected,
        )
        yield sse("done", {"source": "llm", "rejected": relay.rejected})

    def _request(
        self, facts: CaseFacts, plan: ActionPlan, decision: RouteDecision | None
    ) -> CompletionRequest:
        task = f"{facts_block(facts, decision, plan)}\n\n{STREAM_INSTRUCTION}"
        return CompletionRequest.of(
            EXPLAIN_SYSTEM,
            task,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            purpose="explain_stream",
        )


class _Relay:
    """Vets a model's sentences one by one and turns the kept ones into events."""

    def __init__(self, vetter: ParagraphVetter, case_id: str) -> None:
        self.vetter = vetter
        self.case_id = case_id
        self.sent = 0
        self.rejected = 0

    def events(self, batch: Iterable[Sentence]) -> list[str]:
        events = []
        for sentence in batch:
            verdict = self.vetter.judge(sentence.text)
            if not verdict.text:
                continue
            if verdict.rejected is not None:
                self.rejected += 1
                log.info(
                    "llm.rejected_hallucination",
                    case_id=self.case_id,
                    stage="explain_stream",
                    field=f"sentence[{self.sent + self.rejected - 1}]",
                    kind=verdict.rejected,
                )
                continue
            self.sent += 1
            kept = Sentence(verdict.text, sentence.paragraph_end)
            events.append(sse("chunk", {"text": kept.wire_text}))
        return events


def _chunks(parts: Iterable[Sentence]) -> Iterable[str]:
    return (sse("chunk", {"text": part.wire_text}) for part in parts)
