"""The terminal console shows the whole loop: a supervisor's console lists what a turn sent to
other people ("→" lines), and an officer's console prints what the outbox holds for it."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from app.cli import main
from bot.base.outbox import DeliveryState, MessageKind
from bot.base.records import ReportRecord, Role
from handlers.console import CHANNEL, ConsoleChannel, button_key
from handlers.outbox_sender import OutboxSender
from harness.waiting import eventually
from tests.service_harness import NGHI_HAI, NGHI_HAI_NAME, Harness

APPROVED_NOTICE = f"✅ Báo cáo của {NGHI_HAI_NAME} — Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023 đã được duyệt."


async def console(
    harness: Harness, name: str, unit: str, role: Role, files: Path
) -> tuple[ConsoleChannel, io.StringIO]:
    out = io.StringIO()
    channel = ConsoleChannel(harness.service, f"console-{role}", files, {"telegram": "Telegram"}, out=out, display_name=name)
    now = harness.clock.now()
    async with harness.factory() as uow:
        invite = await uow.invites.create(unit, role, now + timedelta(days=1), now)
    await channel.send_line(f"/start {invite.code}")
    return channel, out


async def test_the_supervisors_console_shows_the_notice_and_the_officers_console_prints_it(
    harness: Harness, tmp_path: Path
) -> None:
    officer, officer_out = await console(harness, "Nguyễn Văn An", NGHI_HAI, Role.REPORTER, tmp_path)
    supervisor, supervisor_out = await console(harness, "Đỗ Minh Quân", "NA-CL", Role.SUPERVISOR, tmp_path)
    report = await harness.submit(NGHI_HAI)

    await supervisor.send_line(f"/duyet {NGHI_HAI}")
    await supervisor.send_line("xác nhận duyệt")
    assert f"→ gửi Nguyễn Văn An (console): {APPROVED_NOTICE}" in supervisor_out.getvalue()
    assert APPROVED_NOTICE not in officer_out.getvalue()

    sender = OutboxSender(officer, harness.factory, harness.clock, timedelta(seconds=30), chat_id=officer.chat_id)
    sending = asyncio.create_task(sender.run())
    try:
        # Printed, then recorded: the sender is idle again.
        await eventually(lambda: notices_sent(harness, report), "the notice recorded as sent")
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
    assert officer_out.getvalue().count(APPROVED_NOTICE) == 1
    # The supervisor's console prints only what is addressed to its own chat.
    assert supervisor_out.getvalue().count(APPROVED_NOTICE) == 1
    async with harness.factory() as uow:
        assert await uow.outbox.claim(10, harness.clock.now(), CHANNEL, chat_id=officer.chat_id) == []


async def notices_sent(harness: Harness, report: ReportRecord) -> bool:
    async with harness.factory() as uow:
        ledger = await uow.outbox.ledger(report.campaign_code, [report.unit_id])
    return ledger[MessageKind.NOTICE][DeliveryState.SENT] > 0


def test_button_keys_go_on_past_z_like_spreadsheet_columns() -> None:
    keys = [button_key(i) for i in range(60)]
    assert keys[:3] == ["a", "b", "c"] and keys[25:29] == ["z", "aa", "ab", "ac"] and len(set(keys)) == 60
    assert button_key(26 + 26 * 26) == "aaa"


async def test_the_return_picker_s_forty_buttons_can_all_be_pressed(harness: Harness, tmp_path: Path) -> None:
    supervisor, out = await console(harness, "Đỗ Minh Quân", "NA-CL", Role.SUPERVISOR, tmp_path)
    await harness.submit(NGHI_HAI)
    await supervisor.send_line(f"/tralai {NGHI_HAI}")
    keyboard = out.getvalue().splitlines()[-2]
    assert "[k] 11. Tiêu chí 2" in keyboard and "[am] Tiếp tục ▶" in keyboard and "[an] Hủy" in keyboard
    await supervisor.send_line("k")
    assert "Đã chọn: Tiêu chí 2." in out.getvalue()
    await supervisor.send_line("an")
    assert out.getvalue().rstrip().endswith("Đã hủy việc trả lại; báo cáo được giữ nguyên.")


async def test_a_missing_file_is_said_so_and_never_saved_as_an_answer(harness: Harness, tmp_path: Path) -> None:
    officer, out = await console(harness, "Nguyễn Văn An", NGHI_HAI, Role.REPORTER, tmp_path)
    await officer.send_line("/baocao")
    await officer.send_line("a")  # the first choice of question 1
    missing = tmp_path / "khong co.pdf"
    for line in (f"/tep {missing}", f"/tep '{missing}'", f"/tep {tmp_path}"):  # quoted as a terminal pastes a dropped file
        await officer.send_line(line)
        assert out.getvalue().rstrip().endswith(f"Không có tệp {line[5:].strip(chr(39))}; chưa gửi gì. Hãy gõ /tep rồi đến đường dẫn của một tệp."), line
    await officer.send_line("/tep")
    assert out.getvalue().rstrip().endswith("Hãy gõ /tep rồi đến đường dẫn của một tệp, ví dụ /tep bien-ban.pdf.")
    await officer.send_line("/tiendo")
    assert "Đã trả lời 1/38 câu." in out.getvalue()


async def test_a_file_that_cannot_be_copied_is_said_so_and_never_sent(harness: Harness, tmp_path: Path) -> None:
    blocked = tmp_path / "files-is-a-file"
    blocked.write_text("not a folder")
    officer, out = await console(harness, "Nguyễn Văn An", NGHI_HAI, Role.REPORTER, blocked)
    evidence = tmp_path / "bien-ban.pdf"
    evidence.write_bytes(b"%PDF-1.4")
    await officer.send_line("/baocao")
    await officer.send_line(f'/tep "{evidence}"')
    assert out.getvalue().rstrip().endswith(f"Không đính kèm được tệp {evidence}; chưa gửi gì.")
    await officer.send_line("/tiendo")
    assert "Đã trả lời 0/38 câu." in out.getvalue()


def test_a_line_longer_than_the_terminal_buffer_is_read_whole(tmp_path: Path) -> None:
    """A terminal in line mode keeps 4096 bytes of a line; an officer pasting a long paragraph
    into the console must not lose the rest."""
    master, slave = os.openpty()
    reading = "import asyncio, sys\nfrom handlers.console import read_stdin\nprint(len(asyncio.run(read_stdin('> '))), file=sys.stderr)"
    process = subprocess.Popen([sys.executable, "-c", reading], stdin=slave, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)

    def drain() -> None:  # the echo, so the terminal never fills up
        with contextlib.suppress(OSError):
            while os.read(master, 65536):
                pass

    prompt = b""
    while not prompt.endswith(b"> "):  # the prompt is written once the line editor has the terminal
        prompt += os.read(master, 1024)
    threading.Thread(target=drain, daemon=True).start()
    paragraph = ("Đoạn văn dài về tình hình an ninh trật tự. " * 300)[:10_000]
    for start in range(0, len(paragraph), 500):
        os.write(master, paragraph[start : start + 500].encode())
        time.sleep(0.01)
    os.write(master, b"\r")
    _, errors = process.communicate(timeout=30)
    os.close(master)
    assert errors.decode().split()[-1] == str(len(paragraph))


def test_the_console_keeps_its_log_lines_out_of_the_chat_in_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong code is logged as a warning: in the terminal it would read as the bot's reply."""
    ours = {"BAOCAO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}", "BAOCAO_FILES_DIR": str(tmp_path / "tep")}
    for name in [name for name in os.environ if name.startswith(("BAOCAO_", "TELEGRAM_", "ZALO_"))]:
        monkeypatch.delenv(name)
    for name, value in ours.items():
        monkeypatch.setenv(name, value)
    env = dict(os.environ)
    assert main(["db", "upgrade"]) == 0 and main(["seed", "demo"]) == 0
    session = subprocess.run(
        [sys.executable, "-m", "app.cli", "console"], input="/start ABCD2345\n/thoat\n", env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert session.returncode == 0, session.stderr
    assert "Mã ABCD2345 không hợp lệ." in session.stdout
    assert "WARNING" not in session.stdout + session.stderr and "bot.linking.chat_linking" not in session.stdout + session.stderr
    assert "WARNING bot.linking.chat_linking: refused code 'ABCD2345'" in (tmp_path / "tep" / "console.log").read_text(encoding="utf-8")
