"""The pipelines DenialOps runs, assembled from stages.

`reading_pipeline` reads a letter; `full_pipeline` also plans, writes the document pack and
checks every document's grounding (what `analyze`, `eval` and `POST /run` run), with the
optional LLM stages when given a client. Building one is cheap: stages hold only their
options (and the one shared LLM client).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from denialops.config import Settings
from denialops.llm.client import BaseLLMClient, build_llm_client
from denialops.pipeline.context import AnyStage, CaseContext, InputDocument
from denialops.pipeline.documents import Documents
from denialops.pipeline.extract_facts import ExtractFacts
from denialops.pipeline.extract_text import ExtractText
from denialops.pipeline.grounding import Grounding
from denialops.pipeline.llm.explain import LLMExplain
from denialops.pipeline.llm.extract import LLMExtract
from denialops.pipeline.plan import Plan
from denialops.pipeline.route import Route
from denialops.pipeline.runner import PipelineRunner, StageObserver
from denialops.pipeline.text import TextOptions
from denialops.samples import sample_path


def text_options(settings: Settings) -> TextOptions:
    """Reading limits from PDF_MAX_PAGES, PDF_TIMEOUT_S and PDF_MAX_MEMORY_MB (sandboxed)."""
    return replace(
        TextOptions(),
        max_pages=settings.pdf_max_pages,
        timeout_s=settings.pdf_timeout_s,
        max_memory_mb=settings.pdf_max_memory_mb,
        isolate=True,
    )


def reading_pipeline(text_options: TextOptions | None = None) -> PipelineRunner:
    """extract_text → extract_facts → route."""
    return PipelineRunner([ExtractText(text_options), ExtractFacts(), Route()])


def full_pipeline(
    text_options: TextOptions | None = None,
    *,
    observer: StageObserver | None = None,
    llm: BaseLLMClient | None = None,
    temperature: float = 0.0,
) -> PipelineRunner:
    """The reading stages, then plan → documents → grounding; `observer` gets stage timings.

    With an `llm` client (see `llm.client.build_llm_client`), two optional async stages join:
    `llm_extract` after `extract_facts` and `llm_explain` after `plan`. Without one the
    pipeline is the deterministic one, stage for stage."""
    stages: list[AnyStage] = [ExtractText(text_options), ExtractFacts()]
    if llm is not None:
        stages.append(LLMExtract(llm, temperature=temperature))
    stages += [Route(), Plan()]
    if llm is not None:
        stages.append(LLMExplain(llm, temperature=temperature))
    stages += [Documents(), Grounding()]
    return PipelineRunner(stages, observer)


@asynccontextmanager
async def llm_pipeline(
    settings: Settings,
    text_options: TextOptions | None = None,
    *,
    observer: StageObserver | None = None,
) -> AsyncIterator[PipelineRunner]:
    """The full pipeline with the LLM client `settings` configure (none for provider
    `none`), for commands that run outside the server (`analyze`, `eval`).

    The client is built inside the running event loop and closed when the block ends, so run
    every case of a batch inside one block, in one `anyio.run`: its connection pool belongs
    to that loop."""
    llm = build_llm_client(settings)
    try:
        yield full_pipeline(
            text_options, observer=observer, llm=llm, temperature=settings.llm_temperature
        )
    finally:
        if llm is not None:
            await llm.aclose()


def warm_up(options: TextOptions) -> None:
    """Run the deterministic pipeline once over the bundled sample letter and drop the result.

    The first run in a process loads the ICD-10 index, compiles the templates and fills the
    regex caches: about a tenth of a second that would otherwise land on the first user's
    request. Blocking: the lifespan calls it in a worker thread."""
    letter = InputDocument(sample_path().read_bytes(), "text/plain", "sample.txt")
    full_pipeline(options).run_sync(CaseContext(letter=letter, case_id="warm-up"))
