"""The migrations build exactly the schema the models declare, re-running them is harmless, and
migrating a database that holds data keeps the data."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import bindparam, inspect, text
from sqlalchemy.engine import Connection

from storage.database import create_engine
from storage.migrate import downgrade, upgrade
from storage.models import UtcDateTime
from storage.schema import METADATA

HEAD = "0022"


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, METADATA))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
            assert await connection.run_sync(_tables) == {*METADATA.tables, "alembic_version"}
    finally:
        await engine.dispose()


async def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO people (full_name, created_at) VALUES ('Nguyễn Văn A', CURRENT_TIMESTAMP)")
            )
        await upgrade(database_url)
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all() == [
                HEAD
            ]
            assert (await connection.execute(text("SELECT count(*) FROM people"))).scalar_one() == 1
    finally:
        await engine.dispose()


# A unit with a report and two answer versions, written as 0001 knew them (plain SQL: the models
# describe the newest schema, not this one).
ROWS_AT_0001 = (
    "INSERT INTO people (id, full_name, created_at) VALUES (1, 'Nguyễn Văn A', CURRENT_TIMESTAMP)",
    ("INSERT INTO units (id, code, name, kind, demo, created_at)"
     " VALUES (1, 'CAP-CL-NGHIHAI', 'Công an phường Nghi Hải', 'cap', FALSE, CURRENT_TIMESTAMP)"),
    ("INSERT INTO campaigns (id, code, title_vi, basis, opens, reminders, created_at)"
     " VALUES (1, 'so-ket-2023', 'Sơ kết 2023', 'KH 883', '2023-11-01', '{}', CURRENT_TIMESTAMP)"),
    ("INSERT INTO enrolments (id, campaign_id, unit_id, form_id, created_at)"
     " VALUES (1, 1, 1, 'cap-22', CURRENT_TIMESTAMP)"),
    ("INSERT INTO reports (id, enrolment_id, status, submission_count, receipt_no, submitted_by, reopened,"
     " created_at, updated_at)"
     " VALUES (1, 1, 'submitted', 1, 'BC-000001-1', 1, '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
    ("INSERT INTO answers (report_id, question_id, version, value, author_id, created_at)"
     " VALUES (1, 'TC.1', 1, '{\"text\": \"một\"}', 1, CURRENT_TIMESTAMP)"),
    ("INSERT INTO answers (report_id, question_id, version, value, author_id, created_at)"
     " VALUES (1, 'TC.1', 2, '{\"text\": \"hai\"}', 1, CURRENT_TIMESTAMP)"),
)
KEPT = (
    "SELECT full_name FROM people",
    "SELECT code, name FROM units",
    "SELECT unit_id, form_id FROM enrolments",
    "SELECT id, status, receipt_no, submission_count FROM reports",
    "SELECT question_id, version, author_id FROM answers ORDER BY version",
)


async def test_upgrading_a_database_with_data_keeps_it_and_can_be_undone(database_url: str) -> None:
    await upgrade(database_url, "0001")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            for statement in ROWS_AT_0001:
                await connection.execute(text(statement))
        async with engine.connect() as connection:
            before = [(await connection.execute(text(query))).all() for query in KEPT]
        assert [len(rows) for rows in before] == [1, 1, 1, 1, 2]

        await upgrade(database_url)
        async with engine.begin() as connection:
            assert [(await connection.execute(text(query))).all() for query in KEPT] == before
            assert (await connection.execute(text("SELECT return_comment FROM reports"))).scalar_one() is None
            assert await connection.run_sync(_diff) == []
            await connection.execute(
                text(
                    "INSERT INTO audit (at, action, actor_id, unit_id, report_id)"
                    " VALUES (CURRENT_TIMESTAMP, 'return', 1, 1, 1)"
                )
            )
            await connection.execute(text("UPDATE reports SET return_comment = 'Bổ sung số liệu'"))
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT details FROM audit"))).scalar_one() in ({}, "{}")

        await downgrade(database_url, "0001")
        async with engine.connect() as connection:
            assert [(await connection.execute(text(query))).all() for query in KEPT] == before
            assert "audit" not in await connection.run_sync(_tables)
            columns = await connection.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns("reports")})
            assert "return_comment" not in columns
    finally:
        await engine.dispose()


async def test_a_report_returned_before_0016_keeps_what_was_revised(database_url: str) -> None:
    """The versions saved before the return are where the reopened answers stood; one saved
    after it (TC.1's second) has revised its question."""
    await upgrade(database_url, "0001")
    engine = create_engine(database_url)
    saved, returned = datetime(2023, 11, 20, 2, tzinfo=timezone.utc), datetime(2023, 11, 21, 2, tzinfo=timezone.utc)
    try:
        async with engine.begin() as connection:
            for statement in ROWS_AT_0001:
                await connection.execute(text(statement))
        await upgrade(database_url, "0015")
        async with engine.begin() as connection:
            at = bindparam("at", type_=UtcDateTime())
            await connection.execute(
                text(
                    "INSERT INTO answers (report_id, question_id, version, value, author_id, created_at)"
                    " VALUES (1, 'TC.2', 1, '{\"text\": \"ba\"}', 1, :at), (1, 'TC.4', 1, '{\"text\": \"bốn\"}', 1, :at)"
                ).bindparams(at),
                {"at": saved},
            )
            await connection.execute(
                text("UPDATE answers SET created_at = :at WHERE question_id = 'TC.1' AND version = 1").bindparams(at), {"at": saved}
            )
            await connection.execute(
                text("UPDATE reports SET status = 'returned', returned_at = :at, reopened = '[\"TC.1\", \"TC.2\", \"TC.3\"]'").bindparams(at),
                {"at": returned},
            )
        await upgrade(database_url)
        async with engine.connect() as connection:
            stood_at = (await connection.execute(text("SELECT reopened_versions FROM reports"))).scalar_one()
        assert (json.loads(stood_at) if isinstance(stood_at, str) else stood_at) == {"TC.1": 1, "TC.2": 1}
        await downgrade(database_url, "0015")
        async with engine.connect() as connection:
            columns = await connection.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns("reports")})
        assert "reopened_versions" not in columns and "reopened" in columns
    finally:
        await engine.dispose()


async def test_reports_count_their_answers_from_0020_on(database_url: str) -> None:
    """What was answered before 0020 is counted when it runs; what is answered after, as it is written."""
    await upgrade(database_url, "0001")
    engine = create_engine(database_url)
    counts = text("SELECT answered, answered_criteria FROM reports")
    try:
        async with engine.begin() as connection:
            for statement in ROWS_AT_0001:
                await connection.execute(text(statement))
        await upgrade(database_url)
        async with engine.begin() as connection:
            assert tuple((await connection.execute(counts)).one()) == (1, 1)  # TC.1, in two versions
            assert (await connection.execute(text("SELECT name_key FROM units"))).scalar_one() == "cong an phuong nghi hai"
            for question_id, version in (("TC.1", 3), ("TC.2", 1), ("Q.7", 1)):
                await connection.execute(
                    text(
                        "INSERT INTO answers (report_id, question_id, version, value, author_id, created_at)"
                        f" VALUES (1, '{question_id}', {version}, '{{}}', 1, CURRENT_TIMESTAMP)"
                    )
                )
            assert tuple((await connection.execute(counts)).one()) == (3, 2)
            assert (await connection.execute(text("SELECT last_answer_at FROM reports"))).scalar_one() is not None
    finally:
        await engine.dispose()


async def test_answers_written_before_0021_get_their_criterion_status(database_url: str) -> None:
    """0021 copies each stored criterion's status and eligibility out of its value; a value
    without them (a text, a skip) leaves both empty."""
    await upgrade(database_url, "0020")
    engine = create_engine(database_url)
    values = {"TC.1": {"status": "chua_den", "eligible": True, "narrative": "x"}, "TC.2": {"status": "dat"}, "Q.7": {"skipped": True}}
    try:
        async with engine.begin() as connection:
            for statement in ROWS_AT_0001[:-2]:
                await connection.execute(text(statement))
            for question_id, value in values.items():
                await connection.execute(
                    text(
                        "INSERT INTO answers (report_id, question_id, version, value, author_id, created_at)"
                        " VALUES (1, :question, 1, :value, 1, CURRENT_TIMESTAMP)"
                    ),
                    {"question": question_id, "value": json.dumps(value)},
                )
        await upgrade(database_url)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT question_id, criterion_status, eligible FROM answers ORDER BY question_id"))).all()
        assert [(q, s, None if e is None else bool(e)) for q, s, e in rows] == [("Q.7", None, None), ("TC.1", "chua_den", True), ("TC.2", "dat", None)]
    finally:
        await engine.dispose()


async def test_reports_count_their_criteria_by_status_from_0022_on(database_url: str) -> None:
    """0022 counts the statuses of each report's current criteria answers; after it, a new
    version moves the count from the status it replaces to its own."""
    await upgrade(database_url, "0021")
    engine = create_engine(database_url)
    counts = text("SELECT criteria_met, criteria_not_met, criteria_not_yet_due FROM reports")
    insert = text(
        "INSERT INTO answers (report_id, question_id, version, value, criterion_status, author_id, created_at)"
        " VALUES (1, :question, :version, '{}', :status, 1, CURRENT_TIMESTAMP)"
    )
    try:
        async with engine.begin() as connection:
            for statement in ROWS_AT_0001[:-2]:
                await connection.execute(text(statement))
            for question, version, status in (("TC.1", 1, "chua_dat"), ("TC.1", 2, "dat"), ("TC.2", 1, "chua_den"), ("I.1", 1, None)):
                await connection.execute(insert, {"question": question, "version": version, "status": status})
        await upgrade(database_url)
        async with engine.begin() as connection:
            assert tuple((await connection.execute(counts)).one()) == (1, 0, 1)  # TC.1's newer version, TC.2
            await connection.execute(insert, {"question": "TC.2", "version": 2, "status": "chua_dat"})
            await connection.execute(insert, {"question": "TC.3", "version": 1, "status": None})  # a skip
            assert tuple((await connection.execute(counts)).one()) == (1, 1, 0)
    finally:
        await engine.dispose()
