"""What sending one large file costs the worker's memory: the real `baocao run` delivers a file
through the outbox, as it delivers a workbook a supervisor asked for, to the fake Bot API.

    .venv/bin/python bench/file_upload.py                  # a 25 MB workbook, sent three times
    .venv/bin/python bench/file_upload.py --mb 10 --sends 1

The worker runs over the demo province (harness/bot_process.py), the fake Bot API in this
process, and a supervisor is linked to a chat. For each send, a file of random bytes (which no
compression shrinks, like a workbook's) waits in the files directory; the worker's peak RSS is
reset (`/proc/PID/clear_refs`) and an outbox message carrying the file is queued, as the export
runner queues a file made for a chat; once the document has reached the fake, whole and
byte-identical, the worker's VmHWM says what the send added to its resident memory. Linux only.

A measurement, not a test: it prints a table and the target (MET or NOT MET) and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers import peak_rss_mb

from bot.base.events import Attachment, Reply
from bot.base.outbox import MessageKind, OutboxMessage
from harness.bot_process import BotProcess, DirectLink, demo_bot, link_directly
from harness.fakes import FakeBotApi
from storage.database import create_engine
from storage.unit_of_work import UnitOfWorkFactory

SUPERVISOR = 8300
WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TARGET_ADDED_MB = 5.0
"""What a send may add to the worker: the target is a worker under 150 MB with the exports, and
the busiest one measured holds 136-145 MB before them (bench/README.md)."""
ARRIVAL_SECONDS = 120.0


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak(pid: int) -> None:
    """Makes the process's VmHWM its present RSS (Linux 4.0 and later)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def queue_file(bot: BotProcess, person_id: int, number: int, path: Path) -> None:
    """The file in the outbox for the supervisor's chat, as the export runner queues one."""
    reply = Reply(f"Tệp thứ {number}", attachment=Attachment(str(path), path.name, WORKBOOK))
    message = OutboxMessage(
        key=f"bench-upload/{number}", person_id=person_id, channel="telegram", chat_id=str(SUPERVISOR), reply=reply, kind=MessageKind.EXPORT
    )
    database = create_engine(bot.database_url)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            await uow.outbox.enqueue([message], bot.clock_reads())
    finally:
        await database.dispose()


async def measure(megabytes: float, sends: int) -> list[tuple[float, float, float, bool]]:
    """Per send: the worker's RSS before it, its peak during it, the seconds until the document
    arrived, and whether it arrived byte-identical."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder:
        workdir = Path(folder)
        async with FakeBotApi(token="8300:UPLOAD") as api, demo_bot(api, workdir) as bot:
            assert bot.process is not None
            pid = bot.process.pid
            [person_id] = (await link_directly(bot.database_url, [DirectLink(SUPERVISOR, "Vũ Đức Thắng", ("NA",), "supervisor")], bot.clock_reads())).values()
            user = api.user(SUPERVISOR, "Vũ Đức Thắng")
            user.send_command("trogiup")  # the worker is up once it answers
            await user.wait_for_message(lambda m: "text" in m, timeout=ARRIVAL_SECONDS)
            await user.wait_until_idle(quiet=2.0)
            exports = workdir / "files" / "exports"
            exports.mkdir(parents=True, exist_ok=True)
            for number in range(1, sends + 1):
                content = os.urandom(int(megabytes * 1024 * 1024))
                path = exports / f"Báo cáo {number}.xlsx"
                path.write_bytes(content)
                await asyncio.sleep(1.0)  # the worker idle again
                reset_peak(pid)
                before = resident_mb(pid)
                started = time.monotonic()
                await queue_file(bot, person_id, number, path)
                arrived = await user.wait_for_message(lambda m: "document" in m, timeout=ARRIVAL_SECONDS)
                seconds = time.monotonic() - started
                stored = api.file(arrived["document"]["file_id"])
                rows.append((before, peak_rss_mb(pid), seconds, stored is not None and stored.data == content))
                path.unlink()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=25.0, help="the file's size in MiB (default 25)")
    parser.add_argument("--sends", type=int, default=3, help="how many times it is sent (default 3)")
    args = parser.parse_args()
    rows = asyncio.run(measure(args.mb, args.sends))
    head = f"{'send':>4} {'file MiB':>8} {'RSS before MB':>13} {'VmHWM MB':>9} {'added MB':>9} {'seconds':>8} {'arrived whole':>13}"
    print(head)
    print("-" * len(head))
    for number, (before, peak, seconds, whole) in enumerate(rows, 1):
        print(f"{number:>4} {args.mb:>8g} {before:>13.1f} {peak:>9.1f} {peak - before:>9.1f} {seconds:>8.2f} {'yes' if whole else 'NO':>13}")
    worst = max(peak - before for before, peak, _seconds, _whole in rows)
    met = worst < TARGET_ADDED_MB and all(whole for *_rest, whole in rows)
    print(f"  {'MET' if met else 'NOT MET'}  a send adds under {TARGET_ADDED_MB:g} MB to the worker, the file arriving whole: worst {worst:.1f} MB")


if __name__ == "__main__":
    main()
