"""The OA's token pair, kept in a real database (SQLite and PostgreSQL) and renewed against the
fake OAuth server: one refresh however many callers want one at once, also from two keepers
that share only the database (two workers); a refused refresh pauses, alerts once and mends
itself when the OA is authorised again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.zalo_oa.client import OaClient, OaError, TokenPair
from handlers.zalo_oa.tokens import (
    BROKEN_RECHECK_SECONDS,
    TokenKeeper,
    TokensUnavailable,
    credential_name,
)
from harness.fakes.zalo_oa import FakeZaloOa
from storage.credentials import SqlCredentials
from storage.database import create_engine


def now() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
async def oa() -> AsyncIterator[FakeZaloOa]:
    async with FakeZaloOa() as server:
        yield server


@pytest.fixture
async def client(oa: FakeZaloOa) -> AsyncIterator[OaClient]:
    client = OaClient(oa.url, oa.url, oa.url)
    await client.open()
    yield client
    await client.close()


@pytest.fixture
async def engines() -> AsyncIterator[list[AsyncEngine]]:
    """Every connection pool a test opens (one per worker it plays), closed after it."""
    opened: list[AsyncEngine] = []
    yield opened
    for engine in opened:
        await engine.dispose()


class Alerts:
    def __init__(self) -> None:
        self.told: list[tuple[str, str, Mapping[str, str]]] = []

    async def __call__(self, topic: str, message: str, fields: Mapping[str, str]) -> None:
        self.told.append((topic, message, fields))


def credentials(url: str, engines: list[AsyncEngine]) -> SqlCredentials:
    """The store on a connection pool of its own, as each worker has."""
    engines.append(create_engine(url))
    return SqlCredentials(engines[-1], now)


def keeper(store: SqlCredentials, oa: FakeZaloOa, client: OaClient, alerts: Alerts, clock: list[float] | None = None) -> TokenKeeper:

    async def refresh(token: str, at: datetime) -> TokenPair:
        return await client.refresh(oa.app_id, oa.app_secret, token, at)

    ticks = clock if clock is not None else [0.0]
    return TokenKeeper(oa.app_id, store, refresh, alerts, monotonic=lambda: ticks[0])


async def authorised(store: SqlCredentials, oa: FakeZaloOa, expires_in: timedelta = timedelta(hours=25)) -> str:
    """Stores a fresh pair as `baocao zalo-oa authorize` does; returns its access token."""
    access, refresh = oa.authorize()
    await store.store(credential_name(oa.app_id), TokenPair(access, refresh, now() + expires_in).to_json())
    return access


async def test_twenty_callers_when_the_token_is_refused_cause_one_refresh(
    migrated_url: str, oa: FakeZaloOa, client: OaClient, engines: list[AsyncEngine]
) -> None:
    stale = await authorised(credentials(migrated_url, engines), oa)
    keepers = [keeper(credentials(migrated_url, engines), oa, client, Alerts()) for _ in range(2)]
    assert {await k.access_token() for k in keepers} == {stale}  # a stored usable pair is taken, not refreshed
    oa.expire_access_tokens()

    renewed = await asyncio.gather(*(keepers[n % 2].renew(stale) for n in range(20)))
    assert len({pair.access_token for pair in renewed}) == 1 and renewed[0].access_token != stale
    assert [refresh.outcome for refresh in oa.refreshes] == ["ok"] and not oa.cut_off
    assert TokenPair.from_json(await keepers[0].credentials.read(credential_name(oa.app_id))) == renewed[0]


async def test_a_token_about_to_expire_is_renewed_before_it_is_used(
    migrated_url: str, oa: FakeZaloOa, client: OaClient, engines: list[AsyncEngine]
) -> None:
    store = credentials(migrated_url, engines)
    stale = await authorised(store, oa, expires_in=timedelta(minutes=10))
    assert await keeper(store, oa, client, Alerts()).access_token() != stale
    assert [refresh.outcome for refresh in oa.refreshes] == ["ok"]


async def test_a_refused_refresh_pauses_alerts_once_and_mends_when_authorised_again(
    migrated_url: str, oa: FakeZaloOa, client: OaClient, engines: list[AsyncEngine]
) -> None:
    store = credentials(migrated_url, engines)
    stale = await authorised(store, oa)
    stored = await store.read(credential_name(oa.app_id))
    assert stored is not None
    await client.refresh(oa.app_id, oa.app_secret, str(stored["refresh_token"]), now())
    with pytest.raises(OaError):  # someone spends the refresh token twice: Zalo cuts the OA off
        await client.refresh(oa.app_id, oa.app_secret, str(stored["refresh_token"]), now())
    assert oa.cut_off
    alerts, clock = Alerts(), [0.0]
    tokens = keeper(store, oa, client, alerts, clock)
    tokens.pair = TokenPair.from_json(stored)

    for _ in range(5):
        with pytest.raises(TokensUnavailable) as refused:
            await tokens.renew(stale)
    assert refused.value.retry_after == BROKEN_RECHECK_SECONDS
    # The two spends above, then the keeper's one try: the other four waited.
    assert [refresh.outcome for refresh in oa.refreshes] == ["ok", "reused", "cut_off"]
    assert [topic for topic, _message, fields in alerts.told] == [f"zalo_oa:{oa.app_id}/refresh-refused"]

    fresh = await authorised(store, oa)  # baocao zalo-oa authorize
    clock[0] += BROKEN_RECHECK_SECONDS
    assert (await tokens.renew(stale)).access_token == fresh
