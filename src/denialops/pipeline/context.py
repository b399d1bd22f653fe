"""What flows through the pipeline: the inputs of one case and what each stage adds."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, TypeAlias

from denialops.domain.cases import UserContext
from denialops.domain.facts import CaseFacts, ExtractedText, RouteDecision
from denialops.domain.plan import ActionPlan
from denialops.pipeline.llm.trace import LLMTrace


@dataclass(frozen=True)
class InputDocument:
    """A document's bytes and its sniffed content type."""

    data: bytes
    content_type: str
    filename: str = "document"


@dataclass(frozen=True)
class Artifact:
    """A file a stage produced, by its published name (see PRODUCT.md §2)."""

    name: str
    content_type: str
    data: bytes


@dataclass
class CaseContext:
    """The case as the pipeline sees it. Each stage reads what earlier stages set."""

    letter: InputDocument
    case_id: str | None = None
    eob: InputDocument | None = None
    plan_document: InputDocument | None = None
    user_context: UserContext | None = None
    text: ExtractedText | None = None
    facts: CaseFacts | None = None
    decision: RouteDecision | None = None
    plan: ActionPlan | None = None
    artifacts: dict[str, Artifact] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # What the optional LLM stages did; stays "disabled" when no LLM is configured.
    llm: LLMTrace = field(default_factory=LLMTrace)

    def add_artifact(self, name: str, content_type: str, data: bytes | str) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        self.artifacts[name] = Artifact(name, content_type, raw)


class Stage(Protocol):
    """One step of the pipeline. `required` stages stop the run when they fail; optional ones
    leave a warning and a partial result."""

    name: ClassVar[str]
    required: ClassVar[bool]

    def __call__(self, ctx: CaseContext) -> CaseContext: ...


class AsyncStage(Protocol):
    """A stage that waits on I/O (the LLM stages): the runner awaits it on the event loop
    instead of sending it to a worker thread."""

    name: ClassVar[str]
    required: ClassVar[bool]

    def __call__(self, ctx: CaseContext) -> Awaitable[CaseContext]: ...


AnyStage: TypeAlias = Stage | AsyncStage


class StageNotReady(RuntimeError):
    """A stage ran before the stage it depends on (a wiring bug, not a user error)."""

    def __init__(self, stage: str, needs: str) -> None:
        super().__init__(f"stage {stage} needs {needs} first")
