"""Files asked for in a chat, over the real storage (SQLite and PostgreSQL) and the real child
process: the turn answers at once and records the request; the runner makes the file in a
child, and marks the request done with the file (or, for a messenger without files, a download
link) queued in the outbox; a claim that lapsed is taken over, and the claim it was taken from
can no longer finish it; a worker stopped cleanly puts its request back; a child whose worker is
gone leaves; a file that takes too long, or a request that outlived its workers, ends with its
asker told why."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.export_child import ORPHANED, encode_job
from app.export_runner import MAX_ATTEMPTS, ExportRunner, child_environment
from app.settings import Settings
from bot.base.events import Surface
from bot.base.exports import Backlog, ExportState
from bot.base.inputs import parse_typed
from bot.base.outbox import MessageKind
from harness.waiting import eventually
from storage.machinery_models import ExportRequestRow, OutboxRow
from storage.unit_of_work import UnitOfWorkFactory
from tests.service_harness import NGHI_HAI, NGHI_HOA, ZONE, Harness

PREPARING = "⏳ Đang chuẩn bị tệp; tệp sẽ được gửi vào cuộc trò chuyện này ngay khi xong."
QUEUED = (
    "⏳ Đang có tệp khác được chuẩn bị trước: tệp của bạn xếp thứ {place} trong hàng đợi và sẽ được gửi vào "
    "cuộc trò chuyện này ngay khi xong."
)
LEASE = timedelta(seconds=60)


def settings_for(url: str, files: Path, **settings: str) -> Settings:
    environment = {"BAOCAO_DATABASE_URL": url, "BAOCAO_FILES_DIR": str(files), "BAOCAO_TIMEZONE": str(ZONE), **settings}
    return Settings(_env_file=None, **environment)


def runner(harness: Harness, url: str, files: Path, **settings: str) -> ExportRunner:
    """The runner as a worker has it, over the test's database and clock."""
    return ExportRunner(harness.factory, harness.clock, settings_for(url, files, **settings))


async def requests(factory: UnitOfWorkFactory) -> list[ExportRequestRow]:
    async with factory() as uow:
        return list((await uow.session.scalars(select(ExportRequestRow).order_by(ExportRequestRow.id))).all())


async def export_messages(factory: UnitOfWorkFactory) -> list[OutboxRow]:
    async with factory() as uow:
        found = await uow.session.scalars(select(OutboxRow).where(OutboxRow.kind == MessageKind.EXPORT.value).order_by(OutboxRow.id))
        return list(found.all())


def is_zip(path: Path) -> bool:
    """A DOCX or XLSX file is a ZIP archive."""
    return path.read_bytes()[:2] == b"PK"


async def test_a_request_is_answered_at_once_and_its_file_comes_through_the_outbox(
    harness: Harness, migrated_url: str, tmp_path: Path
) -> None:
    first = await harness.linked_chat("9101", NGHI_HAI)
    second = await harness.linked_chat("9102", NGHI_HOA)
    assert await first.send("/xuatbaocao") == PREPARING
    assert await second.send("/xuatbaocao") == QUEUED.format(place=2)
    assert [(row.state, row.kind, row.chat_id) for row in await requests(harness.factory)] == [
        ("waiting", "report", "9101"), ("waiting", "report", "9102"),
    ]  # fmt: skip
    assert await export_messages(harness.factory) == []

    made = runner(harness, migrated_url, tmp_path)
    assert await made.run_one()
    done, waiting = await requests(harness.factory)
    assert (done.state, done.attempts, waiting.state) == ("done", 1, "waiting")
    [message] = await export_messages(harness.factory)
    assert (message.chat_id, message.key, message.state) == ("9101", f"export/{done.id}", "pending")
    assert message.text.startswith("📄 Báo cáo của Công an phường Nghi Hải")
    assert message.attachment is not None and message.attachment["name"] == "Công an phường Nghi Hải - so-ket-2023.docx"
    assert is_zip(Path(message.attachment["path"]))
    assert message.expires_at is not None and message.expires_at == harness.clock.now() + timedelta(days=1)

    assert await made.run_one() and not await made.run_one()
    assert [row.state for row in await requests(harness.factory)] == ["done", "done"]
    assert [row.chat_id for row in await export_messages(harness.factory)] == ["9101", "9102"]


async def test_a_lapsed_claim_is_taken_over_and_only_the_new_claim_finishes(harness: Harness) -> None:
    chat = await harness.linked_chat("9103", NGHI_HAI)
    await chat.send("/xuatbaocao")
    now = harness.clock.now()
    async with harness.factory() as uow:
        dead = await uow.exports.claim(now, LEASE, uuid.uuid4().hex)
    assert dead is not None and dead.attempts == 1
    async with harness.factory() as uow:
        assert await uow.exports.claim(now + LEASE / 2, LEASE, uuid.uuid4().hex) is None  # still held
        assert await uow.exports.renew(dead, now + LEASE / 2)
        assert await uow.exports.claim(now + LEASE, LEASE, uuid.uuid4().hex) is None  # renewed half way
        assert (await uow.exports.backlog()).running == 1
    later = now + LEASE / 2 + LEASE + timedelta(seconds=1)
    async with harness.factory() as uow:
        taken = await uow.exports.claim(later, LEASE, uuid.uuid4().hex)
    assert taken is not None and (taken.id, taken.attempts) == (dead.id, 2) and taken.claim != dead.claim
    async with harness.factory() as uow:
        assert not await uow.exports.renew(dead, later)
        assert not await uow.exports.finish(dead, ExportState.DONE, later)
        assert await uow.exports.finish(taken, ExportState.DONE, later)
        assert await uow.exports.backlog() == Backlog(running=0, waiting=0)


async def test_a_file_that_takes_too_long_is_given_up_and_its_asker_told(harness: Harness, migrated_url: str, tmp_path: Path) -> None:
    chat = await harness.linked_chat("9104", NGHI_HAI)
    await chat.send("/xuatbaocao")
    assert await runner(harness, migrated_url, tmp_path, BAOCAO_EXPORT_TIMEOUT_SECONDS="0.001").run_one()
    [request] = await requests(harness.factory)
    assert (request.state, request.error) == ("failed", "took longer than 0:00:00.001000")
    [message] = await export_messages(harness.factory)
    assert message.attachment is None
    assert message.text == "⚠ Không tạo được tệp đã yêu cầu: việc tạo tệp kéo dài quá 1 phút. Hãy yêu cầu lại sau."


async def test_a_request_that_outlived_its_workers_is_given_up_and_its_asker_told(harness: Harness, migrated_url: str, tmp_path: Path) -> None:
    chat = await harness.linked_chat("9105", NGHI_HAI)
    await chat.send("/xuatbaocao")
    for attempt in range(MAX_ATTEMPTS):  # each worker claims it, then dies
        async with harness.factory() as uow:
            assert await uow.exports.claim(harness.clock.now() + attempt * 2 * LEASE, LEASE, uuid.uuid4().hex) is not None
    harness.clock.advance(MAX_ATTEMPTS * 2 * LEASE)
    assert await runner(harness, migrated_url, tmp_path).run_one()
    [request] = await requests(harness.factory)
    assert (request.state, request.attempts) == ("failed", MAX_ATTEMPTS + 1)
    [message] = await export_messages(harness.factory)
    assert message.text == (
        "⚠ Không tạo được tệp đã yêu cầu: hệ thống đã dừng 3 lần trong khi tạo tệp. Quản trị viên xem được nguyên nhân trong nhật ký."
    )


async def test_a_child_whose_worker_is_gone_leaves_without_making_the_file(harness: Harness, migrated_url: str, tmp_path: Path) -> None:
    chat = await harness.linked_chat("9106", NGHI_HAI)
    await chat.send("/xuatbaocao")
    async with harness.factory() as uow:
        job = await uow.exports.claim(harness.clock.now(), LEASE, uuid.uuid4().hex)
    assert job is not None
    environment = child_environment(settings_for(migrated_url, tmp_path), harness.clock.now())
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.export_child", env=environment,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdin is not None
    child.stdin.write(encode_job(job).encode() + b"\n")
    child.stdin.close()  # as a worker's pipe closes when the worker dies
    out, _err = await child.communicate()
    assert (child.returncode, out) == (ORPHANED, b"")
    assert not (tmp_path / "exports").exists()


async def test_a_worker_stopped_while_making_a_file_puts_the_request_back_for_the_next(
    harness: Harness, migrated_url: str, tmp_path: Path
) -> None:
    chat = await harness.linked_chat("9107", NGHI_HAI)
    await chat.send("/xuatbaocao")
    making = asyncio.create_task(runner(harness, migrated_url, tmp_path).run_one())

    async def being_made() -> bool:
        return [row.state for row in await requests(harness.factory)] == ["running"]

    await eventually(being_made, "the request claimed")
    making.cancel()  # as `baocao run` cancels its tasks on SIGTERM
    with contextlib.suppress(asyncio.CancelledError):
        await making
    [request] = await requests(harness.factory)
    assert (request.state, request.attempts, request.claim) == ("waiting", 0, None)
    assert await export_messages(harness.factory) == []


async def test_a_messenger_without_files_gets_a_download_link_signed_by_the_child(
    harness: Harness, migrated_url: str, tmp_path: Path
) -> None:
    chat = await harness.linked_chat("9108", NGHI_HAI)
    text_only = replace(chat.envelope(parse_typed("/xuatbaocao")), surface=Surface(buttons=False, documents=False))
    assert [reply.text for reply in (await harness.service.handle(text_only)).replies] == [PREPARING]
    [request] = await requests(harness.factory)
    assert not request.takes_files
    assert await runner(harness, migrated_url, tmp_path, BAOCAO_PUBLIC_URL="https://baocao.example.vn").run_one()
    [message] = await export_messages(harness.factory)
    assert message.attachment is None
    assert message.text.startswith("📄 Báo cáo của Công an phường Nghi Hải")
    assert re.search(r"\nTải về trong vòng 1 giờ: https://baocao\.example\.vn/tep/\S+$", message.text), message.text
