"""The published JSON Schema of every JSON artifact (`GET /api/v1/schemas/{name}`).

The schemas are generated from the same pydantic models that write the artifacts, so they
cannot drift from what the pipeline produces; a test validates real artifacts against them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter

from denialops.domain.facts import CaseFacts, RouteDecision
from denialops.domain.grounding import GroundingReport
from denialops.domain.plan import ActionPlan
from denialops.errors import NotFound
from denialops.pipeline.llm.trace import USAGE_ARTIFACT, LLMRunInfo

ARTIFACT_MODELS: dict[str, Any] = {
    "case_facts.json": CaseFacts,
    "route.json": RouteDecision,
    "action_plan.json": ActionPlan,
    "grounding_report.json": list[GroundingReport],
    USAGE_ARTIFACT: LLMRunInfo,  # written only when an LLM is configured
}


class SchemaNotFound(NotFound):
    """No published schema by that name."""

    code = "schema_not_found"


def schema_names() -> list[str]:
    return sorted(name.removesuffix(".json") for name in ARTIFACT_MODELS)


# Bounded on purpose: names come from URLs. (Unknown names raise, and raising caches nothing.)
@lru_cache(maxsize=32)
def schema_for(name: str) -> dict[str, Any]:
    """The JSON Schema for artifact `name` (with or without `.json`)."""
    key = name if name.endswith(".json") else f"{name}.json"
    model = ARTIFACT_MODELS.get(key)
    if model is None:
        raise SchemaNotFound(f"no schema named {name[:80]!r}; known: {', '.join(schema_names())}")
    schema: dict[str, Any] = TypeAdapter(model).json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"/api/v1/schemas/{key.removesuffix('.json')}"
    return schema
