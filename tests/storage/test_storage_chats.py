"""Chats keep their conversation state and person link between updates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.records import ChatRecord
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
