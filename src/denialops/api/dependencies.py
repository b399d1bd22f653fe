"""What routes may ask for. Everything here was built once by the lifespan (see `main.py`) and
is handed out per request; tests swap any of it with `app.dependency_overrides`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from denialops.config import Settings
from denialops.pipeline.runner import PipelineRunner
from denialops.services.analysis import AnalysisService
from denialops.services.cases import CaseService
from denialops.storage.base import CaseStorage


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_storage(request: Request) -> CaseStorage:
    storage: CaseStorage = request.app.state.storage
    return storage


SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[CaseStorage, Depends(get_storage)]


def get_case_service(storage: StorageDep, settings: SettingsDep) -> CaseService:
    return CaseService(storage, settings)


CaseServiceDep = Annotated[CaseService, Depends(get_case_service)]


def get_pipeline(request: Request) -> PipelineRunner:
    pipeline: PipelineRunner = request.app.state.pipeline
    return pipeline


PipelineDep = Annotated[PipelineRunner, Depends(get_pipeline)]


def get_analysis_service(storage: StorageDep, pipeline: PipelineDep) -> AnalysisService:
    return AnalysisService(storage, pipeline)


AnalysisServiceDep = Annotated[AnalysisService, Depends(get_analysis_service)]
