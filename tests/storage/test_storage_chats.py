"""Chats keep their conversation state and person link between updates."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from bot.base.records import ChatRecord
from harness.statements import counting_statements
from storage.chats import TOUCH_EVERY
from storage.models import Chat, Person
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2023, 11, 10, 2, 30, tzinfo=timezone.utc)


async def test_a_chat_is_created_then_updated_in_place(uow_factory: UnitOfWorkFactory) -> None:
    first = ChatRecord("telegram", "-100200300", None, {"locale": "vi", "step": 1}, "555")
    async with uow_factory() as uow:
        assert await uow.chats.get("telegram", "-100200300") is None
        await uow.chats.save(first, NOW)
        assert await uow.chats.get("telegram", "-100200300") == first
    # An update without a user id (a channel post) keeps the one already known.
    second = ChatRecord("telegram", "-100200300", None, {"locale": "en", "step": 2, "report_id": 7}, None)
    async with uow_factory() as uow:
        await uow.chats.save(second, NOW + timedelta(minutes=1))
    async with uow_factory() as uow:
        assert await uow.chats.get("telegram", "-100200300") == ChatRecord(
            "telegram", "-100200300", None, {"locale": "en", "step": 2, "report_id": 7}, "555"
        )
        assert await uow.chats.get("zalo", "-100200300") is None
        stamps = (await uow.session.execute(select(Chat.created_at, Chat.updated_at))).all()
    assert stamps == [(NOW, NOW + timedelta(minutes=1))]


async def test_a_chat_is_linked_to_its_person(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        person = Person(full_name="Nguyễn Văn An", created_at=NOW)
        uow.session.add(person)
        await uow.session.flush()
        await uow.chats.save(ChatRecord("zalo", "8841", person.id, {}, "8841"), NOW)
    async with uow_factory() as uow:
        chat = await uow.chats.get("zalo", "8841")
    assert chat is not None and chat.person_id == person.id


async def turn(uow_factory: UnitOfWorkFactory, chat: ChatRecord, at: datetime, step: int) -> None:
    """A turn as the service takes it: the chat read (locked), then saved with a new state."""
    async with uow_factory() as uow:
        loaded = await uow.chats.get(chat.channel, chat.chat_id)
        await uow.chats.save(replace(loaded or chat, state={"step": step}), at)


async def a_person(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory() as uow:
        person = Person(full_name="Nguyễn Văn An", created_at=NOW)
        uow.session.add(person)
        await uow.session.flush()
        return person.id


async def touched(uow_factory: UnitOfWorkFactory) -> dict[str, datetime]:
    async with uow_factory() as uow:
        return {row.chat_id: row.updated_at for row in await uow.session.execute(select(Chat.chat_id, Chat.updated_at))}


async def test_a_linked_chat_in_use_is_rewritten_only_when_its_row_would_say_something_new(uow_factory: UnitOfWorkFactory) -> None:
    person_id = await a_person(uow_factory)
    telegram = ChatRecord("telegram", "555", person_id, {}, "555")
    zalo = ChatRecord("zalo", "8841", person_id, {}, "8841")
    await turn(uow_factory, telegram, NOW, 1)
    # A quick run of turns in the chat already in use writes the conversation only.
    with counting_statements(uow_factory) as statements:
        await turn(uow_factory, telegram, NOW + timedelta(minutes=1), 2)
    assert [s.split()[0] for s in statements if not s.startswith("BEGIN")] == ["SELECT", "UPDATE"]
    assert await touched(uow_factory) == {"555": NOW}
    async with uow_factory() as uow:
        assert await uow.people.conversation(person_id) == {"step": 2}
    # Another chat of the person takes over, then the first one again: each becomes the newest.
    await turn(uow_factory, zalo, NOW + timedelta(minutes=2), 3)
    async with uow_factory() as uow:
        assert [route.channel for route in await uow.people.chats_of(person_id)] == ["zalo", "telegram"]
    await turn(uow_factory, telegram, NOW + timedelta(minutes=3), 4)
    async with uow_factory() as uow:
        assert [route.channel for route in await uow.people.chats_of(person_id)] == ["telegram", "zalo"]
    assert await touched(uow_factory) == {"555": NOW + timedelta(minutes=3), "8841": NOW + timedelta(minutes=2)}
    # The last-seen time is kept within TOUCH_EVERY of the truth.
    await turn(uow_factory, telegram, NOW + timedelta(minutes=3) + TOUCH_EVERY, 5)
    assert (await touched(uow_factory))["555"] == NOW + timedelta(minutes=3) + TOUCH_EVERY


async def test_a_chat_marked_as_refusing_is_unmarked_by_its_next_turn(uow_factory: UnitOfWorkFactory) -> None:
    person_id = await a_person(uow_factory)
    chat = ChatRecord("zalo", "8841", person_id, {}, "8841")
    await turn(uow_factory, chat, NOW, 1)
    async with uow_factory() as uow:
        await uow.session.execute(update(Chat).values(blocked_at=NOW, blocked_reason="blocked"))
    await turn(uow_factory, chat, NOW + timedelta(seconds=30), 2)
    async with uow_factory() as uow:
        assert (await uow.session.execute(select(Chat.blocked_at, Chat.updated_at))).one() == (None, NOW + timedelta(seconds=30))
        assert [route.refusing for route in await uow.people.chats_of(person_id)] == [False]
