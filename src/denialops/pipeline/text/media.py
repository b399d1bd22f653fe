"""The content types DenialOps reads, by the names the upload layer and artifacts use."""

from __future__ import annotations

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT_PLAIN = "text/plain"
SUPPORTED_TYPES = frozenset({PDF, PNG, JPEG, DOCX, TEXT_PLAIN})
