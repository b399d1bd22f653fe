"""Why a document yields no text: the errors `extract_text` raises on purpose.

Both are `InvalidInput` (422): the upload was accepted as a supported type, but its content
cannot be read. Messages are safe to show a user; they never quote the document.
"""

from __future__ import annotations

from denialops.errors import InvalidInput


class UnreadableDocument(InvalidInput):
    """The document contains no readable text."""

    code = "no_readable_text"


class DocumentTooComplex(UnreadableDocument):
    """The document is too large or too slow to read within the configured limits."""

    code = "document_too_complex"
