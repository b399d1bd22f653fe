"""Which document key each stored document needs: what `denialops keys status` reports.

The case stores are append-only and address blobs by their hash, so a document cannot be
re-encrypted in place; an old key is retired once no live document needs it any more (the
retention purge removes old cases). This walk tells the operator when that is.
"""

from __future__ import annotations

from collections import Counter

from denialops.security.crypto import DocumentCipher
from denialops.storage.base import CaseStorage

_PAGE = 100


async def documents_by_key(storage: CaseStorage, cipher: DocumentCipher) -> Counter[int | None]:
    """For every live case's documents (all tenants): how many each key opens. Key 0 means
    stored in the clear (before encryption at rest); None, that no configured key opens it."""
    counts: Counter[int | None] = Counter()
    offset = 0
    while True:
        page = await storage.list_cases(limit=_PAGE, offset=offset)
        for state in page.items:
            for doc in state.documents:
                _, stored = await storage.read_document(state.case_id, doc.document_id)
                counts[cipher.key_number(stored)] += 1
        offset += _PAGE
        if offset >= page.total or not page.items:
            return counts
