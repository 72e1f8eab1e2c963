"""The inbox keeps fetched updates, in the order they arrived, until the update log records
them handled; update ids are the platform's own (Telegram's numbers, Zalo's opaque strings)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.base.inbox import InboxItem
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2023, 11, 10, 1, 0, tzinfo=timezone.utc)


def update(update_id: int | str, chat: str = "100") -> InboxItem:
    return InboxItem(str(update_id), chat, {"update_id": update_id, "message": {"chat": {"id": chat}, "text": "Có"}})


async def test_stored_updates_are_pending_until_processed_in_the_order_they_arrived(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.inbox.store("telegram", [update(9), update(10), update(11, "200")], NOW) == ["9", "10", "11"]
    async with uow_factory() as uow:
        assert await uow.inbox.store("telegram", [update(10), update(12)], NOW) == ["12"]
        assert await uow.inbox.store("zalo", [update("a7f0c2e9"), update("1b")], NOW) == ["a7f0c2e9", "1b"]
        assert await uow.inbox.store("telegram", [], NOW) == []
    async with uow_factory() as uow:
        assert await uow.updates.claim("telegram", "10", NOW)
        await uow.inbox.mark_processed("telegram", "11", "error", NOW)
    async with uow_factory() as uow:
        assert [item.update_id for item in await uow.inbox.pending("telegram")] == ["9", "12"]
        assert await uow.inbox.pending("zalo") == [update("a7f0c2e9"), update("1b")]
        await uow.inbox.mark_processed("telegram", "10", "error", NOW)  # the first outcome stays
        assert not await uow.updates.claim("telegram", "11", NOW)


async def test_prune_forgets_only_handled_old_updates(uow_factory: UnitOfWorkFactory) -> None:
    later = NOW + timedelta(days=3)
    async with uow_factory() as uow:
        await uow.inbox.store("telegram", [update(1), update(2)], NOW)
        await uow.inbox.store("telegram", [update(3)], later)
        for update_id in ("1", "3"):
            await uow.updates.claim("telegram", update_id, later)
        await uow.updates.claim("telegram", "99", NOW)  # handled without passing through the inbox
    async with uow_factory() as uow:
        # 1 is handled and old; 2 is old but pending; 3 is handled but recent.
        assert await uow.inbox.prune("telegram", NOW + timedelta(days=1)) == 2
    async with uow_factory() as uow:
        assert await uow.inbox.pending("telegram") == [update(2)]
        assert not await uow.updates.claim("telegram", "3", later)
        assert await uow.updates.claim("telegram", "99", later)


async def test_updates_are_let_go_when_their_hold_runs_out_and_renewed_holds_keep_them(uow_factory: UnitOfWorkFactory) -> None:
    minute = timedelta(minutes=1)
    async with uow_factory() as uow:
        await uow.inbox.store("telegram", [update(1)], NOW, held_until=NOW + minute)
        await uow.inbox.store("telegram", [update(2), update(3, "200")], NOW, held_until=NOW + minute)
        await uow.inbox.store("telegram", [update(4)], NOW, held_until=NOW + minute)
        assert await uow.updates.claim("telegram", "2", NOW)
        await uow.inbox.hold("telegram", ["4"], NOW + 3 * minute)
    async with uow_factory() as uow:
        assert await uow.inbox.let_go("telegram", NOW, NOW + minute) == []  # still held
        assert [item.update_id for item in await uow.inbox.let_go("telegram", NOW, NOW + 2 * minute)] == ["1", "3"]
        assert await uow.inbox.let_go("telegram", NOW + 2 * minute, NOW + 10 * minute) == [update(4)]
        earlier = await uow.inbox.earlier_unhandled("telegram", "4", "100")
    assert [(item.update_id, item.held_until) for item in earlier] == [("1", NOW + minute)]  # 2 is handled, 3 another chat's
