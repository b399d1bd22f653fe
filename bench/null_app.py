"""The throughput benchmark's ceiling: the three routes of a case, doing nothing.

`create` answers a new id, `upload` parses the multipart body and counts its bytes, `run`
answers a fixed result; no storage, no analysis, no middleware. Served the same way as
DenialOps (uvicorn on loopback, same worker counts, same wrk script), it shows what FastAPI,
uvicorn and the load generator cost on this machine, so the table can say how much of a case's
time is DenialOps's own work.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import FastAPI, Form, UploadFile


def app() -> FastAPI:
    """The app factory (`uvicorn --factory bench.null_app:app`)."""
    api = FastAPI()

    @api.post("/api/v1/cases", status_code=201)
    async def create() -> dict[str, str]:
        return {"case_id": str(uuid.uuid4())}

    @api.post("/api/v1/cases/{case_id}/documents", status_code=201)
    async def upload(
        case_id: str, file: UploadFile, doc_type: Annotated[str, Form()]
    ) -> dict[str, int | str]:
        return {"document_id": str(uuid.uuid4()), "size": len(await file.read())}

    @api.post("/api/v1/cases/{case_id}/run")
    async def run(case_id: str) -> dict[str, str | float]:
        return {"status": "completed", "route": "none", "confidence": 1.0}

    @api.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return api
