"""The scope every LLM call of a run is made in.

Inside `llm_scope(ctx)`, the client's pseudonymising layer (on for the cloud providers by
default; see `llm.stack.pseudonymise_enabled`) replaces the case's known PHI — member ID,
group and claim numbers, and the names, addresses and dates of birth the letter states
(`llm.phi_finder`) — with placeholders before a request leaves, and puts it back in
the answer; and the accounting layer records every call in the run's own usage ledger
(`ctx.llm.ledger`), however many stages or requests share the process's one client.

The helpers below are what both LLM stages do around their calls: name the provider, fall
back on failure (a warning on the run, the stage marked "fallback"), publish the usage.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import structlog

from denialops.domain.facts import CaseFacts
from denialops.errors import LLMError
from denialops.llm.accounting import UsageLedger, track_usage
from denialops.llm.client import BaseLLMClient
from denialops.llm.phi_finder import find_phi
from denialops.llm.pseudonymise import phi_from_facts, phi_scope
from denialops.pipeline.llm.trace import USAGE_ARTIFACT, LLMTrace

if TYPE_CHECKING:  # the context module imports the trace; the stages import both
    from denialops.pipeline.context import CaseContext

log = structlog.get_logger(__name__)


@contextmanager
def llm_scope(
    facts: CaseFacts, ledger: UsageLedger | None = None, *, letter: str | None = None
) -> Iterator[UsageLedger]:
    """Pseudonymise `facts`' PHI — and, when the request carries the `letter`, the names,
    addresses and dates of birth it states — and record usage in `ledger` (a new one by
    default)."""
    extra = find_phi(letter) if letter is not None else None
    with phi_scope(phi_from_facts(facts, extra)), track_usage(ledger) as used:
        yield used


def begin(ctx: CaseContext, client: BaseLLMClient) -> LLMTrace:
    """The run's trace, naming the provider and model that answer it."""
    ctx.llm.provider, ctx.llm.model = client.provider, client.model
    return ctx.llm


def fall_back(ctx: CaseContext, stage: str, error: LLMError) -> None:
    """Record that `stage` took the deterministic path because the model failed."""
    ctx.llm.stages[stage] = "fallback"
    ctx.warnings.append(
        f"{stage}: the language model was not available ({error.code}); "
        "this part of the analysis used the deterministic path"
    )
    log.warning("llm.stage_fallback", case_id=ctx.case_id, stage=stage, error=error.code)


def publish_usage(ctx: CaseContext) -> None:
    """(Re)write `llm_usage.json` from the trace: each LLM stage calls this last, so the
    artifact holds the whole run's usage once the last one is done."""
    info = ctx.llm.info()
    ctx.add_artifact(USAGE_ARTIFACT, "application/json", info.model_dump_json(indent=2))
