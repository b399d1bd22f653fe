"""`denialops keys generate|status`: the Fernet keys that encrypt uploaded documents at rest.

Rotation (docs/security.md): put a new key first in DOCUMENT_ENCRYPTION_KEYS and restart; new
documents are encrypted with it, old ones still open with the keys after it. The stores are
append-only, so old documents are not re-encrypted: `status` shows how many live documents
still need each key, and a key may be dropped once it shows none.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import typer
from rich.console import Console
from rich.table import Table

from denialops.errors import DenialOpsError

keys_app = typer.Typer(help="Document encryption keys (encryption at rest).", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@keys_app.command("generate")
def generate() -> None:
    """Print a new random key, alone on stdout, for DOCUMENT_ENCRYPTION_KEYS."""
    from denialops.security.crypto import DocumentCipher

    typer.echo(DocumentCipher.generate_key())


@keys_app.command("status")
def status() -> None:
    """Count the live documents each configured key opens (and any that none opens)."""
    from denialops.cli import _settings
    from denialops.security.crypto import DocumentCipher
    from denialops.services.document_keys import documents_by_key
    from denialops.storage import build_storage

    settings = _settings()

    async def count() -> Counter[int | None]:
        cipher = DocumentCipher.from_settings(settings)
        storage = await build_storage(settings)
        try:
            return await documents_by_key(storage, cipher)
        finally:
            await storage.close()

    try:
        counts = asyncio.run(count())
    except DenialOpsError as e:
        err.print(f"error: {e.message}", highlight=False, markup=False)
        raise typer.Exit(2 if e.status_code < 500 else 1) from e
    table = Table("key", "documents")
    for number in sorted(n for n in counts if n is not None):
        label = "stored in the clear" if number == 0 else f"key {number}"
        table.add_row(label, str(counts[number]))
    if counts.get(None):
        table.add_row("[red]no configured key[/red]", str(counts[None]))
    console.print(table)
    if counts.get(None):
        raise typer.Exit(1)
