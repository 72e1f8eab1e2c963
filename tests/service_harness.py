"""The real ReportingService over real storage, driven like a chat platform would drive it.

`Harness` wires the service through the composition root (`app.runtime.build_service`, with a
fixed clock) on a migrated test database, seeds the demo province with both campaigns and makes invite
codes. `Chat` is one platform chat: it sends typed lines, presses buttons by their label on the
newest keyboard (or on an older message, to test stale presses) and sends files, each as an
Envelope with a fresh update_id, and keeps every reply it was given.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.runtime import build_service
from app.settings import Settings
from bot.base.answers import StoredFile
from bot.base.clock import FixedClock
from bot.base.effects import TurnResult
from bot.base.events import Reply
from bot.base.inputs import ButtonInput, FileInput, Input, parse_typed
from bot.base.records import ReportRecord, Role
from bot.catalog.loading import load_catalog, load_demo_units
from bot.catalog.model import Catalog, UnitSpec
from bot.service import Envelope, ReportingService
from storage.machinery_models import ProcessedUpdate
from storage.seed import load_campaign, load_units
from storage.unit_of_work import UnitOfWorkFactory
from tests.dialogue import find_button, keyboard_of
from tests.report_moves import submit

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOV_20_2023 = datetime(2023, 11, 20, 9, 0, tzinfo=ZONE)  # only the 2023 campaign is open
JUNE_10_2024 = datetime(2024, 6, 10, 9, 0, tzinfo=ZONE)  # both campaigns are open
CATALOG = load_catalog()
DEMO_UNITS = load_demo_units()
CAMPAIGNS = sorted(CATALOG.campaigns.values(), key=lambda spec: spec.opens)
CHANNEL = "telegram"

NGHI_HAI = "CAP-CL-NGHIHAI"
NGHI_HAI_NAME = "Công an phường Nghi Hải"
NGHI_HOA = "CAP-CL-NGHIHOA"
NGHI_HOA_NAME = "Công an phường Nghi Hòa"
# The part of the demo province the tests talk to: the province, Cửa Lò and the units under it.
# Loading all of it costs ~0.4 s a test, so only the tests that need the whole province do.
CUA_LO_UNITS = [unit for unit in DEMO_UNITS if unit.code in ("NA", "NA-CL") or unit.parent_code == "NA-CL"]


SETTINGS = Settings(_env_file=None, BAOCAO_TIMEZONE=str(ZONE), BAOCAO_LOCALE="vi")


def make_service(factory: UnitOfWorkFactory, clock: FixedClock, catalog: Catalog = CATALOG) -> ReportingService:
    return build_service(factory, catalog, SETTINGS, clock)


class Harness:
    def __init__(self, factory: UnitOfWorkFactory, now: datetime = NOV_20_2023) -> None:
        self.factory = factory
        self.clock = FixedClock(now)
        self.service = make_service(factory, self.clock)
        self._update_ids = itertools.count(1000)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    async def seed(self, units: list[UnitSpec] = CUA_LO_UNITS) -> None:
        """Loads the demo units (by default only Cửa Lò's) and both campaigns, enrolling them."""
        async with self.factory() as uow:
            await load_units(uow, units)
            for spec in CAMPAIGNS:
                await load_campaign(uow, spec)

    async def invite(self, unit_code: str = NGHI_HAI, valid_for: timedelta = timedelta(days=7)) -> str:
        now = self.clock.now()
        async with self.factory() as uow:
            return (await uow.invites.create(unit_code, Role.REPORTER, now + valid_for, now)).code

    def chat(self, chat_id: str, language_code: str | None = None, name: str = "Nguyễn Văn An") -> Chat:
        return Chat(self, chat_id, language_code, name)

    async def linked_chat(self, chat_id: str, unit_code: str = NGHI_HAI, language_code: str | None = None) -> Chat:
        chat = self.chat(chat_id, language_code)
        text = await chat.send(f"/start {await self.invite(unit_code)}")
        assert "Liên kết thành công" in text or "Linked" in text, text
        return chat

    async def submit(self, unit_code: str, campaign: str = "so-ket-2023") -> ReportRecord:
        """Hands in the unit's report through storage, as if its officer had (answers or not)."""
        now = self.clock.now()
        async with self.factory() as uow:
            unit = next(u for u in await uow.units.units() if u.code == unit_code)
            report = await uow.reports.open_unit(campaign, unit.id, now)
            assert report is not None
            await submit(uow, report.id, None, now)
        return report

    async def reports_of(self, chat: Chat) -> list[ReportRecord]:
        """The reports the chat's person files, as of the harness clock."""
        async with self.factory() as uow:
            record = await uow.chats.get(CHANNEL, chat.chat_id)
            assert record is not None and record.person_id is not None
            now = self.clock.now()
            return list(await uow.reports.open_for(record.person_id, now.astimezone(ZONE).date(), now))

    async def state_of(self, chat: Chat) -> dict:
        async with self.factory() as uow:
            record = await uow.chats.get(CHANNEL, chat.chat_id)
            assert record is not None
            return dict(record.state)

    async def processed(self, update_id: int) -> bool:
        async with self.factory() as uow:
            found = await uow.session.scalar(
                select(ProcessedUpdate.update_id).where(
                    ProcessedUpdate.channel == CHANNEL, ProcessedUpdate.update_id == str(update_id)
                )
            )
        return found is not None


class Turns(Protocol):
    """What a chat needs to talk: the service, and fresh update ids."""

    service: ReportingService

    def next_update_id(self) -> int: ...


@dataclass
class Chat:
    harness: Turns
    chat_id: str
    language_code: str | None = None
    name: str = ""
    replies: list[Reply] = field(default_factory=list)
    files: list[StoredFile] = field(default_factory=list)
    results: list[TurnResult] = field(default_factory=list)
    """Every turn's whole result: its replies, and the effects the service applied."""

    def envelope(self, received: Input, update_id: int | None = None) -> Envelope:
        return Envelope(
            channel=CHANNEL,
            chat_id=self.chat_id,
            input=received,
            update_id=str(self.harness.next_update_id() if update_id is None else update_id),
            user_id=f"user-{self.chat_id}",
            display_name=self.name,
            language_code=self.language_code,
        )

    async def deliver(self, received: Input, update_id: int | None = None) -> list[Reply]:
        result = await self.harness.service.handle(self.envelope(received, update_id))
        self.results.append(result)
        self.replies.extend(result.replies)
        return result.replies

    async def send(self, line: str, update_id: int | None = None) -> str:
        return joined(await self.deliver(parse_typed(line), update_id))

    async def press(self, label: str, step: int | None = None, update_id: int | None = None) -> str:
        """Presses the button with this label on the newest keyboard, or on the message of `step`."""
        return joined(await self.deliver(self.button(label, step), update_id))

    async def send_file(self, kind: str = "photo") -> str:
        n = len(self.files) + 1
        stored = StoredFile(
            kind=kind,
            ref=f"{self.chat_id}-file-{n}",
            size=200_000,
            name=f"bien-ban-{n}.pdf" if kind == "document" else None,
            path=f"/var/lib/baocao/files/{self.chat_id}-u{n}",
        )
        self.files.append(stored)
        return joined(await self.deliver(FileInput(stored)))

    def button(self, label: str, step: int | None = None) -> ButtonInput:
        return find_button(self.replies, label, step)

    def keyboard(self) -> list[str]:
        """The labels on the newest message that has buttons."""
        return keyboard_of(self.replies)

    def keyboard_step(self) -> int | None:
        return next((reply.step for reply in reversed(self.replies) if reply.buttons), None)


def joined(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)
