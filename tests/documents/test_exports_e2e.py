"""End to end, a file asked for is made outside the bot's process: the real `baocao run` over
the demo province, python-telegram-bot over HTTP, the fake Bot API, and the province's
supervisor. The tests form one story over one bot process, in file order:

1. two files asked for at once: the first is being prepared, the second told its place in the
   queue; both arrive, in order, once each; and the bot's own process never imported what lays
   the files out (python-docx, openpyxl, matplotlib);
2. the worker is killed (SIGKILL) while it makes a file: restarted, it takes the request over
   and the file arrives once, though the platform fails its first try;
3. the child process fails: the supervisor is told so, and the log says why.

Then, on PostgreSQL, two workers: the one making a file dies, and the other makes it.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select, text

from harness.bot_process import BotProcess, Officer, demo_bot
from harness.fakes import FakeBotApi
from harness.waiting import eventually
from storage.database import create_engine
from storage.machinery_models import ExportRequestRow, OutboxRow
from storage.unit_of_work import UnitOfWorkFactory
from tests.channels.test_workers_e2e import webhook_workers

pytestmark = pytest.mark.asyncio(loop_scope="module")

SUPERVISOR = 8200
PREPARING = "⏳ Đang chuẩn bị tệp; tệp sẽ được gửi vào cuộc trò chuyện này ngay khi xong."
QUEUED = (
    "⏳ Đang có tệp khác được chuẩn bị trước: tệp của bạn xếp thứ 2 trong hàng đợi và sẽ được gửi vào "
    "cuộc trò chuyện này ngay khi xong."
)
FAILED = "⚠ Không tạo được tệp đã yêu cầu do có lỗi. Quản trị viên xem được nguyên nhân trong nhật ký; hãy yêu cầu lại sau."
WORKBOOK = "Báo cáo - Tỉnh Nghệ An - so-ket-2023.xlsx"
SUMMARY = "Tổng hợp - Tỉnh Nghệ An - so-ket-2023.docx"
LAYOUT_LIBRARIES = re.compile(r"^import time:.*\|\s+(docx|openpyxl|matplotlib)(\.\S+)?\s*$", re.MULTILINE)
LEASE_SECONDS = "3"
"""Short, so that the request of the killed worker is taken over soon after the restart."""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="4344:EXPORTS") as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(api: FakeBotApi, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    # PYTHONPROFILEIMPORTTIME: the bot's process writes every module it imports to its log
    env = {"BAOCAO_EXPORT_LEASE_SECONDS": LEASE_SECONDS, "PYTHONPROFILEIMPORTTIME": "1"}
    async with demo_bot(api, tmp_path_factory.mktemp("exports"), **env) as process:
        yield process


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def province(api: FakeBotApi, bot: BotProcess) -> Officer:
    invite = await bot.invite("NA", "supervisor")
    officer = Officer(api.user(SUPERVISOR, "Vũ Đức Thắng"), bot)
    await officer.command("start", "Liên kết thành công", args=invite["code"])
    return officer


async def next_file(officer: Officer) -> str:
    """The name of the next file (a document or a chart) the bot sends this chat."""
    message = await officer.user.wait_for_message(lambda m: "document" in m or "photo" in m)
    return str(message["document"]["file_name"]) if "document" in message else "photo"


def files_sent(officer: Officer) -> list[str]:
    return [m["document"]["file_name"] if "document" in m else "photo" for m in officer.user.messages if "document" in m or "photo" in m]


async def export_rows(bot: BotProcess) -> list[tuple[int, str, int]]:
    """(id, state, attempts) of every request, oldest first."""
    database = create_engine(bot.database_url)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            rows = await uow.session.execute(select(ExportRequestRow.id, ExportRequestRow.state, ExportRequestRow.attempts).order_by(ExportRequestRow.id))
            return [(row.id, row.state, row.attempts) for row in rows]
    finally:
        await database.dispose()


async def outbox_keys(bot: BotProcess, prefix: str) -> list[str]:
    database = create_engine(bot.database_url)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            return list((await uow.session.scalars(select(OutboxRow.key).where(OutboxRow.key.startswith(prefix)))).all())
    finally:
        await database.dispose()


@contextlib.asynccontextmanager
async def holding_the_finish(bot: BotProcess, request_id: int) -> AsyncIterator[None]:
    """Once the request is being made, holds its row (SQLite: the write lock; PostgreSQL: the
    row's lock), so the worker cannot record it done until the block ends: whatever the child
    does meanwhile, the worker is still making the file."""
    database = create_engine(bot.database_url)
    locking = "SELECT state FROM export_requests WHERE id = :id" + (" FOR UPDATE" if database.dialect.name == "postgresql" else "")
    try:
        async with database.connect() as connection:

            async def held_while_running() -> bool:
                await connection.begin()  # SQLite: BEGIN IMMEDIATE (storage/database.py)
                if await connection.scalar(text(locking), {"id": request_id}) == "running":
                    return True
                await connection.rollback()
                return False

            await eventually(held_while_running, f"export {request_id} being made", bot.log_tail)
            yield
            await connection.rollback()
    finally:
        await database.dispose()


async def test_a_second_file_asked_for_meanwhile_is_queued_and_both_arrive_in_order(bot: BotProcess, province: Officer) -> None:
    province.user.send_command("xuatexcel")
    province.user.send_command("xuatbaocao")  # handled right after the first: its file cannot be made yet
    assert (await province.expect("⏳"))["text"].startswith(PREPARING)
    assert (await province.expect("⏳"))["text"].startswith(QUEUED)
    assert [await next_file(province), await next_file(province)] == [WORKBOOK, SUMMARY]
    await province.user.wait_until_idle(quiet=1.0)
    assert files_sent(province) == [WORKBOOK, SUMMARY]
    assert [state for _id, state, _attempts in await export_rows(bot)] == ["done", "done"]

    logs = bot.logs()
    assert re.search(r"^import time:.*\|\s+sqlalchemy\s*$", logs, re.MULTILINE), "the bot's imports are not in its log"
    assert LAYOUT_LIBRARIES.findall(logs) == []


async def test_a_worker_killed_while_making_a_file_is_taken_over_and_the_file_arrives_once(
    api: FakeBotApi, bot: BotProcess, province: Officer
) -> None:
    before = len(files_sent(province))
    province.user.send_command("xuatexcel")
    await province.expect(PREPARING)
    [*_earlier, (request_id, _state, _attempts)] = await export_rows(bot)
    async with holding_the_finish(bot, request_id):
        await bot.kill()
    api.fail_next("sendMessage", 502, "Bad Gateway")  # and the platform fails the file's first try
    await bot.start()
    assert await next_file(province) == WORKBOOK
    await bot.until(lambda: f"export {request_id} (" in bot.logs() and "try 2): done" in bot.logs(), "the file made again")
    await province.user.wait_until_idle(quiet=1.0)
    assert len(files_sent(province)) == before + 1
    assert (await export_rows(bot))[-1] == (request_id, "done", 2)
    assert await outbox_keys(bot, f"export/{request_id}") == [f"export/{request_id}"]
    assert re.search(r"outbox row \d+ \(export to 8200\) failed, try 1", bot.logs()), bot.log_tail()


async def test_a_child_process_that_fails_is_said_plainly_and_logged_with_its_cause(bot: BotProcess, province: Officer) -> None:
    exports = bot.workdir / "files" / "exports"
    shutil.rmtree(exports, ignore_errors=True)
    exports.parent.mkdir(parents=True, exist_ok=True)  # whether or not an earlier test made a file
    exports.write_text("a file where the exports folder should be")
    try:
        province.user.send_command("bieudo")
        await province.expect(PREPARING)
        assert (await province.expect("⚠"))["text"] == FAILED
    finally:
        exports.unlink()
    [*_earlier, (request_id, state, _attempts)] = await export_rows(bot)
    assert state == "failed"
    logs = bot.logs()
    assert f"export {request_id} (chart of unit 1 in so-ket-2023 for person 1, try 1) failed" in logs
    assert "FileExistsError" in logs



async def test_on_postgresql_the_file_of_a_worker_that_died_is_made_by_the_other_worker(tmp_path: Path) -> None:
    async with webhook_workers(tmp_path, "4345:EXPORTWORKERS", BAOCAO_EXPORT_LEASE_SECONDS=LEASE_SECONDS) as running:
        invite = await running.workers[0].invite("NA", "supervisor")
        supervisor = Officer(running.api.user(SUPERVISOR + 1, "Vũ Đức Thắng"), running.workers[0])
        await supervisor.command("start", "Liên kết thành công", args=invite["code"])
        supervisor.user.send_command("xuatexcel")
        await supervisor.expect(PREPARING)
        [(request_id, _state, _attempts)] = await export_rows(running.workers[0])
        making = f"export {request_id} (workbook of unit 1 in so-ket-2023 for person 1, try 1): making it"
        async with holding_the_finish(running.workers[0], request_id):
            await running.workers[0].until(lambda: any(making in worker.logs() for worker in running.workers), "a worker making it")
            [maker] = [worker for worker in running.workers if making in worker.logs()]
            await maker.kill()
        [other] = [worker for worker in running.workers if worker is not maker]
        assert await next_file(supervisor) == WORKBOOK  # once the other also leads, if the dead one did
        await supervisor.user.wait_until_idle(quiet=1.0)
        assert files_sent(supervisor) == [WORKBOOK]
        assert f"export {request_id} (workbook of unit 1 in so-ket-2023 for person 1, try 2): done" in other.logs()
        assert await export_rows(other) == [(request_id, "done", 2)]
