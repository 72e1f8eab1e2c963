"""Guessing invite codes from many chats: sixty chats on two channels, five wrong codes each (each
chat's own limit), served by two workers (two services over one database), reach the limit over
all chats; then no code is tried, a right one included, until the hour has passed, and the
administrators are told once. Real storage, controlled clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.base.inputs import parse_typed
from bot.base.records import Role
from bot.linking.chat_linking import WRONG_CODES_ALLOWED
from bot.linking.guessing import GUESSING_WINDOW, WRONG_CODES_OVERALL, WRONG_CODES_PER_CHANNEL
from bot.service import Envelope, ReportingService
from storage.machinery_models import OutboxRow, WrongCode
from storage.unit_of_work import UnitOfWorkFactory
from tests.service_harness import NGHI_HAI_NAME, Harness, joined, make_service

CHANNELS = ("telegram", "zalo_bot")
CHATS_PER_CHANNEL = 30
HELD = "Gần đây có quá nhiều mã sai được gửi đến bot nên tạm thời chưa kiểm tra mã nào. Mã của bạn chưa bị sử dụng: hãy gửi lại sau"
WRONG = "không hợp lệ"


async def send(harness: Harness, channel: str, chat_id: str, line: str, worker: ReportingService | None = None) -> str:
    envelope = Envelope(channel, chat_id, parse_typed(line), str(harness.next_update_id()), f"user-{chat_id}", "Người thử mã")
    return joined((await (worker or harness.service).handle(envelope)).replies)


async def alerts(factory: UnitOfWorkFactory) -> list[str]:
    async with factory() as uow:
        return list(await uow.session.scalars(select(OutboxRow.text).where(OutboxRow.kind == "alert")))


async def test_sixty_chats_guessing_hold_every_code_back_for_an_hour_and_the_admins_are_told_once(uow_factory: UnitOfWorkFactory) -> None:
    harness = Harness(uow_factory)
    await harness.seed()
    async with uow_factory() as uow:
        admin_code = (await uow.invites.create("NA", Role.ADMIN, harness.clock.now() + timedelta(days=7), harness.clock.now())).code
    assert "Liên kết thành công" in await send(harness, "telegram", "admin", f"/start {admin_code}")
    assert CHATS_PER_CHANNEL * WRONG_CODES_ALLOWED < WRONG_CODES_PER_CHANNEL  # each channel stays under its own limit
    assert len(CHANNELS) * CHATS_PER_CHANNEL * WRONG_CODES_ALLOWED == WRONG_CODES_OVERALL

    workers = {CHANNELS[0]: harness.service, CHANNELS[1]: make_service(uow_factory, harness.clock)}
    guess = iter(range(10_000_000, 20_000_000))
    for chat in range(CHATS_PER_CHANNEL):
        for channel in CHANNELS:
            for _ in range(WRONG_CODES_ALLOWED):
                assert WRONG in await send(harness, channel, f"guesser-{chat}", f"/start X{next(guess)}", workers[channel])
            harness.clock.advance(timedelta(seconds=1))
    reached = harness.clock.now() - timedelta(seconds=1)  # the last wrong code

    right = await harness.invite()
    refused = await send(harness, "telegram", "officer", f"/start {right}")
    expected_until = (reached + GUESSING_WINDOW).astimezone(harness.service.zone).strftime("%H:%M")
    assert HELD in refused and expected_until in refused
    assert HELD in await send(harness, "zalo_bot", "another-officer", "/start ABCD2345")  # every channel: the limit over all
    assert [text.startswith("Cảnh báo: trong vòng một giờ đã có 300 mã mời sai") for text in await alerts(uow_factory)] == [True]
    async with uow_factory() as uow:  # nothing was tried while held: no wrong code added
        assert await uow.session.scalar(select(func.count()).select_from(WrongCode)) == WRONG_CODES_OVERALL

    harness.clock.advance(GUESSING_WINDOW - timedelta(minutes=2))
    assert HELD in await send(harness, "telegram", "officer", f"/start {right}")
    harness.clock.instant = reached + GUESSING_WINDOW
    linked = await send(harness, "telegram", "officer", f"/start {right}")
    assert f"Liên kết thành công: tài khoản này báo cáo cho {NGHI_HAI_NAME}." in linked
    assert len(await alerts(uow_factory)) == 1  # one alert however many were refused


async def test_one_channel_reaching_its_own_limit_leaves_the_others_open(uow_factory: UnitOfWorkFactory) -> None:
    harness = Harness(uow_factory)
    await harness.seed()
    for chat in range(WRONG_CODES_PER_CHANNEL // WRONG_CODES_ALLOWED):
        for _ in range(WRONG_CODES_ALLOWED):
            assert WRONG in await send(harness, "telegram", f"guesser-{chat}", "/start ABCD2345")
    assert HELD in await send(harness, "telegram", "officer", f"/start {await harness.invite()}")
    linked = await send(harness, "zalo_bot", "officer", f"/start {await harness.invite()}")
    assert "Liên kết thành công" in linked
