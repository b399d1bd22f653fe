"""The `denialops` command: `serve`, `db upgrade`, `demo` (and, as the pipeline lands, more).

Configuration errors end the command with one readable line and exit status 2, never a traceback.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from denialops.config import Settings, StorageBackend, load_settings
from denialops.domain.cases import DocType
from denialops.errors import DenialOpsError
from denialops.logs import configure_logging
from denialops.samples import sample_path

app = typer.Typer(help="DenialOps: understand a claim denial and act on it.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO.")] = False,
) -> None:
    """Commands log warnings only (to stderr) unless --verbose; `serve` logs at LOG_LEVEL."""
    settings = _settings()
    level = settings.log_level if verbose else "WARNING"
    configure_logging(settings.model_copy(update={"log_level": level}))


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except DenialOpsError as e:
        typer.echo(f"error: {e.message}", err=True)
        raise typer.Exit(2) from e


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default API_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP API (and, in embedded mode, everything else) in this process."""
    settings = _settings()
    uvicorn.run(
        "denialops.main:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the schema migrations to DATABASE_URL (SQLite or PostgreSQL)."""
    from denialops.storage.migrate import upgrade

    settings = _settings()
    if settings.storage_backend is StorageBackend.FILE:
        console.print("STORAGE_BACKEND=file has no schema; nothing to do.")
        return
    if settings.storage_backend is StorageBackend.SQLITE:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(upgrade(settings.sqlalchemy_url))
    console.print(f"schema is up to date ({settings.storage_backend.value})")


@app.command()
def demo(
    letter: Annotated[
        Path | None, typer.Argument(help="A letter (default: bundled sample).")
    ] = None,
    data_dir: Annotated[Path, typer.Option(help="Where the demo keeps its cases.")] = Path(
        ".demo-data"
    ),
) -> None:
    """Create a case, upload a letter and show the case's event log."""
    settings = _settings(data_dir=data_dir, storage_backend=StorageBackend.SQLITE)
    asyncio.run(_demo(settings, letter or sample_path()))


async def _demo(settings: Settings, letter: Path) -> None:
    from denialops.domain.cases import Mode
    from denialops.services.cases import CaseService
    from denialops.storage import build_storage

    storage = await build_storage(settings)
    try:
        service = CaseService(storage, settings)
        case = await service.create(Mode.FAST, None)
        with letter.open("rb") as fh:
            upload = LocalFile(fh, letter.name)
            doc, _ = await service.upload(case.case_id, DocType.DENIAL_LETTER, upload)
        events, state = await service.history(case.case_id, None)
    finally:
        await storage.close()
    console.print(
        f"case [bold]{state.case_id}[/bold], {state.mode.value} mode, {state.status.value}"
    )
    console.print(f"uploaded {doc.filename}: {doc.size} bytes, {doc.content_type}")
    table = Table("seq", "event", "at")
    for e in events:
        table.add_row(str(e.seq), e.type.value, e.occurred_at.isoformat(timespec="milliseconds"))
    console.print(table)


@dataclass
class LocalFile:
    """A local file seen through the upload interface the service reads."""

    fh: BinaryIO
    filename: str | None

    async def read(self, size: int = -1) -> bytes:
        return self.fh.read(size)


def _register_subcommands() -> None:
    # Imported here, after `app` exists, so each command module can stay small and focused.
    from denialops.cli.analyze import analyze_command
    from denialops.cli.evaluate import eval_command

    app.command("analyze")(analyze_command)
    app.command("eval")(eval_command)


_register_subcommands()
