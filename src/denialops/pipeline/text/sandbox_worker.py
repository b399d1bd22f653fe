"""The child side of the parser sandbox: `python -m denialops.pipeline.text.sandbox_worker`.

    argv:   CONTENT_TYPE OPTIONS_JSON       (OPTIONS_JSON: the fields of `TextOptions`)
    stdin:  the document's bytes
    stdout: one JSON object, {"ok": true, "text": ExtractedText}
            or {"ok": false, "code": ..., "message": ..., "error_type": ...}

Before it reads a byte of the document the worker caps its own address space (RLIMIT_AS),
CPU time (RLIMIT_CPU, a backstop behind the parent's wall-clock kill) and core dumps (none:
a core file of this process would hold the document). An allocation past the cap fails
inside the parser; whatever happens then (a `MemoryError`, a parser error, an abort) ends
this process only, and the parent turns it into a 422.

Anything a library prints goes to stderr (the parent discards it); stdout carries only the
answer. Error messages are our own, written to be shown to a user; exception text from the
parsers never leaves this process, only its type name (for the operator's log).
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
from dataclasses import replace
from typing import Any, BinaryIO

from denialops.errors import DenialOpsError
from denialops.pipeline.text import extract_text
from denialops.pipeline.text.errors import DocumentTooComplex
from denialops.pipeline.text.options import TextOptions

#: Extra CPU seconds over the wall-clock budget before the kernel stops the worker: the
#: parent's kill normally comes first; this catches a worker whose parent has gone.
CPU_GRACE_S = 10
#: The answer is refused beyond this size: a document whose text runs to tens of megabytes
#: is no letter, and the parent would have to hold all of it.
MAX_OUTPUT_BYTES = 64 * 1024 * 1024


def limit_resources(options: TextOptions) -> None:
    """Cap this process's memory, CPU time and core dumps (limits can only be lowered)."""
    memory = options.max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = max(1, math.ceil(options.timeout_s)) + CPU_GRACE_S
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def answer(data: bytes, content_type: str, options: TextOptions) -> dict[str, Any]:
    """Read the document in this process and describe the outcome as a JSON-able dict."""
    try:
        text = extract_text(data, content_type, replace(options, isolate=False))
    except DenialOpsError as e:
        return _failure(e.code, e.message, e)
    except MemoryError as e:
        refused = DocumentTooComplex(
            f"the document needs more than {options.max_memory_mb} MB to read; "
            "try a smaller file or fewer pages"
        )
        return _failure(refused.code, refused.message, e)
    except Exception as e:
        # A parser tripping over hostile input in a way nobody anticipated (RecursionError,
        # ctypes errors ...): to the user it is a document that cannot be read.
        return _failure("no_readable_text", "no readable text: the document is damaged", e)
    return {"ok": True, "text": text.model_dump(mode="json")}


def _failure(code: str, message: str, exc: BaseException) -> dict[str, Any]:
    return {"ok": False, "code": code, "message": message, "error_type": type(exc).__name__}


def _encode(payload: dict[str, Any]) -> bytes:
    out = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    if len(out) <= MAX_OUTPUT_BYTES:
        return out
    refused = DocumentTooComplex("the document's text is too long to analyse")
    return json.dumps(_failure(refused.code, refused.message, refused)).encode("utf-8")


def main(argv: list[str], stdin: BinaryIO) -> int:
    content_type, options_json = argv
    options = TextOptions(**json.loads(options_json))
    # Keep the real stdout for the answer; point fd 1 at stderr so that nothing a native
    # library prints can corrupt it.
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    limit_resources(options)
    data = stdin.read()
    payload = answer(data, content_type, options)
    with os.fdopen(answer_fd, "wb") as out:
        out.write(_encode(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], sys.stdin.buffer))
