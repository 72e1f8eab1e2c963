"""Reminders over real storage: who is pending and who hears of it (bot/reminders/composing.py reading the
database), and the outbox that carries them, which never sends the same reminder twice,
whatever restarts or how many workers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event, func, inspect, select, text, update
from sqlalchemy.engine import Connection

from bot.base.events import Button, Reply
from bot.base.outbox import DeliveryState, MessageKind, OutboxMessage
from bot.base.records import ChatRecord, Recipient, Role
from bot.base.report_status import ReportStatus
from bot.catalog.model import UnitSpec
from bot.organisation.units import UnitTree
from bot.reminders.composing import nearest_supervisors, pending_units
from harness.waiting import EVENT_CEILING
from storage.database import create_engine
from storage.machinery_models import OutboxRow
from storage.migrate import downgrade, upgrade
from storage.models import Chat, GrantRow, Person
from storage.seed import load_units
from storage.unit_of_work import SqlUnitOfWork, UnitOfWorkFactory
from tests.demo_province import load_demo_province, unit_ids
from tests.report_moves import approve, return_report, submit

CAMPAIGN = "so-ket-2023"
T0 = datetime(2023, 11, 20, 1, 0, tzinfo=timezone.utc)
ANSWER = {"status": "dat", "narrative": "Đạt"}
SLOT = f"{CAMPAIGN}/report_due/-3d"

LEASE = timedelta(minutes=5)
"""The tests step through minutes; a lease of five keeps a fresh claim from looking dead."""


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
async def demo(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    return await load_demo_province(uow_factory)


async def person(
    factory: UnitOfWorkFactory,
    name: str,
    grants: list[tuple[int, Role]],
    chats: Sequence[tuple[str, datetime, dict[str, Any]]] = (),
    locale: str | None = None,
) -> int:
    """A person with these grants (unit id, role), chats (chat id, last active, state) and the
    language they chose (None: never chosen)."""
    async with factory() as uow:
        row = Person(full_name=name, created_at=T0, locale=locale)
        uow.session.add(row)
        await uow.session.flush()
        for unit_id, role in grants:
            uow.session.add(GrantRow(person_id=row.id, unit_id=unit_id, role=role.value, created_at=T0))
        for chat_id, active, state in chats:
            await uow.chats.save(ChatRecord("telegram", chat_id, row.id, state), active)
        return row.id


async def draft(factory: UnitOfWorkFactory, unit_id: int) -> int:
    async with factory() as uow:
        report = await uow.reports.open_unit(CAMPAIGN, unit_id, T0)
    assert report is not None
    return report.id


@contextmanager
def selects(factory: UnitOfWorkFactory) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    event_target = factory.engine.sync_engine
    event.listen(event_target, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(event_target, "before_cursor_execute", count)


def message(key: str, person_id: int, unit_id: int | None = None, chat_id: str = "1001") -> OutboxMessage:
    return OutboxMessage(
        key=key,
        person_id=person_id,
        channel="telegram",
        chat_id=chat_id,
        reply=Reply(
            f"Nhắc {key}",
            ((Button("Tiếp tục báo cáo", "open_report"),), (Button("Bỏ qua", "skip"), Button("Trợ giúp", "help"))),
            step=0,
        ),
        kind=MessageKind.REMINDER,
        campaign_code=CAMPAIGN,
        unit_id=unit_id,
    )


# --- who is pending ---------------------------------------------------------------------------


async def test_pending_units_are_the_unsubmitted_ones_with_their_progress(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    officer = await person(demo, "Nguyễn Văn An", [(ids["CAP-CL-NGHIHAI"], Role.REPORTER)])
    ward, commune, agency, town, other = (
        ids[c] for c in ("CAP-CL-NGHIHAI", "XA-DEMO-01", "CQ-DEMO-01", "NA-CL", "XA-DEMO-02")
    )
    reports = {unit: await draft(demo, unit) for unit in (ward, commune, agency, town, other)}
    async with demo() as uow:
        # Returned: three questions answered (one twice), two of them criteria.
        await uow.reports.save_answers(reports[ward], {"TC.1": ANSWER, "TC.2": ANSWER, "GT.1": ANSWER}, officer, at(1))
        await uow.reports.save_answers(reports[ward], {"TC.1": ANSWER}, officer, at(2))
        await submit(uow, reports[ward], officer, at(3))
        await return_report(uow, reports[ward], ["TC.2"], "Bổ sung", officer, at(4))
        # Approved and submitted: nobody is reminded of them.
        await uow.reports.save_answers(reports[commune], {"TC.1": ANSWER}, officer, at(1))
        await submit(uow, reports[commune], officer, at(2))
        await approve(uow, reports[commune], officer, at(3))
        await submit(uow, reports[town], officer, at(2))
        # Resubmitted after a return: handed in again, so not pending either.
        await submit(uow, reports[other], officer, at(2))
        await return_report(uow, reports[other], ["TC.1"], "Sửa", officer, at(3))
        await submit(uow, reports[other], officer, at(4))
        # A draft with one criterion answered ("tc.1" is not a criterion id: the prefix is exact).
        await uow.reports.save_answers(reports[agency], {"TC.3": ANSWER, "tc.1": ANSWER}, officer, at(1))
        pending = {unit.row.unit_id: unit for unit in await pending_units(uow, CAMPAIGN)}
        enrolled = len(await uow.reports.enrolments(CAMPAIGN, list(ids.values())))

    assert len(pending) == enrolled - 3 == 113
    assert not {commune, town, other} & set(pending)
    returned = pending[ward]
    assert (returned.row.report_id, returned.row.status, returned.row.form_id) == (reports[ward], ReportStatus.RETURNED, "cap-22")
    assert (returned.row.answered, returned.row.answered_criteria) == (3, 2)
    assert returned.reporters == ()  # the officer has no chat linked
    assert (pending[agency].row.status, pending[agency].row.answered, pending[agency].row.answered_criteria) == (
        ReportStatus.DRAFT,
        2,
        1,
    )
    never_opened = pending[ids["XA-DEMO-40"]].row
    assert (never_opened.report_id, never_opened.status, never_opened.answered, never_opened.answered_criteria) == (
        None,
        None,
        0,
        0,
    )
    async with demo() as uow:
        assert await pending_units(uow, "no-such-campaign") == []


async def test_pending_units_keep_to_the_given_units_and_cost_two_queries(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    for index, code in enumerate(("CAP-CL-NGHIHAI", "XA-DEMO-01", "CQ-DEMO-01", "XA-DEMO-40")):
        await person(demo, f"Cán bộ {index}", [(ids[code], Role.REPORTER)], [(f"90{index}", T0, {})])
        await draft(demo, ids[code])
    scope = [ids["CAP-CL-NGHIHAI"], ids["XA-DEMO-01"], ids["NA"], ids["NA-CAT"]]
    costs = []
    for given in (scope, None, list(ids.values())):
        with selects(demo) as statements:
            async with demo() as uow:
                listed = await pending_units(uow, CAMPAIGN, given)
        costs.append(len(statements))
        assert sum(len(unit.reporters) for unit in listed) == (2 if given is scope else 4)
        if given is scope:
            # NA and its police are not enrolled in this campaign.
            assert {unit.row.unit_id for unit in listed} == {ids["CAP-CL-NGHIHAI"], ids["XA-DEMO-01"]}
        else:
            assert len(listed) == 116
    assert costs == [2, 2, 2]
    async with demo() as uow:
        assert await pending_units(uow, CAMPAIGN, []) == []


async def test_reporters_are_reached_in_their_latest_open_chat_or_left_out(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    ward = ids["CAP-CL-NGHIHAI"]
    two_chats = await person(
        demo,
        "Bùi Thị Hoa",
        [(ward, Role.REPORTER)],
        [("701", at(1), {}), ("702", at(5), {"step": 3}), ("703", at(2), {})],
        locale="en",
    )
    await person(demo, "Không Có Chat", [(ward, Role.REPORTER)])
    blocked = await person(demo, "Đã Chặn Bot", [(ward, Role.REPORTER)], [("801", at(9), {"locale": "en"})])
    no_locale = await person(demo, "An Văn Lê", [(ward, Role.REPORTER)], [("901", at(1), {"step": 1})])
    await person(demo, "Giám Sát", [(ward, Role.SUPERVISOR)], [("991", at(1), {})])
    revoked = await person(demo, "Đã Thu Hồi", [(ward, Role.REPORTER)], [("992", at(1), {})])
    async with demo() as uow:
        await uow.session.execute(update(GrantRow).where(GrantRow.person_id == revoked).values(revoked_at=at(2)))
        await uow.session.execute(update(Chat).where(Chat.chat_id == "801").values(blocked_at=at(3)))
        (unit,) = await pending_units(uow, CAMPAIGN, [ward])
    assert unit.reporters == (
        Recipient(no_locale, "An Văn Lê", "telegram", "901", "vi"),
        Recipient(two_chats, "Bùi Thị Hoa", "telegram", "702", "en"),
    )
    assert blocked not in {r.person_id for r in unit.reporters}


# --- who hears of units nobody can be reminded in ---------------------------------------------


async def supervisors_of(uow: SqlUnitOfWork, unit_ids: list[int]) -> dict[int, tuple[Recipient, ...]]:
    return await nearest_supervisors(uow, UnitTree(await uow.units.units()), unit_ids)


async def test_supervisors_of_a_unit_are_those_of_the_nearest_level_above_it(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    ward, other_ward, town = ids["CAP-CL-NGHIHAI"], ids["CAP-TH-HOAHIEU"], ids["NA-CL"]
    district = await person(demo, "Trần Thị Bình", [(town, Role.SUPERVISOR)], [("501", T0, {})], locale="en")
    district_no_chat = await person(demo, "Chưa Có Chat", [(town, Role.SUPERVISOR)])
    province = await person(demo, "Lê Văn Tỉnh", [(ids["NA"], Role.SUPERVISOR)], [("601", T0, {})])
    # Supervising the ward itself does not make you its supervisor's level: the parent comes first.
    await person(demo, "Phường Tự Giám Sát", [(ward, Role.SUPERVISOR)], [("602", T0, {})])
    # A reporter on the district is not a supervisor.
    await person(demo, "Báo Cáo Viên", [(town, Role.REPORTER)], [("603", T0, {})])
    async with demo() as uow:
        found = await supervisors_of(uow, [ward, other_ward, town, ids["NA"]])
    by_code = {code: [r.person_id for r in found[unit]] for code, unit in ids.items() if unit in found}
    assert by_code == {
        "CAP-CL-NGHIHAI": [district],
        "CAP-TH-HOAHIEU": [province],
        "NA-CL": [province],
        "NA": [],
    }
    assert found[ward][0] == Recipient(district, "Trần Thị Bình", "telegram", "501", "en")
    assert district_no_chat not in by_code["CAP-CL-NGHIHAI"]

    # Nearest level with supervisors who all blocked the bot: still that level, nobody reachable.
    async with demo() as uow:
        await uow.session.execute(update(Chat).where(Chat.chat_id == "501").values(blocked_at=at(1)))
        assert (await supervisors_of(uow, [ward]))[ward] == ()
        assert await supervisors_of(uow, []) == {}


async def test_supervisors_of_the_whole_province_cost_two_queries(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    await person(demo, "Lê Văn Tỉnh", [(ids["NA"], Role.SUPERVISOR)], [("601", T0, {})])
    with selects(demo) as statements:
        async with demo() as uow:
            found = await supervisors_of(uow, list(ids.values()))
    assert len(statements) == 2
    assert len(found) == len(ids)
    assert sum(1 for recipients in found.values() if recipients) == len(ids) - 1


# --- the outbox -------------------------------------------------------------------------------


@pytest.fixture
async def officer(uow_factory: UnitOfWorkFactory) -> tuple[int, int]:
    """A small tree and one linked reporter: (person id, unit id)."""
    async with uow_factory() as uow:
        await load_units(
            uow,
            [
                UnitSpec("NA", "Tỉnh Nghệ An", "tinh", None, False),
                UnitSpec("NA-CL", "Thị xã Cửa Lò", "huyen", "NA", False),
                UnitSpec("CAP-CL-NGHIHAI", "Công an phường Nghi Hải", "cap", "NA-CL", False),
            ],
        )
    ids = await unit_ids(uow_factory)
    person_id = await person(
        uow_factory, "Nguyễn Văn An", [(ids["CAP-CL-NGHIHAI"], Role.REPORTER)], [("1001", T0, {"locale": "vi"})]
    )
    return person_id, ids["CAP-CL-NGHIHAI"]


async def test_enqueueing_the_same_reminders_again_adds_nothing(
    uow_factory: UnitOfWorkFactory, officer: tuple[int, int]
) -> None:
    person_id, unit_id = officer
    batch = [message(f"{SLOT}/{n}", person_id, unit_id) for n in range(3)]
    async with uow_factory() as uow:
        assert await uow.outbox.enqueue(batch + batch[:1], T0) == 3
    async with uow_factory() as uow:
        assert await uow.outbox.enqueue(batch, at(1)) == 0
        assert await uow.outbox.enqueue([], at(1)) == 0
        assert await uow.outbox.enqueue([message(f"{SLOT}/new", person_id, unit_id)], at(1)) == 1
        (item, *_) = await uow.outbox.claim(10, at(1), "telegram", LEASE)
    assert item.message == batch[0]
    assert item.attempts == 1


async def test_concurrent_enqueues_of_one_batch_keep_one_copy_each(
    uow_factory: UnitOfWorkFactory, officer: tuple[int, int]
) -> None:
    person_id, unit_id = officer
    batch = [message(f"{SLOT}/{n:03}", person_id, unit_id) for n in range(40)]

    async def enqueue() -> int:
        async with uow_factory() as uow:
            return await uow.outbox.enqueue(batch, T0)

    assert sum(await asyncio.wait_for(asyncio.gather(*(enqueue() for _ in range(10))), EVENT_CEILING)) == 40
    async with uow_factory() as uow:
        rows = (await uow.session.execute(select(OutboxRow.key, func.count()).group_by(OutboxRow.key))).all()
    assert sorted(rows) == [(m.key, 1) for m in batch]


async def test_concurrent_claimers_take_disjoint_rows(uow_factory: UnitOfWorkFactory, officer: tuple[int, int]) -> None:
    person_id, unit_id = officer
    async with uow_factory() as uow:
        assert await uow.outbox.enqueue([message(f"{SLOT}/{n:03}", person_id, unit_id) for n in range(100)], T0) == 100
    first, second = uow_factory(), uow_factory()
    if uow_factory.engine.dialect.name == "postgresql":
        # Both transactions open at once: the second skips the rows the first has locked.
        async with first, second:
            mine = await asyncio.wait_for(first.outbox.claim(50, at(1), "telegram", LEASE), EVENT_CEILING)
            theirs = await asyncio.wait_for(second.outbox.claim(50, at(1), "telegram", LEASE), EVENT_CEILING)
    else:
        # SQLite: BEGIN IMMEDIATE makes the two take turns.
        async def claim(uow: Any) -> Any:
            async with uow:
                return await uow.outbox.claim(50, at(1), "telegram", LEASE)

        mine, theirs = await asyncio.wait_for(asyncio.gather(claim(first), claim(second)), EVENT_CEILING)
    claimed = [item.id for item in mine] + [item.id for item in theirs]
    assert len(mine) == len(theirs) == 50
    assert len(set(claimed)) == 100
    async with uow_factory() as uow:
        assert await uow.outbox.claim(50, at(2), "telegram", LEASE) == []
        states = (await uow.session.execute(select(OutboxRow.state, OutboxRow.attempts).distinct())).all()
    assert states == [("sending", 1)]


async def test_stale_claims_come_back_and_retries_wait_their_turn(
    uow_factory: UnitOfWorkFactory, officer: tuple[int, int]
) -> None:
    person_id, unit_id = officer
    async with uow_factory() as uow:
        await uow.outbox.enqueue([message(f"{SLOT}/{n}", person_id, unit_id) for n in range(3)], T0)
    async with uow_factory() as uow:
        # Not yet due: nothing; then all three in id order.
        assert await uow.outbox.claim(10, T0 - timedelta(seconds=1), "telegram", LEASE) == []
        items = await uow.outbox.claim(10, T0, "telegram", LEASE)
    assert [item.message.key for item in items] == [f"{SLOT}/{n}" for n in range(3)]
    stuck, retried, sent = items
    async with uow_factory() as uow:
        await uow.outbox.mark(retried.id, DeliveryState.PENDING, at(1), error="429 Too Many Requests", retry_at=at(10))
        await uow.outbox.mark(sent.id, DeliveryState.SENT, at(1))
    async with uow_factory() as uow:
        # Within the lease the stuck row is still taken to be sending, and the retry is not due.
        assert await uow.outbox.claim(10, at(4), "telegram", LEASE) == []
    async with uow_factory() as uow:
        back = await uow.outbox.claim(10, at(6), "telegram", LEASE)
    assert [(item.id, item.attempts) for item in back] == [(stuck.id, 2)]
    async with uow_factory() as uow:
        again = await uow.outbox.claim(10, at(10), "telegram", LEASE)
    assert [(item.id, item.attempts, item.message) for item in again] == [(retried.id, 2, retried.message)]
    async with uow_factory() as uow:
        rows = {
            row.id: row
            for row in await uow.session.execute(
                select(OutboxRow.id, OutboxRow.state, OutboxRow.sent_at, OutboxRow.error, OutboxRow.next_attempt_at)
            )
        }
    assert (rows[sent.id].state, rows[sent.id].sent_at) == ("sent", at(1))
    assert (rows[retried.id].state, rows[retried.id].error, rows[retried.id].next_attempt_at) == (
        "sending",
        "429 Too Many Requests",
        at(10),
    )
    async with uow_factory() as uow:
        with pytest.raises(LookupError):
            await uow.outbox.mark(999_999, DeliveryState.SENT, at(11))
    async with uow_factory() as uow:
        with pytest.raises(ValueError):
            await uow.outbox.mark(sent.id, DeliveryState.SENDING, at(11))


async def test_a_refused_send_flags_the_chat_until_the_person_writes_again(demo: UnitOfWorkFactory) -> None:
    ids = await unit_ids(demo)
    ward, commune = ids["CAP-CL-NGHIHAI"], ids["XA-DEMO-01"]
    blocker = await person(demo, "Chặn Bot", [(ward, Role.REPORTER)], [("301", T0, {"locale": "en"})])
    stranger = await person(demo, "Chưa Bắt Đầu", [(ward, Role.REPORTER)], [("302", T0, {})])
    loyal = await person(demo, "Trung Thành", [(ward, Role.REPORTER), (commune, Role.REPORTER)], [("303", T0, {})])
    async with demo() as uow:
        (unit,) = await pending_units(uow, CAMPAIGN, [ward])
        messages = [message(f"{SLOT}/{ward}", r.person_id, ward, r.chat_id) for r in unit.reporters]
        messages.append(message(f"{SLOT}/{commune}", loyal, commune, "303"))
        messages.append(OutboxMessage(f"{SLOT}/digest", loyal, "telegram", "303", Reply("Tổng hợp"), MessageKind.DIGEST, CAMPAIGN))
        assert await uow.outbox.enqueue(messages, T0) == 5
    async with demo() as uow:
        items = {(item.message.person_id, item.message.unit_id): item for item in await uow.outbox.claim(10, T0, "telegram", LEASE)}
        await uow.outbox.mark(items[blocker, ward].id, DeliveryState.BLOCKED, at(1), error="403 blocked by user")
        await uow.outbox.mark(items[stranger, ward].id, DeliveryState.NEVER_STARTED, at(1), error="403 not started")
        await uow.outbox.mark(items[loyal, ward].id, DeliveryState.SENT, at(1))
        await uow.outbox.mark(items[loyal, commune].id, DeliveryState.FAILED, at(1), error="400 chat not found")
    async with demo() as uow:
        flags = dict((await uow.session.execute(select(Chat.chat_id, Chat.blocked_reason))).all())
        (unit,) = await pending_units(uow, CAMPAIGN, [ward])
        ledger = await uow.outbox.ledger(CAMPAIGN, [ward])
        both = await uow.outbox.ledger(CAMPAIGN, [ward, commune])
        nothing = {kind: dict.fromkeys(DeliveryState, 0) for kind in MessageKind}
        assert await uow.outbox.ledger("so-ket-2023-2024", [ward]) == nothing
        assert await uow.outbox.ledger(CAMPAIGN, []) == nothing
    assert flags == {"301": "blocked", "302": "never_started", "303": None}
    assert [r.person_id for r in unit.reporters] == [loyal]
    reminders = {**dict.fromkeys(DeliveryState, 0), "blocked": 1, "never_started": 1, "sent": 1}
    assert ledger == {**nothing, MessageKind.REMINDER: reminders}
    assert both == {**nothing, MessageKind.REMINDER: {**reminders, DeliveryState.FAILED: 1}}
    assert list(both[MessageKind.REMINDER]) == list(DeliveryState)

    # Writing to the bot again (a saved turn) lifts the flag.
    async with demo() as uow:
        await uow.chats.save(ChatRecord("telegram", "301", blocker, {"locale": "en"}), at(30))
        (unit,) = await pending_units(uow, CAMPAIGN, [ward])
    assert [r.person_id for r in unit.reporters] == [blocker, loyal]


async def test_a_slot_is_recorded_once(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert not await uow.reminder_runs.fired(SLOT)
        assert await uow.reminder_runs.record(SLOT, "enqueued", T0)
        assert await uow.reminder_runs.fired(SLOT)
    async with uow_factory() as uow:
        assert not await uow.reminder_runs.record(SLOT, "dropped", at(1))
        assert not await uow.reminder_runs.fired(f"{CAMPAIGN}/report_due/overdue")


async def test_units_reminded_today_by_hand(uow_factory: UnitOfWorkFactory, officer: tuple[int, int]) -> None:
    person_id, ward = officer
    ids = await unit_ids(uow_factory)
    town = ids["NA-CL"]
    today = f"manual/{CAMPAIGN}/2023-11-20/"
    async with uow_factory() as uow:
        await uow.outbox.enqueue(
            [
                message(f"{today}{ward}", person_id, ward),
                message(f"manual/{CAMPAIGN}/2023-11-19/{town}", person_id, town),
                message(f"{SLOT}", person_id, town),
            ],
            T0,
        )
    async with uow_factory() as uow:
        assert await uow.outbox.units_with_key([ward, town, ids["NA"]], today) == {ward}
        assert await uow.outbox.units_with_key([town], today) == frozenset()
        # The day key is a prefix compared literally: "_" and "%" are not wildcards.
        assert await uow.outbox.units_with_key([ward, town], f"manual/{CAMPAIGN}/2023-11-2_/") == frozenset()
        assert await uow.outbox.units_with_key([], today) == frozenset()


# --- the migration ----------------------------------------------------------------------------


async def test_migration_0003_keeps_existing_chats_and_can_be_undone(database_url: str) -> None:
    await upgrade(database_url, "0002")
    engine = create_engine(database_url)

    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    def chat_columns(connection: Connection) -> set[str]:
        return {column["name"] for column in inspect(connection).get_columns("chats")}

    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO people (id, full_name, created_at) VALUES (1, 'Nguyễn Văn A', CURRENT_TIMESTAMP)")
            )
            await connection.execute(
                text(
                    "INSERT INTO chats (channel, chat_id, person_id, state, created_at, updated_at)"
                    " VALUES ('telegram', '42', 1, '{\"locale\": \"en\"}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        await upgrade(database_url)
        async with engine.begin() as connection:
            assert (
                await connection.execute(text("SELECT chat_id, person_id, blocked_at, blocked_reason FROM chats"))
            ).all() == [("42", 1, None, None)]
            assert {"outbox", "reminder_runs"} <= await connection.run_sync(tables)
            await connection.execute(
                text(
                    "INSERT INTO outbox (key, person_id, channel, chat_id, kind, text, next_attempt_at, created_at)"
                    " VALUES ('k', 1, 'telegram', '42', 'reminder', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            defaults = (await connection.execute(text("SELECT state, attempts, buttons FROM outbox"))).one()
            assert defaults[:2] == ("pending", 0) and defaults[2] in ([], "[]")
        await downgrade(database_url, "0002")
        async with engine.connect() as connection:
            assert not {"outbox", "reminder_runs"} & await connection.run_sync(tables)
            assert not {"blocked_at", "blocked_reason"} & await connection.run_sync(chat_columns)
            assert (await connection.execute(text("SELECT chat_id FROM chats"))).scalars().all() == ["42"]
    finally:
        await engine.dispose()
