"""End to end, a message is tried until it no longer matters: the real OutboxSender and Telegram
channel (python-telegram-bot over HTTP) against the fake Bot API, over real storage (SQLite, and
PostgreSQL when configured), with the service and its supervisors' /guitin on the same clock.

The clock is the test's: `live_through` moves it from one moment a message falls due to the
next and lets the sender send what is due at each, as its loop would, so half an hour of an
outage takes well under a second.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.base.clock import FixedClock
from bot.base.outbox import DeliveryState
from bot.base.records import Role
from bot.catalog.loading import load_catalog
from bot.reminders.composing import ReminderService
from handlers.outbox_sender import RETRY_CEILING, RETRY_FIRST, OutboxSender, retry_delay
from harness.fakes import FakeBotApi
from storage.machinery_models import OutboxRow
from tests.service_harness import NGHI_HAI, NGHI_HAI_NAME, ZONE, Chat, Harness
from tests.telegram_channel import telegram_channel

pytestmark = pytest.mark.usefixtures("ptb_timedelta")

TOKEN = "8300:RETRIES"
OFFICER, SUPERVISOR = 8301, 8302
APPROVED_NOTICE = f"✅ Báo cáo của {NGHI_HAI_NAME} — Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023 đã được duyệt."
RETRYING_HEAD = "Đang thử gửi lại do ứng dụng nhắn tin gặp lỗi (1):"
NOTICES_LINE = "Thông báo cho cán bộ (trả lại, duyệt): "


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        server.user(OFFICER, "Nguyễn Văn An")
        server.user(SUPERVISOR, "Đỗ Minh Quân")
        yield server


@pytest.fixture
async def sender(api: FakeBotApi, harness: Harness, tmp_path: Path) -> AsyncIterator[OutboxSender]:
    # the pacer's one message a second to a chat is real time, not the test's
    async with telegram_channel(api, tmp_path, TELEGRAM_PER_CHAT_INTERVAL=0) as channel:
        yield OutboxSender(channel, harness.factory, harness.clock, lease=timedelta(minutes=1), zone=ZONE)


async def live_through(sender: OutboxSender, clock: FixedClock, span: timedelta) -> list[datetime]:
    """Moves the clock on by `span`, stopping at each moment a message falls due for the sender
    to send what is due then; returns the instants it tried to send at."""
    tries = []
    end = clock.now() + span
    while True:
        if await sender.send_due():
            tries.append(clock.now())
        async with sender.unit_of_work() as uow:
            due = await uow.session.scalar(  # type: ignore[attr-defined]
                select(func.min(OutboxRow.next_attempt_at)).where(OutboxRow.state == DeliveryState.PENDING.value)
            )
        if due is None or due >= end:
            clock.instant = end
            return tries
        clock.instant = max(due, clock.now())


async def approved_with_the_officer_told(harness: Harness) -> Chat:
    """The officer of Nghi Hải linked, their report approved by a supervisor of Cửa Lò, whose chat
    is returned: the notice is in the outbox."""
    await harness.linked_chat(str(OFFICER))
    now = harness.clock.now()
    async with harness.factory() as uow:
        code = (await uow.invites.create("NA-CL", Role.SUPERVISOR, now + timedelta(days=1), now)).code
    supervisor = harness.chat(str(SUPERVISOR), name="Đỗ Minh Quân")
    assert "Liên kết thành công" in await supervisor.send(f"/start {code}")
    await harness.submit(NGHI_HAI)
    assert "Duyệt báo cáo của" in await supervisor.send(f"/duyet {NGHI_HAI}")
    assert f"Đã duyệt báo cáo của {NGHI_HAI_NAME}" in await supervisor.press("✅ Xác nhận duyệt")
    return supervisor


def received(api: FakeBotApi, fragment: str) -> list[str]:
    return [m["text"] for m in api.users[OFFICER].messages if fragment in (m.get("text") or "")]


async def rows(harness: Harness) -> list[tuple[str, str, int, datetime | None]]:
    async with harness.factory() as uow:
        found = await uow.session.execute(
            select(OutboxRow.kind, OutboxRow.state, OutboxRow.attempts, OutboxRow.retrying_since).order_by(OutboxRow.id)
        )
        return [tuple(row) for row in found]


async def test_a_notice_whose_next_four_sends_fail_arrives_exactly_once(
    api: FakeBotApi, harness: Harness, sender: OutboxSender
) -> None:
    await approved_with_the_officer_told(harness)
    api.fail_next("sendMessage", 502, "Bad Gateway", times=4)

    tries = await live_through(sender, harness.clock, timedelta(minutes=5))

    assert received(api, "đã được duyệt") == [APPROVED_NOTICE]
    assert [(kind, state, attempts, since) for kind, state, attempts, since in await rows(harness)] == [("notice", "sent", 5, None)]
    assert len(tries) == 5 and tries[-1] - tries[0] < timedelta(seconds=30)  # 2, 4, 8, 16 s apart or less


async def test_a_notice_through_a_thirty_minute_outage_arrives_exactly_once_and_guitin_shows_it_waiting(
    api: FakeBotApi, harness: Harness, sender: OutboxSender
) -> None:
    supervisor = await approved_with_the_officer_told(harness)
    failing_from = harness.clock.now()
    await api.refuse_connections()

    tries = await live_through(sender, harness.clock, timedelta(minutes=30))

    assert received(api, "đã được duyệt") == []
    ledger = await supervisor.send("/guitin")
    shown = f"• Nguyễn Văn An ({NGHI_HAI_NAME}): đang thử lại từ {failing_from.astimezone(ZONE):%H:%M}, lỗi gần nhất: "
    assert f"{RETRYING_HEAD}\n{shown}" in ledger and "ConnectError" in ledger.split(shown)[1].splitlines()[0], ledger
    assert NOTICES_LINE + "1 · đã gửi 0 · đang chờ 1" in ledger

    await api.accept_connections()
    tries += await live_through(sender, harness.clock, timedelta(minutes=60))

    assert received(api, "đã được duyệt") == [APPROVED_NOTICE]
    [(_kind, state, attempts, since)] = await rows(harness)
    assert (state, attempts, since) == ("sent", len(tries), None)
    gaps = [later - earlier for earlier, later in itertools.pairwise(tries)]
    assert gaps[0] <= RETRY_FIRST and max(gaps) <= RETRY_CEILING and gaps == sorted(gaps), gaps
    assert tries[-1] - tries[0] <= timedelta(minutes=30) + RETRY_CEILING  # through within a quarter of an hour of its end
    assert len(tries) < 20  # ever less often
    ledger = await supervisor.send("/guitin")
    assert RETRYING_HEAD[:20] not in ledger and NOTICES_LINE + "1 · đã gửi 1 · đang chờ 0" in ledger, ledger


async def test_a_reminder_whose_deadline_passes_in_an_outage_is_never_sent_and_shows_as_expired(
    api: FakeBotApi, harness: Harness, sender: OutboxSender
) -> None:
    supervisor = await approved_with_the_officer_told(harness)  # Nghi Hải is done; Nghi Hòa's officer is reminded
    await harness.linked_chat("8303", "CAP-CL-NGHIHOA")
    api.user(8303, "Phan Thị Hoa")
    await live_through(sender, harness.clock, timedelta(minutes=1))  # the notice goes out
    harness.clock.instant = datetime(2023, 11, 25, 23, 45, tzinfo=ZONE)  # the day of the deadline, late
    reminders = ReminderService(harness.factory, load_catalog().form, ZONE)
    assert await reminders.fire("so-ket-2023/report_due/-0d", harness.clock.now()) == 2  # and a digest to the supervisor
    await api.refuse_connections()

    tries = await live_through(sender, harness.clock, timedelta(minutes=30))
    await api.accept_connections()
    tries += await live_through(sender, harness.clock, timedelta(minutes=30))

    assert api.users[8303].messages == [] and not [m for m in api.users[SUPERVISOR].messages if "📋" in m.get("text", "")]
    assert all(when.astimezone(ZONE).day == 25 for when in tries)  # none after 23:59:59, its deadline
    assert sorted((kind, state) for kind, state, *_ in await rows(harness)) == [
        ("digest", "expired"), ("notice", "sent"), ("reminder", "expired")
    ]
    ledger = await supervisor.send("/guitin")
    assert "Không gửi nữa (đã quá hạn, hoặc đã có tin nhắc mới hơn thay thế): 1" in ledger, ledger
    assert "• Nguyễn Văn An (Công an phường Nghi Hòa): không gửi được trước khi tin hết hạn" in ledger, ledger


async def test_a_reminder_failing_until_the_next_of_its_series_is_replaced_by_it(
    api: FakeBotApi, harness: Harness, sender: OutboxSender
) -> None:
    await harness.linked_chat(str(OFFICER))
    reminders = ReminderService(harness.factory, load_catalog().form, ZONE)
    harness.clock.instant = datetime(2023, 11, 22, 8, 0, tzinfo=ZONE)
    assert await reminders.fire("so-ket-2023/report_due/-3d", harness.clock.now()) == 1
    await api.refuse_connections()
    await live_through(sender, harness.clock, timedelta(minutes=20))
    harness.clock.instant = datetime(2023, 11, 24, 8, 0, tzinfo=ZONE)  # two days of failures later
    assert await reminders.fire("so-ket-2023/report_due/-1d", harness.clock.now()) == 1
    await api.accept_connections()

    await live_through(sender, harness.clock, timedelta(minutes=20))

    [reminder] = received(api, "Nhắc hạn")
    assert "(còn 1 ngày)" in reminder, reminder
    assert [(kind, state) for kind, state, *_ in await rows(harness)] == [("reminder", "expired"), ("reminder", "sent")]


async def test_a_reminder_failing_in_the_evening_is_tried_again_in_the_morning_not_at_night(
    api: FakeBotApi, harness: Harness, sender: OutboxSender
) -> None:
    await harness.linked_chat(str(OFFICER))
    reminders = ReminderService(harness.factory, load_catalog().form, ZONE)
    harness.clock.instant = datetime(2023, 11, 24, 20, 50, tzinfo=ZONE)  # sent late (the bot was down at 08:00)
    assert await reminders.fire("so-ket-2023/report_due/-1d", harness.clock.now()) == 1
    await api.refuse_connections()
    tries = await live_through(sender, harness.clock, timedelta(minutes=30))
    await api.accept_connections()
    tries += await live_through(sender, harness.clock, timedelta(hours=11))

    local = [when.astimezone(ZONE) for when in tries]
    assert all(when.hour < 21 and when.day == 24 for when in local[:-1]), local
    assert local[-1] == datetime(2023, 11, 25, 7, 0, tzinfo=ZONE)  # the first try after the night delivers it
    assert len(received(api, "Nhắc hạn")) == 1


async def test_being_asked_to_slow_down_is_no_failure(api: FakeBotApi, harness: Harness, sender: OutboxSender) -> None:
    supervisor = await approved_with_the_officer_told(harness)
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

    await sender.send_due()

    [(_kind, state, _attempts, since)] = await rows(harness)
    assert (state, since) == ("pending", None)
    assert RETRYING_HEAD[:20] not in await supervisor.send("/guitin")
    await live_through(sender, harness.clock, timedelta(seconds=30))
    assert received(api, "đã được duyệt") == [APPROVED_NOTICE]


def test_the_waits_double_from_two_seconds_to_a_quarter_of_an_hour_each_row_by_its_own_share() -> None:
    waits = [retry_delay(7, timedelta(seconds=seconds)).total_seconds() for seconds in (0, 2, 4, 8, 600, 900, 7200)]
    share = retry_delay(7, timedelta(0)) / RETRY_FIRST
    assert waits == pytest.approx([2 * share, 2 * share, 4 * share, 8 * share, 600 * share, 900 * share, 900 * share])
    shares = {retry_delay(row, RETRY_CEILING) / RETRY_CEILING for row in range(1, 50)}
    assert len(shares) == 49 and min(shares) >= 0.8 and max(shares) <= 1.0  # spread, never longer
