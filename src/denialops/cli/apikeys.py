"""`denialops apikey create|list|revoke`: the keys that may call the API beyond loopback.

Keys are stored where the cases are (STORAGE_BACKEND), as SHA-256 hashes. `create` prints the
key once, alone on stdout (so `KEY=$(denialops apikey create --tenant acme)` works); what it
means goes to stderr. A running server sees a new or revoked key on its next request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from denialops.config import Settings
from denialops.domain.api_keys import ApiKey, IssuedKey
from denialops.errors import DenialOpsError
from denialops.services.api_keys import ApiKeyService
from denialops.storage import build_storage

T = TypeVar("T")

apikey_app = typer.Typer(
    help="API keys: needed to call the API when it is served beyond loopback.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)


def _with_keys(work: Callable[[ApiKeyService], Awaitable[T]]) -> T:
    """Run `work` against the configured store, then close it; errors end in one line."""
    from denialops.cli import _settings

    settings: Settings = _settings()

    async def run() -> T:
        storage = await build_storage(settings)
        try:
            return await work(ApiKeyService(storage))
        finally:
            await storage.close()

    try:
        return asyncio.run(run())
    except DenialOpsError as e:
        err.print(f"error: {e.message}", highlight=False, markup=False)
        raise typer.Exit(2 if e.status_code < 500 else 1) from e


@apikey_app.command("create")
def create(
    tenant: Annotated[str, typer.Option(help="Whose cases the key reaches, e.g. acme.")],
) -> None:
    """Create a key for TENANT and print it. It is shown this once: store it now."""

    async def work(service: ApiKeyService) -> IssuedKey:
        return await service.create(tenant)

    issued = _with_keys(work)
    typer.echo(issued.secret)
    err.print(
        f"created {issued.key.key_id} for tenant {issued.key.tenant}. The key above is shown "
        "once and cannot be recovered; send it as `Authorization: Bearer <key>`.",
        highlight=False,
        markup=False,
    )


@apikey_app.command("list")
def list_keys(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None,
) -> None:
    """The keys (never their secrets): id, tenant, start of the key, created, revoked."""

    async def work(service: ApiKeyService) -> list[ApiKey]:
        return await service.list_keys(tenant)

    keys = _with_keys(work)
    if not keys:
        err.print("no API keys")
        return
    table = Table("key id", "tenant", "key starts", "created", "revoked")
    for key in keys:
        revoked = _when(key.revoked_at) if key.revoked_at else ""
        table.add_row(key.key_id, key.tenant, key.hint + "…", _when(key.created_at), revoked)
    console.print(table)


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


@apikey_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, from `apikey list`.")],
) -> None:
    """Revoke a key: requests with it are refused from now on (it stays listed)."""

    async def work(service: ApiKeyService) -> ApiKey:
        return await service.revoke(key_id)

    key = _with_keys(work)
    console.print(f"revoked {key.key_id} (tenant {key.tenant})", highlight=False, markup=False)
