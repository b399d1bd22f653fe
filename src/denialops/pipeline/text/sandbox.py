"""The parser sandbox: PDFs, images and Word documents are read in a child process.

PDFium, Pillow, ONNX Runtime and lxml are native code fed with bytes from strangers. In the
server's own process a decompression bomb (a few megabytes of Flate that inflate to
gigabytes, an image declaring 40,000 x 40,000 pixels) takes the server's memory, and a page
that PDFium chews on for minutes cannot be interrupted (`Deadline` is only checked between
pages). So each such document is read by a fresh `python -m
denialops.pipeline.text.sandbox_worker` that

- caps its own address space (`TextOptions.max_memory_mb`, RLIMIT_AS) and CPU time before it
  reads the document, and writes no core file;
- is killed when it overruns the wall-clock budget (`timeout_s` plus `KILL_GRACE_S` for the
  interpreter's start-up);
- answers with JSON on stdout, so a crash, a kill or garbage all read as "no answer".

Whatever goes wrong in the child becomes a 422 (`DocumentTooComplex` or `UnreadableDocument`)
here; the server process and the case are untouched. The page limit is checked by the child
before any page is read or rendered (`pdf._check_page_count`).

Cost: one process start per document, about 0.6 s of interpreter and library import on the
project's 2-core machine (a text PDF then takes a few milliseconds more); a scanned document
also rebuilds the OCR engine in the child (about a second, small beside OCR itself). At most
`MAX_CONCURRENT` children run at once, so a burst of uploads queues instead of multiplying
peak memory by the number of requests.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
import time

import structlog

from denialops.domain.facts import ExtractedText
from denialops.errors import DenialOpsError, UnsupportedMediaType
from denialops.pipeline.text.errors import DocumentTooComplex, UnreadableDocument
from denialops.pipeline.text.options import TextOptions

log = structlog.get_logger(__name__)

WORKER_MODULE = "denialops.pipeline.text.sandbox_worker"
#: Wall-clock seconds allowed on top of `timeout_s`: interpreter start-up (≈0.6 s) and the OCR
#: engine's load in the child; the child's own `Deadline` enforces `timeout_s` itself.
KILL_GRACE_S = 5.0
#: Children running at once; more documents wait for a slot.
MAX_CONCURRENT = max(1, os.cpu_count() or 1)

_slots = threading.BoundedSemaphore(MAX_CONCURRENT)
_ERRORS: dict[str, type[DenialOpsError]] = {
    UnreadableDocument.code: UnreadableDocument,
    DocumentTooComplex.code: DocumentTooComplex,
    UnsupportedMediaType.code: UnsupportedMediaType,
}


def extract_isolated(data: bytes, content_type: str, options: TextOptions) -> ExtractedText:
    """Read `data` in a sandboxed child process; blocking (call it from a worker thread).

    Raises what `extract_text` raises; a child that is killed, crashes or answers nonsense
    raises `DocumentTooComplex`.
    """
    command = [
        sys.executable,
        "-P",  # the working directory is not on the child's import path
        "-m",
        WORKER_MODULE,
        content_type,
        json.dumps(dataclasses.asdict(options)),
    ]
    # glibc reserves 64 MiB of address space per thread arena; ONNX Runtime's threads would
    # spend the RLIMIT_AS budget on reservations nobody uses.
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    kill_after = max(options.timeout_s, 0.0) + KILL_GRACE_S
    with _slots:
        started = time.perf_counter()
        try:
            done = subprocess.run(
                command,
                input=data,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # libraries' chatter; may echo document content
                env=env,
                timeout=kill_after,
                check=False,
            )
        except subprocess.TimeoutExpired as e:
            _log(content_type, started, "killed_timeout", returncode=None)
            raise DocumentTooComplex(
                f"the document took longer than {options.timeout_s:g} s to read; "
                "try a smaller file or fewer pages"
            ) from e
    return _outcome(done, content_type, options, started)


def _outcome(
    done: subprocess.CompletedProcess[bytes],
    content_type: str,
    options: TextOptions,
    started: float,
) -> ExtractedText:
    try:
        payload = json.loads(done.stdout)
        ok = bool(payload["ok"])
    except (ValueError, KeyError, TypeError) as e:
        # No answer: the child was killed (memory, CPU) or crashed in native code.
        _log(content_type, started, "crashed", returncode=done.returncode)
        raise DocumentTooComplex(
            "the document could not be read within the reader's limits "
            f"({options.max_memory_mb} MB of memory, {options.timeout_s:g} s); "
            "try a smaller file or fewer pages"
        ) from e
    if ok:
        _log(content_type, started, "ok", returncode=done.returncode)
        return ExtractedText.model_validate(payload["text"])
    error = _ERRORS.get(str(payload.get("code")), UnreadableDocument)
    _log(
        content_type,
        started,
        str(payload.get("code")),
        returncode=done.returncode,
        error_type=str(payload.get("error_type")),
    )
    raise error(str(payload.get("message") or ""))


def _log(content_type: str, started: float, outcome: str, **fields: object) -> None:
    ms = round((time.perf_counter() - started) * 1e3, 1)
    log.info("text.sandbox_done", content_type=content_type, outcome=outcome, ms=ms, **fields)
