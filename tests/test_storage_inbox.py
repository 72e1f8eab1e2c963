"""The inbox keeps fetched updates until the update log records them handled."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2023, 11, 10, 1, 0, tzinfo=timezone.utc)


def update(update_id: int, chat: str = "100") -> tuple[int, str, dict[str, object]]:
    return update_id, chat, {"update_id": update_id, "message": {"chat": {"id": int(chat)}, "text": "Có"}}


async def test_stored_updates_are_pending_until_processed(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.inbox.store("telegram", [update(12), update(10), update(11, "200")], NOW) == [10, 11, 12]
    async with uow_factory() as uow:
        assert await uow.inbox.store("telegram", [update(12), update(13)], NOW) == [13]
        assert await uow.inbox.store("zalo", [update(10)], NOW) == [10]
        assert await uow.inbox.store("telegram", [], NOW) == []
    async with uow_factory() as uow:
        assert await uow.updates.claim("telegram", 10, NOW)
        await uow.inbox.mark_processed("telegram", 11, "error", NOW)
    async with uow_factory() as uow:
        assert [item[0] for item in await uow.inbox.pending("telegram")] == [12, 13]
        assert await uow.inbox.pending("zalo") == [update(10)]
        await uow.inbox.mark_processed("telegram", 10, "error", NOW)  # the first outcome stays
        assert not await uow.updates.claim("telegram", 11, NOW)


async def test_prune_forgets_only_handled_old_updates(uow_factory: UnitOfWorkFactory) -> None:
    later = NOW + timedelta(days=3)
    async with uow_factory() as uow:
        await uow.inbox.store("telegram", [update(1), update(2)], NOW)
        await uow.inbox.store("telegram", [update(3)], later)
        for update_id in (1, 3):
            await uow.updates.claim("telegram", update_id, later)
        await uow.updates.claim("telegram", 99, NOW)  # handled without passing through the inbox
    async with uow_factory() as uow:
        # 1 is handled and old; 2 is old but pending; 3 is handled but recent.
        assert await uow.inbox.prune("telegram", NOW + timedelta(days=1)) == 2
    async with uow_factory() as uow:
        assert await uow.inbox.pending("telegram") == [update(2)]
        assert not await uow.updates.claim("telegram", 3, later)
        assert await uow.updates.claim("telegram", 99, later)
