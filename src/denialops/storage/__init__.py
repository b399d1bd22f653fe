"""The case store: the `CaseStorage` interface and its backends (file, SQLite, PostgreSQL,
memory), which also keep API keys (`ApiKeyStore`). `build_storage(settings)` picks one from
`STORAGE_BACKEND`."""

from denialops.storage.api_keys import ApiKeyStore
from denialops.storage.base import CasePage, CaseStorage
from denialops.storage.factory import Storage, build_storage

__all__ = ["ApiKeyStore", "CasePage", "CaseStorage", "Storage", "build_storage"]
