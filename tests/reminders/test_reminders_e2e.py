"""End to end, deadline reminders: the real `baocao run` process, python-telegram-bot over HTTP,
and a fake Bot API that enforces Telegram's limits (30 messages/s overall, 1/s per chat).

The Nghệ An demo is seeded and officers are linked straight in the database (persons, REPORTER
grants, chats whose id is the fake user's), which is how a test gets 150 recipients in a
fraction of a second. Two worlds are built once per module and copied per test:

* the province: ~150 officers over 108 pending units (some with two officers, one officer of two
  units), four units submitted (their officers get nothing), one returned (it is reminded), four
  with nobody linked (listed to their district supervisor instead);
* a handful: six officers in Cửa Lò and Thái Hòa, one submitted, and the two district
  supervisors; every other unit is unlinked.

BAOCAO_NOW starts the bot's clock at an instant and lets it run on, so a bot started at 07:59:58
on 18/11/2023 fires the 7-days-before reminder two seconds later. The 2023 review is due on
25/11/2023: reminders at 08:00 on 18, 22, 24 and 25/11, the overdue notice on 26/11.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.orm import aliased

from bot.base.answers import AnswerValue
from bot.base.forms import Form, Question, QuestionKind
from bot.base.outbox import DEFAULT_LEASE
from bot.catalog.loading import load_catalog, load_demo_units
from harness.bot_process import BotProcess, DirectLink, Officer, link_directly
from harness.fakes import FakeBotApi, RecordedRequest
from harness.fakes.limits import JITTER_ALLOWANCE
from harness.sqlite_templates import sqlite_url
from harness.waiting import quiet_period
from storage.database import create_engine
from storage.migrate import upgrade
from storage.models import Campaign, Enrolment, Unit
from storage.seed import load_campaign, load_units
from storage.unit_of_work import UnitOfWorkFactory
from tests.conftest import own_postgres_schema
from tests.report_moves import return_report, submit

pytestmark = pytest.mark.asyncio(loop_scope="module")

CATALOG = load_catalog()
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CAMPAIGN = "so-ket-2023"
CAMPAIGN_TITLE = "Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023"
SEEDED_AT = datetime(2023, 11, 10, 9, 0, tzinfo=ZONE)

# What the bot says (locales/vi/LC_MESSAGES/messages.po).
REMINDER = "⏰ Nhắc hạn"
OVERDUE = "⚠️ Báo cáo"
DIGEST = "📋 “"
CONTINUE = "Tiếp tục báo cáo"
RETURNED_LINE = "Báo cáo đã bị trả lại để chỉnh sửa; gõ /baocao để xem nội dung cần sửa."
NOBODY_LINKED = "chưa có cán bộ liên kết"
UNIT_IN_TEXT = re.compile(r"” của (.+?) (?:sắp đến hạn|đã hết hạn nộp)")

LEADER_LINE = "this worker schedules reminders"
LEASE = DEFAULT_LEASE

CAMPAIGN_2023 = "Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023"


# ----- the worlds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolled:
    code: str
    id: int
    name: str
    form_id: str

    @property
    def form(self) -> Form:
        return CATALOG.form(self.form_id)


@dataclass
class Layout:
    """Who is linked where, and how far each report has got; unit codes throughout."""

    officers: dict[int, tuple[str, ...]]
    supervisors: dict[int, str]
    submitted: tuple[str, ...] = ()
    returned: tuple[str, ...] = ()
    drafts: dict[str, int] = field(default_factory=dict)
    """Units whose officers have answered the first N questions."""


@dataclass
class World:
    """A populated database file and what a test may expect of it."""

    path: Path
    layout: Layout
    units: dict[str, Enrolled]
    """Every unit enrolled in the 2023 review, by code."""
    parents: dict[str, str | None]
    """Every unit's parent code."""

    @property
    def officers(self) -> dict[int, tuple[str, ...]]:
        return self.layout.officers

    @property
    def supervisors(self) -> dict[int, str]:
        return self.layout.supervisors

    @property
    def people(self) -> list[int]:
        return [*self.officers, *self.supervisors]

    def pending(self, code: str) -> bool:
        return code in self.units and code not in self.layout.submitted

    def expected_reminders(self, within: str | None = None) -> Counter[tuple[int, str]]:
        """One reminder per officer and pending unit of theirs (under `within`, if given)."""
        return Counter(
            (user, code)
            for user, codes in self.officers.items()
            for code in codes
            if self.pending(code) and (within is None or within in self.lineage(code))
        )

    def lineage(self, code: str) -> list[str]:
        """The unit and its ancestors, nearest first."""
        chain = [code]
        while (parent := self.parents.get(chain[-1])) is not None:
            chain.append(parent)
        return chain

    def nearest_supervisor(self, code: str) -> int | None:
        for ancestor in self.lineage(code)[1:]:
            for user, unit in self.supervisors.items():
                if unit == ancestor:
                    return user
        return None

    def unlinked(self) -> list[str]:
        linked = {code for codes in self.officers.values() for code in codes}
        return sorted(code for code in self.units if self.pending(code) and code not in linked)

    def digest_lines(self, supervisor: int, overdue: bool = False) -> list[str]:
        """The unit lines of the digest this supervisor gets: the unlinked pending units (every
        pending unit, when overdue) whose nearest supervised ancestor is theirs."""
        listed = [code for code in self.units if self.pending(code)] if overdue else self.unlinked()
        linked = {code for codes in self.officers.values() for code in codes}
        lines = []
        for code in listed:
            if self.nearest_supervisor(code) != supervisor:
                continue
            unit = self.units[code]
            extra = "" if code in linked else f" · {NOBODY_LINKED}"
            lines.append(f"• {unit.name} — {len(self.answered(code))}/{len(unit.form)}{extra}")
        return sorted(lines)

    def answered(self, code: str) -> list[Question]:
        form = self.units[code].form
        if code in self.layout.returned or code in self.layout.submitted:
            return list(form.questions)
        return list(form.questions[: self.layout.drafts.get(code, 0)])

    def left(self, code: str) -> str:
        """ "Còn 26/38 câu chưa trả lời, trong đó còn 19/22 tiêu chí." for this unit's report."""
        form = self.units[code].form
        answered = self.answered(code)
        questions = f"Còn {len(form) - len(answered)}/{len(form)} câu chưa trả lời"
        if not form.criteria_count:
            return questions + "."
        criteria = sum(1 for q in answered if q.kind is QuestionKind.CRITERION)
        return f"{questions}, trong đó còn {form.criteria_count - criteria}/{form.criteria_count} tiêu chí."

    def unit_named(self, text: str) -> str:
        found = UNIT_IN_TEXT.search(text)
        assert found, text
        codes = [code for code, unit in self.units.items() if unit.name == found.group(1)]
        assert len(codes) == 1, text
        return codes[0]


# The province: units left out of the linking, on purpose.
SUBMITTED = ("CAP-VINH-HAHUYTAP", "XA-DEMO-05", "CQ-DEMO-02", "NA-SO-TC")
RETURNED = ("CAP-TH-LONGSON",)
UNLINKED = ("CAP-CL-THUTHUY", "XA-DEMO-40", "CAP-TH-QUANGTIEN", "DN-DEMO-12")
DRAFTS = {"CAP-CL-NGHIHAI": 12, "XA-DEMO-01": 20, "CQ-DEMO-01": 9, "NA-CL": 30, "NA-SO-NV": 5}
CUA_LO_SUPERVISOR, THAI_HOA_SUPERVISOR = 9001, 9002
SUPERVISORS = {CUA_LO_SUPERVISOR: "NA-CL", THAI_HOA_SUPERVISOR: "NA-TH"}
TWO_UNIT_OFFICER = 20000


def province_layout(units: dict[str, Enrolled]) -> Layout:
    """Every pending unit but UNLINKED gets an officer (ids 10000…); forty of them a second one
    (20002…); officer 20000 reports for the two units whose outbox rows come first, so her two
    reminders are due back to back and only the per-chat pacing keeps them a second apart; the
    submitted units' officers (30000…) must get nothing. 150 reminders in all."""
    linked = [code for code in units if code not in SUBMITTED and code not in UNLINKED]
    # The outbox is filled sorted by key, ".../-7d/<unit id>", so by the unit id as text.
    linked.sort(key=lambda code: str(units[code].id))
    officers: dict[int, tuple[str, ...]] = {10000 + i: (code,) for i, code in enumerate(linked)}
    officers |= {20000 + i: (linked[i],) for i in range(2, 42)}
    officers[TWO_UNIT_OFFICER] = (linked[0], linked[1])
    officers |= {30000 + i: (code,) for i, code in enumerate(SUBMITTED)}
    return Layout(officers, dict(SUPERVISORS), SUBMITTED, RETURNED, dict(DRAFTS))


NGHI_HAI_OFFICER = 101
HANDFUL = Layout(
    officers={
        NGHI_HAI_OFFICER: ("CAP-CL-NGHIHAI",),
        102: ("CAP-CL-NGHIHOA",),
        103: ("XA-DEMO-37",),
        104: ("DN-DEMO-07",),
        105: ("CAP-CL-NGHITAN",),  # submitted
        201: ("CAP-TH-HOAHIEU",),
        202: ("XA-DEMO-43",),
    },
    supervisors=dict(SUPERVISORS),
    submitted=("CAP-CL-NGHITAN",),
    drafts={"CAP-CL-NGHIHAI": 12},
)


def answers_to(questions: Iterable[Question]) -> dict[str, AnswerValue]:
    values: dict[str, AnswerValue] = {}
    for question in questions:
        values[question.id] = {
            QuestionKind.CHOICE: {"choice": question.options[0].code if question.options else ""},
            QuestionKind.DATE: {"date": "2023-11-10"},
            QuestionKind.NUMBER: {"number": 3},
            QuestionKind.TEXT: {"text": f"Nội dung {question.id}."},
            QuestionKind.ATTACHMENT: {"skipped": True},
            QuestionKind.CRITERION: {"status": "dat", "narrative": "Đã thực hiện."},
        }[question.kind]
    return values


async def seed_demo(url: str) -> None:
    """`baocao db upgrade` and `baocao seed demo`, in process."""
    await upgrade(url)
    database = create_engine(url)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            await load_units(uow, load_demo_units())
            for campaign in CATALOG.campaigns.values():
                await load_campaign(uow, campaign)
    finally:
        await database.dispose()


async def enrolled_units(url: str) -> tuple[dict[str, Enrolled], dict[str, str | None]]:
    database = create_engine(url)
    parent = aliased(Unit)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            rows = await uow.session.execute(
                select(Unit.code, Unit.id, Unit.name, Enrolment.form_id)
                .join(Enrolment, Enrolment.unit_id == Unit.id)
                .join(Campaign, Campaign.id == Enrolment.campaign_id)
                .where(Campaign.code == CAMPAIGN)
                .order_by(Unit.code)
            )
            units = {row.code: Enrolled(row.code, row.id, row.name, row.form_id) for row in rows}
            tree = await uow.session.execute(select(Unit.code, parent.code).outerjoin(parent, parent.id == Unit.parent_id))
            parents: dict[str, str | None] = dict(tree.all())
    finally:
        await database.dispose()
    return units, parents


async def populate(url: str, path: Path, layout: Layout | Callable[[dict[str, Enrolled]], Layout]) -> World:
    """Links the layout's people and brings its reports where it says, on a seeded database."""
    units, parents = await enrolled_units(url)
    if callable(layout):
        layout = layout(units)
    people = [DirectLink(user, f"Cán bộ {user}", codes) for user, codes in layout.officers.items()]
    people += [DirectLink(user, f"Lãnh đạo {user}", (code,), "supervisor") for user, code in layout.supervisors.items()]
    person_of = await link_directly(url, people, SEEDED_AT)
    world = World(path, layout, units, parents)
    database = create_engine(url)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            for code in [*layout.drafts, *layout.submitted, *layout.returned]:
                report = await uow.reports.open_unit(CAMPAIGN, units[code].id, SEEDED_AT)
                assert report is not None
                await uow.reports.save_answers(report.id, answers_to(world.answered(code)), None, SEEDED_AT)
                if code in layout.submitted or code in layout.returned:
                    await submit(uow, report.id, None, SEEDED_AT)
                if code in layout.returned:
                    reviewer = person_of[next(iter(layout.supervisors))]
                    await return_report(uow, report.id, ["TC.1"], "Bổ sung số liệu.", reviewer, SEEDED_AT)
    finally:
        await database.dispose()
    return world


@dataclass
class Worlds:
    province: World
    handful: World


def copy_database(source: Path, target: Path) -> None:
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def worlds(tmp_path_factory: pytest.TempPathFactory) -> Worlds:
    root = tmp_path_factory.mktemp("reminder-worlds")
    seeded = root / "seeded.db"
    await seed_demo(sqlite_url(seeded))
    built = []
    for name, layout in (("province", province_layout), ("handful", HANDFUL)):
        path = root / f"{name}.db"
        copy_database(seeded, path)
        built.append(await populate(sqlite_url(path), path, layout))
    province, handful = built
    # The layouts rely on where the demo puts these units.
    assert len(province.units) == 116
    assert {code: province.parents[code] for code in UNLINKED} == {
        "CAP-CL-THUTHUY": "NA-CL", "XA-DEMO-40": "NA-CL", "CAP-TH-QUANGTIEN": "NA-TH", "DN-DEMO-12": "NA-TH"
    }
    assert [handful.parents[c] for u in (102, 103, 104, 201, 202) for c in handful.officers[u]] == ["NA-CL"] * 3 + ["NA-TH"] * 2
    assert sum(province.expected_reminders().values()) == 150
    return Worlds(province, handful)


# ----- the bot and the fake Telegram ---------------------------------------------------------------


@pytest_asyncio.fixture(loop_scope="module")
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="4545:REMINDERS", global_rate=30, per_chat_rate=1.0) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="module")
async def running() -> AsyncIterator[list[BotProcess]]:
    """Bots a test starts; stopped when it ends, whatever happened."""
    bots: list[BotProcess] = []
    yield bots
    for bot in bots:
        await bot.stop()


@dataclass
class Run:
    bot: BotProcess
    spawned: float
    """time.monotonic() just before the process was started (the fake stamps requests on the
    same clock): the bot's clock reads BAOCAO_NOW no earlier than this."""

    def bot_time_at(self, instant: float) -> datetime:
        """The latest the bot's clock can read at monotonic `instant`."""
        return datetime.fromisoformat(self.bot.now) + timedelta(seconds=instant - self.spawned)


async def launch(api: FakeBotApi, world: World, workdir: Path, now: str, running: list[BotProcess]) -> Run:
    """A copy of the world's database, its people in the fake Telegram, and `baocao run`."""
    workdir.mkdir(parents=True, exist_ok=True)
    copy_database(world.path, workdir / "baocao.db")
    for user in world.people:
        api.user(user, f"Người {user}")
    bot = BotProcess(api, workdir, sqlite_url(workdir / "baocao.db"), now=now)
    running.append(bot)
    spawned = time.monotonic()
    await bot.start()
    return Run(bot, spawned)


def sends(api: FakeBotApi) -> list[RecordedRequest]:
    return [r for r in api.requests if r.method == "sendMessage"]


def delivered(api: FakeBotApi) -> int:
    return sum(1 for r in sends(api) if r.status == 200)


def messages(api: FakeBotApi, user: int, prefix: str) -> list[dict[str, Any]]:
    return [m for m in api.user(user).messages if (m.get("text") or "").startswith(prefix)]


def received(api: FakeBotApi, world: World, prefix: str = REMINDER) -> Counter[tuple[int, str]]:
    """(user, unit) of every message starting with `prefix` that a person of the world got."""
    return Counter((user, world.unit_named(m["text"])) for user in world.people for m in messages(api, user, prefix))


def buttons(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def quiet_for(api: FakeBotApi, seconds: float) -> int:
    """A quiet period; returns how many messages were sent in it (none, for the caller)."""
    before = len(sends(api))
    await quiet_period(seconds)
    return len(sends(api)) - before


async def ledger(api: FakeBotApi, bot: BotProcess, supervisor: int) -> dict[str, int]:
    """/guitin, as the supervisor sends it through the bot, read back as numbers."""
    reply = await Officer(api.user(supervisor), bot).command("guitin", "Nhắc hạn —")
    labels = {
        "Tổng số tin nhắc hạn": "total",
        "Đã gửi thành công": "sent",
        "Đang chờ gửi": "waiting",
        "Gửi không thành công": "failed",
        "Đã chặn bot": "blocked",
        "Chưa từng bấm Bắt đầu (Start) với bot": "never_started",
    }
    counts = {}
    reminders, _blank, notices = reply["text"].partition("\n\n")
    assert notices.startswith("Thông báo cho cán bộ (trả lại, duyệt): "), notices
    for line in reminders.splitlines()[1:]:
        label, _sep, number = line.rpartition(": ")
        counts[labels[label]] = int(number)
    return counts


async def plan(bot: BotProcess, now: str) -> list[dict[str, Any]]:
    bot.now = now
    rows: list[dict[str, Any]] = json.loads(await bot.cli("reminders", "plan", "--campaign", CAMPAIGN, "--json"))
    return rows


def check_reminder(world: World, message: dict[str, Any], code: str, days_left: int) -> None:
    text = message["text"]
    assert f"của {world.units[code].name} sắp đến hạn" in text, text
    assert f"Hạn nộp: thứ Bảy, 25/11/2023 (còn {days_left} ngày)" in text, text
    assert world.left(code) in text, (world.left(code), text)
    assert (RETURNED_LINE in text) == (code in world.layout.returned), text
    assert buttons(message) == [CONTINUE], message


def check_digests(api: FakeBotApi, world: World, heading: str, overdue: bool = False) -> None:
    for supervisor in world.supervisors:
        digests = messages(api, supervisor, DIGEST)
        assert len(digests) == 1, [m["text"] for m in digests]
        text = digests[0]["text"]
        assert heading in text, text
        assert sorted(line for line in text.splitlines() if line.startswith("• ")) == world.digest_lines(supervisor, overdue)


def per_chat_gaps(api: FakeBotApi) -> list[tuple[int | None, float]]:
    """The time between consecutive messages delivered to the same chat, at the longest it can
    have been: the first may have been sent as long before its stamp as the machine ran late."""
    delivered_to: dict[int | None, list[RecordedRequest]] = {}
    for request in sends(api):
        if request.status == 200:
            delivered_to.setdefault(request.chat_id, []).append(request)
    return [(chat, b.time - (a.time - a.late)) for chat, requests in delivered_to.items() for a, b in pairwise(requests)]


# ----- 1. the 7-days-before reminder, to 150 officers ------------------------------------------------


async def test_at_eight_each_pending_officer_gets_one_reminder_per_unit_within_the_limits(
    api: FakeBotApi, worlds: Worlds, tmp_path: Path, running: list[BotProcess]
) -> None:
    world = worlds.province
    run = await launch(api, world, tmp_path, "2023-11-18T07:59:58+07:00", running)
    expected = world.expected_reminders()
    total = sum(expected.values()) + len(world.supervisors)
    await run.bot.until(lambda: delivered(api) >= total, f"{total} messages")
    # Nothing more: no second copy, no other slot, however long the bot runs on.
    assert await quiet_for(api, 1.5) == 0

    assert received(api, world) == expected
    assert sum(len(messages(api, u, REMINDER)) for u in world.officers if u >= 30000) == 0  # submitted units
    assert len(messages(api, TWO_UNIT_OFFICER, REMINDER)) == 2
    for user in world.officers:
        for message in messages(api, user, REMINDER):
            check_reminder(world, message, world.unit_named(message["text"]), days_left=7)
    check_digests(api, world, "Hạn nộp: thứ Bảy, 25/11/2023 (còn 7 ngày). Các đơn vị sau chưa có cán bộ liên kết")

    # Not before 08:00 on the bot's clock (how soon after it is the benchmark's business).
    first = min(r.time for r in sends(api))
    assert run.bot_time_at(first) >= datetime(2023, 11, 18, 8, 0, tzinfo=ZONE)
    # Within the limits: never a 429, and a second between two messages to one chat (the fake
    # allows JITTER_ALLOWANCE for the wobble of arrival times against the sender's pacing, and
    # for how late a busy machine let it get to each request).
    assert api.violations == 0
    assert {r.status for r in sends(api)} == {200}
    gaps = per_chat_gaps(api)
    assert [gap for _chat, gap in gaps] and min(gap for _chat, gap in gaps) >= 1.0 - JITTER_ALLOWANCE, gaps

    # The button opens the report where the officer stopped: 12 answered, so criterion 4 next.
    nghi_hai = next(u for u, codes in world.officers.items() if codes == ("CAP-CL-NGHIHAI",))
    officer = Officer(api.user(nghi_hai), run.bot)
    officer.user.press(CONTINUE)
    opened = await officer.expect("Tiêu chí 4/22")
    assert "Câu 13/38" in opened["text"]


# ----- 2. SIGKILL in the middle of the broadcast --------------------------------------------------


def outbox_states(database: Path) -> Counter[str] | None:
    """Outbox rows per committed state; None if the database cannot be read right now."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=0.2) as connection:
            return Counter(dict(connection.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()))
    except sqlite3.OperationalError:
        return None


async def kill_mid_broadcast(api: FakeBotApi, run: Run, after: int) -> tuple[float, Counter[str]]:
    """SIGKILLs the bot once at least `after` messages are delivered, while the sends then on
    the wire are caught short of delivery (they die with the bot: Telegram never got them) and
    every delivery before them is committed as sent; returns when (monotonic) and the outbox as
    the dead bot left it.

    A kill inside an HTTP round trip after Telegram delivered (the row not yet marked sent) makes
    that message go out twice after the restart: the outbox is at-least-once for a message in
    flight, exactly-once for every other. With sends caught and earlier ones committed, no
    message is in that state, however slowly a busy machine lets the bot commit."""
    database = run.bot.workdir / "baocao.db"
    await run.bot.until(lambda: delivered(api) >= after, f"{after} deliveries")
    caught = api.hold_sends()
    await caught.arrived()

    def every_delivery_committed() -> bool:
        states = outbox_states(database)
        return states is not None and states["sent"] == delivered(api)

    await run.bot.until(every_delivery_committed, "every delivery recorded as sent")
    killed = time.monotonic()
    await run.bot.kill()
    caught.drop()
    left = outbox_states(database)
    assert left is not None
    return killed, left


async def test_sigkill_during_the_broadcast_and_restart_neither_duplicates_nor_loses(
    api: FakeBotApi, worlds: Worlds, tmp_path: Path, running: list[BotProcess]
) -> None:
    world = worlds.province
    run = await launch(api, world, tmp_path, "2023-11-18T07:59:58+07:00", running)
    expected = world.expected_reminders()
    total = sum(expected.values()) + len(world.supervisors)
    killed, left = await kill_mid_broadcast(api, run, after=40)
    assert 40 <= left["sent"] < total
    # The dead sender had claimed rows it never sent: they stay "sending" until their lease ends.
    assert left["sending"] > 0, left

    # Rows the dead sender had claimed come back once their lease has run out; the bot returns
    # as if the restart had taken that long (its clock starts at BAOCAO_NOW again).
    restart_at = run.bot_time_at(killed) + LEASE + timedelta(seconds=1)
    run.bot.now = restart_at.isoformat()
    await run.bot.start()
    await run.bot.until(lambda: delivered(api) >= total, f"{total} messages after the restart")
    assert await quiet_for(api, 1.5) == 0

    assert received(api, world) == expected
    check_digests(api, world, "(còn 7 ngày)")
    assert api.violations == 0


# ----- 3. after downtime ------------------------------------------------------------------------------


async def test_started_after_two_missed_slots_sends_only_the_newest_once(
    api: FakeBotApi, worlds: Worlds, tmp_path: Path, running: list[BotProcess]
) -> None:
    """Down through 18/11 and 22/11 08:00; started at 10:00 on 22/11."""
    world = worlds.handful
    run = await launch(api, world, tmp_path, "2023-11-22T10:00:00+07:00", running)
    expected = world.expected_reminders()
    total = sum(expected.values()) + len(world.supervisors)
    await run.bot.until(lambda: delivered(api) >= total, f"{total} messages")
    assert await quiet_for(api, 1.5) == 0

    assert received(api, world) == expected
    for user in world.officers:
        for message in messages(api, user, REMINDER):
            check_reminder(world, message, world.unit_named(message["text"]), days_left=3)
    check_digests(api, world, "(còn 3 ngày)")
    logs = run.bot.logs()
    assert "reminder so-ket-2023/report_due/-7d not sent: superseded" in logs
    assert "reminder so-ket-2023/report_due/-3d: " in logs

    cua_lo = sum(world.expected_reminders(within="NA-CL").values())
    assert cua_lo == 4
    assert await ledger(api, run.bot, CUA_LO_SUPERVISOR) == {
        "total": cua_lo, "sent": cua_lo, "waiting": 0, "failed": 0, "blocked": 0, "never_started": 0,
    }
    thai_hoa = sum(world.expected_reminders(within="NA-TH").values())
    assert (await ledger(api, run.bot, THAI_HOA_SUPERVISOR))["sent"] == thai_hoa == 2
    # The plan agrees: what was sent or superseded is not coming any more.
    assert [row["key"] for row in await plan(run.bot, "2023-11-22T10:01:00+07:00")] == [
        "so-ket-2023/report_due/-1d", "so-ket-2023/report_due/-0d", "so-ket-2023/report_due/overdue",
    ]


async def test_started_after_the_deadline_sends_the_overdue_notice_and_no_reminder(
    api: FakeBotApi, worlds: Worlds, tmp_path: Path, running: list[BotProcess]
) -> None:
    """Down from before 18/11 until 10:00 on 27/11: the deadline has passed, the overdue notice
    (26/11) is still within its week."""
    world = worlds.handful
    run = await launch(api, world, tmp_path, "2023-11-27T10:00:00+07:00", running)
    expected = world.expected_reminders()
    total = sum(expected.values()) + len(world.supervisors)
    await run.bot.until(lambda: delivered(api) >= total, f"{total} messages")
    assert await quiet_for(api, 1.5) == 0

    assert received(api, world, REMINDER) == Counter()
    assert received(api, world, OVERDUE) == expected
    for user in world.officers:
        for message in messages(api, user, OVERDUE):
            code = world.unit_named(message["text"])
            assert "đã hết hạn nộp vào thứ Bảy, 25/11/2023 nhưng đến nay vẫn chưa được nộp" in message["text"]
            assert world.left(code) in message["text"]
            assert buttons(message) == [CONTINUE]
    check_digests(api, world, "đã hết hạn nộp vào thứ Bảy, 25/11/2023. Các đơn vị sau chưa nộp báo cáo:", overdue=True)
    logs = run.bot.logs()
    for missed in ("-7d", "-3d", "-1d", "-0d"):
        assert f"reminder so-ket-2023/report_due/{missed} not sent: superseded" in logs
    assert "reminder so-ket-2023/report_due/overdue: " in logs


# ----- 4. quiet hours ----------------------------------------------------------------------------------


async def test_started_at_night_sends_nothing_until_morning(
    api: FakeBotApi, worlds: Worlds, tmp_path: Path, running: list[BotProcess]
) -> None:
    """21:30 on 21/11, with the 18/11 reminder missed and the 22/11 08:00 one ahead."""
    run = await launch(api, worlds.handful, tmp_path, "2023-11-21T21:30:00+07:00", running)
    await run.bot.until(lambda: LEADER_LINE in run.bot.logs(), "the scheduler")
    assert await quiet_for(api, 2.0) == 0
    assert sends(api) == []
    rows = await plan(run.bot, "2023-11-21T21:30:05+07:00")
    upcoming = [row for row in rows if datetime.fromisoformat(row["at"]) > datetime(2023, 11, 21, 21, 30, tzinfo=ZONE)]
    assert upcoming[0]["key"] == "so-ket-2023/report_due/-3d"
    assert upcoming[0]["at"] == "2023-11-22T08:00:00+07:00"
    assert upcoming[0]["officers"] == sum(worlds.handful.expected_reminders().values())


async def test_a_missed_reminder_deferred_past_the_night_is_superseded_by_that_mornings_one(
    api: FakeBotApi, worlds: Worlds, tmp_path: Path, running: list[BotProcess]
) -> None:
    """Down since before 18/11, started at 06:59:58 on 22/11 (or at 21:30 the evening before: the
    catch-up waits for 07:00 either way)."""
    run = await launch(api, worlds.handful, tmp_path, "2023-11-22T06:59:58+07:00", running)
    await run.bot.until(lambda: LEADER_LINE in run.bot.logs(), "the scheduler")
    sent_at_seven = await quiet_for(api, 3.0)
    rows = await plan(run.bot, "2023-11-22T07:00:05+07:00")
    assert [row["at"] for row in rows][:1] == ["2023-11-22T08:00:00+07:00"]
    assert sent_at_seven == 0


async def test_the_plan_lists_missed_reminders_as_the_scheduler_will_handle_them(
    api: FakeBotApi, worlds: Worlds, tmp_path: Path
) -> None:
    """Before the bot comes back at 10:00 on 22/11: the 22/11 reminder goes out at start, the
    18/11 one never will."""
    copy_database(worlds.handful.path, tmp_path / "baocao.db")
    bot = BotProcess(api, tmp_path, sqlite_url(tmp_path / "baocao.db"))
    now = datetime(2023, 11, 22, 10, 0, tzinfo=ZONE)
    rows = await plan(bot, now.isoformat())
    assert [row["key"].rpartition("/")[2] for row in rows] == ["-3d", "-1d", "-0d", "overdue"]
    assert all(datetime.fromisoformat(row["at"]) >= now for row in rows), rows


# ----- 5. 429 and 403 -----------------------------------------------------------------------------------


BLOCKED, NEVER_STARTED = 102, 103


@dataclass
class Refusals:
    api: FakeBotApi
    world: World
    ledger: dict[str, int]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def refusals(worlds: Worlds, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Refusals]:
    """The 18/11 broadcast to the handful: Telegram answers its first message with 429
    (retry_after=1), one officer has blocked the bot and one never started it; then the Cửa Lò
    supervisor asks /guitin."""
    world = worlds.handful
    running: list[BotProcess] = []
    async with FakeBotApi(token="4747:REFUSALS", global_rate=30, per_chat_rate=1.0) as api:
        try:
            run = await launch(api, world, tmp_path_factory.mktemp("refusals"), "2023-11-18T07:59:58+07:00", running)
            api.block(BLOCKED)
            api.never_started(NEVER_STARTED)
            api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
            expected = world.expected_reminders()
            total = sum(expected.values()) + len(world.supervisors) - 2
            await run.bot.until(
                lambda: delivered(api) >= total and sum(r.status == 403 for r in sends(api)) >= 2,
                f"{total} deliveries and two refusals",
            )
            assert await quiet_for(api, 1.5) == 0
            yield Refusals(api, world, await ledger(api, run.bot, CUA_LO_SUPERVISOR))
        finally:
            for bot in running:
                await bot.stop()


async def test_a_429_is_retried_and_403s_are_counted_as_blocked_and_never_started(refusals: Refusals) -> None:
    api, world = refusals.api, refusals.world
    expected = world.expected_reminders()
    del expected[(BLOCKED, "CAP-CL-NGHIHOA")], expected[(NEVER_STARTED, "XA-DEMO-37")]
    assert received(api, world) == expected
    check_digests(api, world, "(còn 7 ngày)")
    refused = [r for r in sends(api) if r.status == 429]
    assert len(refused) == 1, sends(api)
    # The refused message is sent again (once), after the retry_after Telegram asked for.
    again = [r for r in sends(api) if r.chat_id == refused[0].chat_id and r.time > refused[0].time]
    assert len(again) == 1 and again[0].time - (refused[0].time - refused[0].late) >= 1 - JITTER_ALLOWANCE
    assert api.violations == 0  # the 429 was injected, not provoked
    assert sorted(r.chat_id for r in sends(api) if r.status == 403) == [BLOCKED, NEVER_STARTED]
    assert refusals.ledger == {"total": 4, "sent": 2, "waiting": 0, "failed": 0, "blocked": 1, "never_started": 1}


async def test_after_a_429_nothing_is_sent_until_retry_after_has_passed(refusals: Refusals) -> None:
    refused = next(r for r in sends(refusals.api) if r.status == 429)
    # Certainly after the 429 was answered, and certainly before retry_after had passed, however
    # late the fake got to either.
    during = [
        r for r in sends(refusals.api)
        if refused.time < r.time - r.late and r.time - (refused.time - refused.late) < 1 - JITTER_ALLOWANCE
    ]
    assert during == []


# ----- 6. /nhacnho ---------------------------------------------------------------------------------------


async def test_nhacnho_reminds_the_pending_units_in_scope_once_a_day(
    api: FakeBotApi, worlds: Worlds, tmp_path: Path, running: list[BotProcess]
) -> None:
    world = worlds.handful
    run = await launch(api, world, tmp_path, "2023-11-17T10:00:00+07:00", running)  # before any slot
    supervisor = Officer(api.user(CUA_LO_SUPERVISOR), run.bot)
    in_scope = world.expected_reminders(within="NA-CL")
    unlinked = [c for c in world.unlinked() if "NA-CL" in world.lineage(c)]

    first = await supervisor.command("nhacnho", "đã đưa")
    assert first["text"].startswith(
        f"Nhắc hạn — {CAMPAIGN_2023}: đã đưa {len(in_scope)} tin vào hàng chờ gửi đến {len(in_scope)} đơn vị chưa nộp báo cáo.\n"
        f"{len(unlinked)} đơn vị chưa có cán bộ liên kết"
    ), first["text"]
    for code in unlinked:
        assert f"• {world.units[code].name}\n" in first["text"]
    await run.bot.until(lambda: received(api, world) == in_scope, "the reminders in scope")
    for user, code in in_scope:
        check_reminder(world, messages(api, user, REMINDER)[0], code, days_left=8)

    await asyncio.sleep(1.1)  # replies to a person are not paced; a person does not type twice a second
    second = await supervisor.command("nhacnho", "đã đưa")
    assert second["text"].startswith(
        f"Nhắc hạn — {CAMPAIGN_2023}: đã đưa 0 tin vào hàng chờ gửi đến 0 đơn vị chưa nộp báo cáo.\n"
        f"{len(in_scope)} đơn vị đã được nhắc trong hôm nay nên không nhắc lại."
    ), second["text"]
    await quiet_period(1.5)
    assert received(api, world) == in_scope  # nothing more, and nothing outside Cửa Lò
    assert api.violations == 0


# ----- 7. two workers on PostgreSQL ------------------------------------------------------------------


@dataclass
class TwoWorkers:
    api: FakeBotApi
    world: World
    logs: list[str]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def two_workers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TwoWorkers]:
    """Two `baocao run` processes on one PostgreSQL schema, both polling the same fake API (the
    inbox de-duplicates), through the 18/11 08:00 broadcast to the province's 150 officers."""
    root = tmp_path_factory.mktemp("two-workers")
    workers: list[BotProcess] = []
    async with own_postgres_schema() as url:
        await seed_demo(url)
        world = await populate(url, root / "unused.db", province_layout)
        async with FakeBotApi(token="4646:WORKERS", global_rate=30, per_chat_rate=1.0) as api:
            for user in world.people:
                api.user(user, f"Người {user}")
            try:
                for n in (1, 2):
                    workdir = root / f"worker-{n}"
                    workdir.mkdir()
                    workers.append(BotProcess(api, workdir, url, now="2023-11-18T07:59:58+07:00"))
                    await workers[-1].start()
                total = sum(world.expected_reminders().values()) + len(world.supervisors)
                await workers[0].until(lambda: delivered(api) >= total, f"{total} messages")
                await quiet_for(api, 1.5)
            finally:
                for worker in workers:
                    await worker.stop()
            yield TwoWorkers(api, world, [worker.logs() for worker in workers])


async def test_two_workers_on_postgresql_send_each_reminder_once(two_workers: TwoWorkers) -> None:
    api, world = two_workers.api, two_workers.world
    assert received(api, world) == world.expected_reminders()
    check_digests(api, world, "(còn 7 ngày)")
    assert [LEADER_LINE in logs for logs in two_workers.logs].count(True) == 1
    assert sum("so-ket-2023/report_due/-7d: 152 messages queued" in logs for logs in two_workers.logs) == 1


async def test_two_workers_on_postgresql_stay_within_the_limits_together(two_workers: TwoWorkers) -> None:
    assert two_workers.api.violations == 0
