"""The case store: the `CaseStorage` interface and its backends (file, SQLite, PostgreSQL,
memory). `build_storage(settings)` picks one from `STORAGE_BACKEND`."""

from denialops.storage.base import CasePage, CaseStorage
from denialops.storage.factory import build_storage

__all__ = ["CasePage", "CaseStorage", "build_storage"]
