"""The pipelines DenialOps runs, assembled from stages.

`reading_pipeline` reads a letter (what `denialops eval` measures); `full_pipeline` also plans,
writes the document pack and checks every document's grounding (what `analyze` and
`POST /run` run). Building one is cheap: stages hold only their options.
"""

from __future__ import annotations

from denialops.pipeline.documents import Documents
from denialops.pipeline.extract_facts import ExtractFacts
from denialops.pipeline.extract_text import ExtractText
from denialops.pipeline.grounding import Grounding
from denialops.pipeline.plan import Plan
from denialops.pipeline.route import Route
from denialops.pipeline.runner import PipelineRunner
from denialops.pipeline.text import TextOptions


def reading_pipeline(text_options: TextOptions | None = None) -> PipelineRunner:
    """extract_text → extract_facts → route."""
    return PipelineRunner([ExtractText(text_options), ExtractFacts(), Route()])


def full_pipeline(text_options: TextOptions | None = None) -> PipelineRunner:
    """The reading stages, then plan → documents → grounding."""
    return PipelineRunner(
        [ExtractText(text_options), ExtractFacts(), Route(), Plan(), Documents(), Grounding()]
    )
