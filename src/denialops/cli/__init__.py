"""The `denialops` command: `serve`, `db upgrade`, `apikey`, `demo`, `analyze`, `eval`, `purge`.

Configuration errors end the command with one readable line and exit status 2, never a traceback.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from denialops.config import Settings, StorageBackend, load_settings
from denialops.domain.cases import DocType
from denialops.errors import ConfigurationError, DenialOpsError
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
    """Run the HTTP API (and, in embedded mode, everything else) in this process.

    Bound beyond loopback, every request needs an API key, so it refuses to start until one
    exists (`denialops apikey create`)."""
    if host is not None:
        # The app is built by uvicorn (in each worker) from the environment, and the bind
        # address decides whether it asks for keys: it must see the address really used.
        os.environ["API_HOST"] = host
    settings = _settings()
    _refuse_without_keys(settings)
    uvicorn.run(
        "denialops.main:create_app",
        factory=True,
        host=settings.api_host,
        port=port or settings.api_port,
        workers=workers,
        log_config=None,
        access_log=False,
        # X-Forwarded-For is read by the app, from TRUSTED_PROXIES only (api/client_ip.py).
        proxy_headers=False,
    )


def _refuse_without_keys(settings: Settings) -> None:
    """Exit 2 with one line when every request would need a key and none exists."""
    if not settings.requires_auth:
        return
    from denialops.services.api_keys import ensure_can_serve
    from denialops.storage import build_storage

    async def check() -> None:
        storage = await build_storage(settings)
        try:
            await ensure_can_serve(storage, settings)
        finally:
            await storage.close()

    try:
        asyncio.run(check())
    except DenialOpsError as e:
        typer.echo(f"error: {e.message}", err=True)
        raise typer.Exit(2 if isinstance(e, ConfigurationError) else 1) from e


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
    from denialops.cli.apikeys import apikey_app
    from denialops.cli.evaluate import eval_command
    from denialops.cli.keys import keys_app
    from denialops.cli.purge import purge_command

    app.command("analyze")(analyze_command)
    app.command("eval")(eval_command)
    app.command("purge")(purge_command)
    app.add_typer(apikey_app, name="apikey")
    app.add_typer(keys_app, name="keys")


_register_subcommands()
