"""Units of work that run to the end even when the caller is cancelled.

A client that disconnects, or a timeout, cancels the task that is writing. Cut off between
BEGIN and COMMIT, a SQLite connection can be left holding the write lock (a known aiosqlite
hazard: every later writer then waits out busy_timeout and fails), and our own per-case lock
is released while the write still runs. So the backends run each unit of work in a task of its
own and shield it: the caller sees CancelledError at once, the work commits or rolls back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class InFlight:
    """The shielded units of work of one backend, so `drain` can wait for them on close."""

    def __init__(self) -> None:
        # asyncio keeps only weak references to tasks: an abandoned one needs ours.
        self._tasks: set[asyncio.Task[Any]] = set()

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` to completion; a cancelled caller stops waiting, not the work."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return await asyncio.shield(task)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            # Mark the outcome retrieved: an abandoned unit of work that failed has nobody to
            # tell, and asyncio would otherwise log it with its (possibly PHI-bearing) message.
            task.exception()

    async def drain(self) -> None:
        """Wait for every unit of work still running (before closing connections)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
