"""`denialops purge [--dry-run]`: the retention purge, by hand or from cron.

Deletes every case (of every tenant) with no activity for ARTIFACT_RETENTION_DAYS, each as
`DELETE /cases/{id}` would, recorded with reason "retention" (see `services/retention.py`).
`--dry-run` counts them and deletes nothing. Progress goes to stderr, the counts to stdout.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from denialops.errors import DenialOpsError

console = Console()
err = Console(stderr=True)


def purge_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count the cases that are due; delete nothing.")
    ] = False,
    days: Annotated[
        int | None,
        typer.Option(
            min=1, help="Retention in days for this run (default ARTIFACT_RETENTION_DAYS)."
        ),
    ] = None,
) -> None:
    """Delete every case with no activity for ARTIFACT_RETENTION_DAYS (documents, artifacts
    and the PHI in its log; the deletion stays in the log)."""
    from denialops.cli import _settings
    from denialops.services.retention import PurgeReport, RetentionPurge
    from denialops.storage import build_storage

    settings = _settings()
    days = days or settings.artifact_retention_days
    if not days:
        console.print("ARTIFACT_RETENTION_DAYS is 0: cases are kept until deleted; nothing to do.")
        return

    async def purge() -> PurgeReport:
        storage = await build_storage(settings)
        try:
            with Progress(console=err, transient=True) as bar:
                task = bar.add_task("deleting cases", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                return await RetentionPurge(storage, days).run(dry_run=dry_run, progress=progress)
        finally:
            await storage.close()

    try:
        report = asyncio.run(purge())
    except DenialOpsError as e:
        err.print(f"error: {e.message}", highlight=False, markup=False)
        raise typer.Exit(2 if e.status_code < 500 else 1) from e
    since = f"no activity since {report.cutoff.isoformat(timespec='seconds')} ({days} days)"
    if report.dry_run:
        console.print(f"would delete {report.candidates} cases with {since}", highlight=False)
        return
    console.print(f"deleted {report.deleted} cases with {since}", highlight=False)
    if report.skipped:
        console.print(
            f"skipped {report.skipped} (active again, or deleted meanwhile)", highlight=False
        )
