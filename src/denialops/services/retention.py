"""The retention purge: delete every case with no activity for ARTIFACT_RETENTION_DAYS.

A case's last activity is its last event (`updated_at`): an upload, a run, an artifact
rendered on first request. Reading a case writes nothing, so it is not activity. Each expired
case goes through the deletion `DELETE /cases/{id}` uses (documents and artifacts erased, the
log redacted to audit facts), recorded with reason `retention` and by `retention`. Its age is
checked again under the case's lock, so a case touched after it was listed is left alone and
counted as skipped.

It runs from `denialops purge` (`--dry-run` counts only) and, while the server runs, every
RETENTION_PURGE_INTERVAL_HOURS (`periodic_purge`, entered by the lifespan). Several processes may
purge at once: each case is deleted by one of them, and the others find it gone and skip it.
With ARTIFACT_RETENTION_DAYS=0 (the default) cases are kept until deleted; nothing runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from denialops.config import Settings
from denialops.domain.cases import CaseState, utcnow
from denialops.domain.erasure import DeletionReason
from denialops.errors import CaseNotFound
from denialops.storage.base import CaseStorage

log = structlog.get_logger(__name__)

# Who a retention deletion is recorded as (`by` on CaseDeleted).
RETENTION_ACTOR = "retention"
# The server's first purge waits this long after start-up: starting is not slowed, and a
# process that crash-loops does not purge on every start.
FIRST_PURGE_DELAY_S = 60.0

Clock = Callable[[], datetime]
Progress = Callable[[int, int], None]  # (cases done, cases to do)


@dataclass
class PurgeReport:
    """What one purge found and did."""

    cutoff: datetime  # cases last active before this were due
    candidates: int
    deleted: int = 0
    skipped: int = 0  # active again, or deleted by someone else, since they were listed
    dry_run: bool = False


class _StillActive(Exception):
    """The case has had activity since it was listed: not due any more."""


class RetentionPurge:
    """Deletes the cases of every tenant whose last activity is older than `days` days."""

    def __init__(
        self, storage: CaseStorage, days: int, *, clock: Clock = utcnow, batch: int = 100
    ) -> None:
        if days < 1:
            raise ValueError("a retention period is at least one day")
        self.storage = storage
        self.days = days
        self.clock = clock  # injectable: tests move time instead of waiting for it
        self.batch = batch

    def cutoff(self) -> datetime:
        return self.clock() - timedelta(days=self.days)

    async def run(self, *, dry_run: bool = False, progress: Progress | None = None) -> PurgeReport:
        """Delete (or with `dry_run`, count) the cases due now; `progress` hears after each."""
        cutoff = self.cutoff()
        page = await self.storage.inactive_cases(cutoff, limit=self.batch)
        report = PurgeReport(cutoff=cutoff, candidates=page.total, dry_run=dry_run)
        if dry_run:
            return report
        started = asyncio.get_running_loop().time()
        previous: set[str] = set()
        # Each case leaves the listing once handled (deleted, or active again), so the first
        # page is always the next work; one seen twice means no progress, and we stop.
        while page.case_ids and not previous.intersection(page.case_ids):
            for case_id in page.case_ids:
                if await self._delete(case_id, cutoff):
                    report.deleted += 1
                else:
                    report.skipped += 1
                if progress is not None:
                    progress(report.deleted + report.skipped, report.candidates)
            previous = set(page.case_ids)
            page = await self.storage.inactive_cases(cutoff, limit=self.batch)
        if page.case_ids:
            log.warning("retention.purge_stalled", remaining=page.total)
        log.info(
            "retention.purged",
            days=self.days,
            candidates=report.candidates,
            deleted=report.deleted,
            skipped=report.skipped,
            ms=round((asyncio.get_running_loop().time() - started) * 1000, 1),
        )
        return report

    async def _delete(self, case_id: str, cutoff: datetime) -> bool:
        def still_due(state: CaseState) -> None:
            if state.updated_at >= cutoff:
                raise _StillActive

        try:
            await self.storage.delete_case(
                case_id, reason=DeletionReason.RETENTION, by=RETENTION_ACTOR, expect=still_due
            )
        except (_StillActive, CaseNotFound):
            return False
        log.info("case.deleted", case_id=case_id, reason=DeletionReason.RETENTION.value)
        return True


@asynccontextmanager
async def periodic_purge(
    storage: CaseStorage,
    settings: Settings,
    *,
    clock: Clock = utcnow,
    first_delay_s: float = FIRST_PURGE_DELAY_S,
) -> AsyncIterator[asyncio.Task[None] | None]:
    """While inside, purge every RETENTION_PURGE_INTERVAL_HOURS in one background task (None
    when retention or the schedule is off); on exit the task is cancelled and awaited. A
    deletion it was making completes: the stores finish a unit of work whose caller is gone."""
    days, hours = settings.artifact_retention_days, settings.retention_purge_interval_hours
    if days == 0 or hours == 0:
        yield None
        return
    purge = RetentionPurge(storage, days, clock=clock)
    task = asyncio.create_task(
        _purge_forever(purge, hours * 3600, first_delay_s), name="retention-purge"
    )
    log.info("retention.scheduled", days=days, interval_hours=hours)
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.wait([task])  # unlike `await task`, never mistakes its end for ours


async def _purge_forever(purge: RetentionPurge, interval_s: float, first_delay_s: float) -> None:
    await asyncio.sleep(first_delay_s)
    while True:
        try:
            await purge.run()
        except Exception as e:  # the store is down, or a bug: try again at the next interval
            # The type only: a driver's message can quote the statement's parameters.
            log.error("retention.purge_failed", error=type(e).__name__)
        await asyncio.sleep(interval_s)
