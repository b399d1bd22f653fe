"""The contract suite, continued: tenant scoping and API keys, on every backend (memory, file,
SQLite, PostgreSQL), through the same `storage` fixture as test_contract.py.

Another tenant's case must be indistinguishable from a missing one: the same error class and
the same message, for every operation, and nothing written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from denialops.domain.api_keys import ApiKey, hash_secret, new_key_id, new_secret
from denialops.domain.cases import CaseState, DocType, EventType, utcnow
from denialops.domain.tenants import DEFAULT_TENANT
from denialops.errors import ApiKeyNotFound, CaseNotFound
from denialops.storage.api_keys import ApiKeyStore
from denialops.storage.base import EventStoreBase, NewArtifact
from denialops.storage.scoped import TenantScopedStorage

pytestmark = pytest.mark.anyio

LETTER = b"%PDF-1.7 a denial letter"
MISSING = "00000000-0000-4000-8000-000000000000"

Op = Callable[[EventStoreBase, str, str], Awaitable[Any]]


async def _add_document(s: EventStoreBase, case_id: str, tenant: str) -> Any:
    return await s.add_document(
        case_id,
        doc_type=DocType.DENIAL_LETTER,
        filename="l.pdf",
        content_type="application/pdf",
        data=LETTER,
        tenant=tenant,
    )


# Every operation that names a case, called as `tenant`.
OPERATIONS: dict[str, Op] = {
    "get": lambda s, c, t: s.get(c, tenant=t),
    "get_as_of": lambda s, c, t: s.get(c, utcnow() + timedelta(seconds=5), tenant=t),
    "events": lambda s, c, t: s.events(c, tenant=t),
    "append": lambda s, c, t: s.append(c, EventType.PIPELINE_STARTED, {}, tenant=t),
    "record": lambda s, c, t: s.record(c, [NewArtifact("x.md", "text/markdown", b"x")], tenant=t),
    "add_document": _add_document,
    "read_document": lambda s, c, t: s.read_document(c, "any-document", tenant=t),
    "put_artifact": lambda s, c, t: s.put_artifact(c, "x.md", b"x", "text/markdown", tenant=t),
    "read_artifact": lambda s, c, t: s.read_artifact(c, "route.json", tenant=t),
    "delete_case": lambda s, c, t: s.delete_case(c, tenant=t),
}


async def _error_of(op: Op, storage: EventStoreBase, case_id: str, tenant: str) -> str:
    with pytest.raises(CaseNotFound) as info:
        await op(storage, case_id, tenant)
    return info.value.message.replace(case_id, "<id>")


async def _acme_case(storage: EventStoreBase) -> CaseState:
    case = await storage.create_case(tenant="acme")
    await storage.put_artifact(case.case_id, "route.json", b"{}", "application/json")
    return await storage.get(case.case_id)


class TestTenantScoping:
    async def test_a_case_belongs_to_the_tenant_it_was_created_for(
        self, storage: EventStoreBase
    ) -> None:
        acme = await storage.create_case(tenant="acme")
        default = await storage.create_case()

        assert acme.tenant == "acme"
        assert (await storage.get(acme.case_id, tenant="acme")).tenant == "acme"
        assert default.tenant == DEFAULT_TENANT
        assert (await storage.events(acme.case_id))[0].payload["tenant"] == "acme"

    @pytest.mark.parametrize("operation", OPERATIONS)
    async def test_another_tenants_case_is_exactly_a_missing_case(
        self, storage: EventStoreBase, operation: str
    ) -> None:
        case = await _acme_case(storage)
        op = OPERATIONS[operation]

        foreign = await _error_of(op, storage, case.case_id, "beta")
        missing = await _error_of(op, storage, MISSING, "beta")

        assert foreign == missing
        assert await storage.get(case.case_id) == case  # nothing was written

    @pytest.mark.parametrize("operation", OPERATIONS)
    async def test_the_owner_reaches_its_case(
        self, storage: EventStoreBase, operation: str
    ) -> None:
        case = await _acme_case(storage)
        if operation == "read_document":
            doc = await _add_document(storage, case.case_id, "acme")
            await storage.read_document(case.case_id, doc.document_id, tenant="acme")
            return

        await OPERATIONS[operation](storage, case.case_id, "acme")

    async def test_list_shows_only_the_tenants_cases(self, storage: EventStoreBase) -> None:
        acme = [(await storage.create_case(tenant="acme")).case_id for _ in range(3)]
        beta = [(await storage.create_case(tenant="beta")).case_id for _ in range(2)]

        acme_page = await storage.list_cases(tenant="acme")
        beta_page = await storage.list_cases(tenant="beta", limit=1)
        everyone = await storage.list_cases()

        assert [s.case_id for s in acme_page.items] == acme[::-1]
        assert acme_page.total == 3
        assert [s.case_id for s in beta_page.items] == beta[-1:]
        assert beta_page.total == 2
        assert (await storage.list_cases(tenant="gamma")).total == 0
        assert everyone.total == 5

    async def test_as_of_is_scoped_too(self, storage: EventStoreBase) -> None:
        case = await storage.create_case(tenant="acme")

        assert (await storage.get(case.case_id, case.created_at, tenant="acme")).tenant == "acme"
        with pytest.raises(CaseNotFound):
            await storage.get(case.case_id, case.created_at, tenant="beta")


class TestScopedStorage:
    async def test_a_scoped_store_sees_its_tenant_only(self, storage: EventStoreBase) -> None:
        acme, beta = TenantScopedStorage(storage, "acme"), TenantScopedStorage(storage, "beta")
        mine = await acme.create_case()
        await beta.create_case()

        assert mine.tenant == "acme"
        assert [s.case_id for s in (await acme.list_cases()).items] == [mine.case_id]
        with pytest.raises(CaseNotFound):
            await beta.get(mine.case_id)
        with pytest.raises(CaseNotFound):
            await beta.delete_case(mine.case_id)
        assert (await acme.get(mine.case_id)).case_id == mine.case_id

    async def test_naming_another_tenant_is_a_bug_not_a_wider_scope(
        self, storage: EventStoreBase
    ) -> None:
        scoped = TenantScopedStorage(storage, "acme")
        case = await storage.create_case(tenant="beta")

        with pytest.raises(ValueError, match="own tenant"):
            await scoped.get(case.case_id, tenant="beta")
        with pytest.raises(ValueError, match="own tenant"):
            await scoped.list_cases(tenant="beta")


def _key(tenant: str, secret: str) -> tuple[ApiKey, str]:
    key = ApiKey(key_id=new_key_id(), tenant=tenant, hint=secret[:8], created_at=utcnow())
    return key, hash_secret(secret)


@pytest.fixture
def keys(storage: EventStoreBase) -> ApiKeyStore:
    """The same backend, seen through its API key interface (every backend has one)."""
    assert isinstance(storage, ApiKeyStore)
    return storage


class TestApiKeys:
    async def test_a_key_is_found_by_its_hash(self, keys: ApiKeyStore) -> None:
        secret = new_secret()
        key, digest = _key("acme", secret)

        await keys.add_api_key(key, digest)

        assert await keys.api_key_by_hash(hash_secret(secret)) == key
        assert await keys.api_key_by_hash(hash_secret(new_secret())) is None

    async def test_list_is_oldest_first_and_filters_by_tenant(self, keys: ApiKeyStore) -> None:
        made = [_key(t, new_secret()) for t in ("acme", "beta", "acme")]
        for key, digest in made:
            await keys.add_api_key(key, digest)

        assert await keys.list_api_keys() == [k for k, _ in made]
        assert await keys.list_api_keys("acme") == [made[0][0], made[2][0]]
        assert await keys.list_api_keys("gamma") == []

    async def test_revoke_keeps_the_key_listed_and_stops_nothing_else(
        self, keys: ApiKeyStore
    ) -> None:
        (gone, gone_hash), (kept, kept_hash) = _key("acme", new_secret()), _key("acme", "x")
        await keys.add_api_key(gone, gone_hash)
        await keys.add_api_key(kept, kept_hash)

        revoked = await keys.revoke_api_key(gone.key_id)
        again = await keys.revoke_api_key(gone.key_id)

        assert revoked.revoked_at is not None
        assert again.revoked_at == revoked.revoked_at  # revoking twice changes nothing
        found = await keys.api_key_by_hash(gone_hash)
        assert found is not None
        assert not found.active
        assert (await keys.api_key_by_hash(kept_hash)) == kept
        assert [k.active for k in await keys.list_api_keys()] == [False, True]

    async def test_revoking_an_unknown_key_is_not_found(self, keys: ApiKeyStore) -> None:
        with pytest.raises(ApiKeyNotFound):
            await keys.revoke_api_key("key_nope")

    async def test_has_active_keys_counts_only_unrevoked_ones(self, keys: ApiKeyStore) -> None:
        assert not await keys.has_active_api_keys()
        key, digest = _key("acme", new_secret())
        await keys.add_api_key(key, digest)
        assert await keys.has_active_api_keys()

        await keys.revoke_api_key(key.key_id)

        assert not await keys.has_active_api_keys()
