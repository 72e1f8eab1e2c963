"""Reminder outbox benchmark: the real OutboxSender against a fake Bot API that enforces Telegram's
flood limits, next to the naive sender a hand-made bot would write, in the same run.

    python bench/reminders.py                         # 10,000 rows to 2,000 chats (about 6 minutes)
    python bench/reminders.py --count 600 --chats 200 # a quick run (about 45 seconds)

Each sender runs in a child process of its own (a fresh SQLite database, a fresh fake API, its
own peak RSS), under a hard timeout; this process prints the table and a PASS/FAIL line against
the targets, and exits 1 on FAIL. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GLOBAL_LIMIT = 30.0
"""Messages a second the fake admits overall (Telegram's ~30/s, enforced as a hard limit)."""
PER_CHAT_LIMIT = 1.0
"""Messages a second the fake admits to any one chat."""

TARGET_FRACTION = 0.95
DEFAULT_COUNT = 10_000
DEFAULT_CHATS = 2_000
DEFAULT_BASELINE_COUNT = 1_500

CAMPAIGN = "so-ket-2023"
SLOTS = ("-7d", "-3d", "-1d", "0d", "+1d")
"""Reminder slots of one campaign; a person gets one row per slot (5 per person by default)."""
FIRST_USER_ID = 700_000_000
POLL_SECONDS = 0.05
"""How often the drain watcher looks at the outbox (bounds the error on `elapsed`)."""

log = logging.getLogger("bench.reminders")


@dataclass
class Result:
    sender: str
    rows: int
    chats: int
    elapsed: float = 0.0
    delivered: int = 0
    duplicates: int = 0
    losses: int = 0
    unexpected: int = 0
    violations: int = 0
    send_calls: int = 0
    retried_rows: int = 0
    states: dict[str, int] = field(default_factory=dict)
    peak_rss_mib: float = 0.0
    cpu_seconds: float = 0.0
    setup_seconds: float = 0.0
    timed_out: bool = False
    error: str | None = None

    @property
    def rate(self) -> float:
        return self.delivered / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def fraction(self) -> float:
        return self.rate / GLOBAL_LIMIT


# --- one sender, in a child process -----------------------------------------------------------


def slot_names(keys_per_person: int) -> list[str]:
    return [*SLOTS, *(f"+{day}d" for day in range(2, keys_per_person - len(SLOTS) + 2))][:keys_per_person]


def reminder_text(key: str) -> str:
    """A reminder as the bot words it; the row's key makes every text unique."""
    return (
        "⏰ Nhắc hạn: báo cáo sơ kết của đơn vị cho “Sơ kết công tác xây dựng đơn vị điển hình, "
        "kiểu mẫu năm 2023” phải nộp trước thứ Bảy, 25/11/2023 (còn 5 ngày).\n"
        "Còn phải trả lời: 16/38 câu, trong đó 7/22 tiêu chí.\n"
        "Bấm nút để tiếp tục từ chỗ đã dừng.\n"
        f"#{key}"
    )


async def prepare(url: str, api: Any, count: int, chats: int) -> dict[tuple[int, str], int]:
    """Migrates a fresh database, creates `chats` people each with a linked Telegram chat (and the
    fake user behind it), and enqueues `count` reminder rows through SqlReminders.enqueue.
    Returns the expected deliveries: (chat id, text) -> 1."""
    from bot.base.buttons import Kind, pack
    from bot.base.events import Button, Reply
    from bot.base.outbox import MessageKind, OutboxMessage
    from handlers.telegram.channel import CHANNEL
    from storage.database import create_engine
    from storage.migrate import upgrade
    from storage.models import Chat, Person
    from storage.unit_of_work import UnitOfWorkFactory

    await upgrade(url)
    engine = create_engine(url)
    factory = UnitOfWorkFactory(engine)
    now = datetime.now(UTC)
    try:
        async with factory() as uow:
            people = [Person(full_name=f"Cán bộ {i:05d}", locale="vi", created_at=now) for i in range(chats)]
            uow.session.add_all(people)
            await uow.session.flush()
            user_ids = [FIRST_USER_ID + i for i in range(chats)]
            uow.session.add_all(
                Chat(
                    channel=CHANNEL, chat_id=str(user_id), user_id=str(user_id), person_id=person.id,
                    state={"locale": "vi"}, created_at=now, updated_at=now,
                )
                for person, user_id in zip(people, user_ids, strict=True)
            )
            person_ids = [person.id for person in people]
        for user_id in user_ids:
            api.user(user_id, first_name=f"User{user_id}")
        messages: list[OutboxMessage] = []
        for slot in slot_names(math.ceil(count / chats)):
            for person_id, user_id in zip(person_ids, user_ids, strict=True):
                if len(messages) == count:
                    break
                key = f"{CAMPAIGN}/report_due/{slot}/P{person_id:06d}"
                reply = Reply(reminder_text(key), ((Button("Tiếp tục báo cáo", pack(Kind.OPEN)),),), step=0)
                messages.append(
                    OutboxMessage(
                        key=key, person_id=person_id, channel=CHANNEL, chat_id=str(user_id), reply=reply,
                        kind=MessageKind.REMINDER, campaign_code=CAMPAIGN,
                    )
                )
        async with factory() as uow:
            inserted = await uow.outbox.enqueue(messages, datetime.now(UTC))
        if inserted != count:
            raise RuntimeError(f"enqueued {inserted} rows, expected {count}")
        return {(int(m.chat_id), m.reply.text): 1 for m in messages}
    finally:
        await engine.dispose()


async def outbox_states(url: str) -> dict[str, int]:
    from sqlalchemy import func, select
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage.machinery_models import OutboxRow

    reader = create_async_engine(url)  # plain reads: no BEGIN IMMEDIATE, never blocks the sender
    try:
        async with reader.connect() as connection:
            rows = await connection.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state))
            states = dict(rows.all())
            retried = await connection.scalar(select(func.count()).where(OutboxRow.attempts > 1))
            states["_retried"] = int(retried or 0)
            return states
    finally:
        await reader.dispose()


def tally(result: Result, api: Any, expected: dict[tuple[int, str], int]) -> None:
    """What reached the users, against what was enqueued; and what the fake refused."""
    received: Counter[tuple[int, str]] = Counter()
    for user in api.users.values():
        for message in user.messages:
            received[(user.id, message.get("text", ""))] += 1
    result.delivered = sum(1 for pair in received if pair in expected)
    result.duplicates = sum(n - 1 for n in received.values() if n > 1)
    result.losses = sum(1 for pair in expected if pair not in received)
    result.unexpected = sum(n for pair, n in received.items() if pair not in expected)
    result.violations = api.violations
    result.send_calls = sum(1 for r in api.requests if r.method == "sendMessage")


async def drain_with_outbox_sender(url: str, api: Any, result: Result, timeout: float) -> None:
    """The real OutboxSender and Telegram channel, paced by SendPacer at the fake's enforced
    limit, until the outbox has nothing pending or in flight."""
    from sqlalchemy import func, select
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.base.clock import SystemClock
    from bot.base.outbox import DEFAULT_LEASE, DeliveryState
    from handlers.channel import Shared
    from handlers.outbox_sender import OutboxSender
    from handlers.telegram.channel import TelegramChannel
    from handlers.telegram.settings import TelegramSettings
    from storage.database import create_engine
    from storage.machinery_models import OutboxRow
    from storage.unit_of_work import UnitOfWorkFactory

    engine = create_engine(url)
    reader = create_async_engine(url)
    settings = TelegramSettings(
        _env_file=None, token=api.token, api_base_url=api.base_url, file_base_url=api.base_file_url,
        send_rate=GLOBAL_LIMIT,
    )
    channel = TelegramChannel(settings, Shared(files_dir=Path(url).parent, max_file_bytes=0))
    await channel.start()
    sender = OutboxSender(channel, UnitOfWorkFactory(engine), SystemClock(), DEFAULT_LEASE)
    open_states = (DeliveryState.PENDING.value, DeliveryState.SENDING.value)
    left = select(func.count()).select_from(OutboxRow).where(OutboxRow.state.in_(open_states))
    started = time.monotonic()
    task = asyncio.create_task(sender.run(), name="outbox")
    try:
        async with asyncio.timeout(timeout):
            while not task.done():
                async with reader.connect() as connection:
                    if not await connection.scalar(left):
                        break
                await asyncio.sleep(POLL_SECONDS)
    except TimeoutError:
        result.timed_out = True
    finally:
        result.elapsed = time.monotonic() - started
        if task.done() and not task.cancelled() and task.exception() is not None:
            result.error = f"OutboxSender.run raised {task.exception()!r}"
        else:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await channel.stop()
        await reader.dispose()
        await engine.dispose()


async def drain_naively(url: str, api: Any, result: Result, timeout: float) -> None:
    """The baseline: an Application's bot with AIORateLimiter() at its defaults (30/s overall
    through aiolimiter's leaky bucket, private chats not limited, max_retries=0), every row sent
    at once with asyncio.gather; what raises is logged and dropped, as a hand-made bot does."""
    from telegram.ext import AIORateLimiter, ApplicationBuilder

    from bot.base.clock import SystemClock
    from bot.base.outbox import DeliveryState
    from handlers.telegram.channel import CHANNEL
    from handlers.telegram.render import keyboard
    from storage.database import create_engine
    from storage.unit_of_work import UnitOfWorkFactory

    engine = create_engine(url)
    factory = UnitOfWorkFactory(engine)
    clock = SystemClock()
    application = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .rate_limiter(AIORateLimiter())
        .updater(None)
        .build()
    )
    await application.initialize()
    async with factory() as uow:
        rows = await uow.outbox.claim(result.rows, clock.now(), CHANNEL)

    async def send(item: Any) -> None:
        reply = item.message.reply
        note: str | None = None
        try:
            await application.bot.send_message(int(item.message.chat_id), reply.text, reply_markup=keyboard(reply))
        except Exception as error:  # the naive bot logs and moves on
            state, note = DeliveryState.FAILED, str(error)
        else:
            state = DeliveryState.SENT
        async with factory() as uow:
            await uow.outbox.mark(item.id, state, clock.now(), error=note)

    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(send(item) for item in rows))
    except TimeoutError:
        result.timed_out = True
    finally:
        result.elapsed = time.monotonic() - started
        await application.shutdown()
        await engine.dispose()


async def run_phase(args: argparse.Namespace) -> Result:
    from harness.fakes import FakeBotApi

    name = "OutboxSender + SendPacer(30/s)" if args.phase == "ours" else "naive: AIORateLimiter()"
    result = Result(sender=name, rows=args.count, chats=args.chats)
    url = f"sqlite+aiosqlite:///{Path(args.workdir) / f'{args.phase}.sqlite3'}"
    async with FakeBotApi(global_rate=GLOBAL_LIMIT, per_chat_rate=PER_CHAT_LIMIT) as api:
        began = time.monotonic()
        expected = await prepare(url, api, args.count, args.chats)
        result.setup_seconds = time.monotonic() - began
        drain = drain_with_outbox_sender if args.phase == "ours" else drain_naively
        try:
            await drain(url, api, result, args.timeout)
        except Exception as error:  # reported as FAIL with what was measured
            log.exception("the %s sender failed", args.phase)
            result.error = repr(error)
        tally(result, api, expected)
    states = await outbox_states(url)
    result.retried_rows = states.pop("_retried")
    result.states = states
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.peak_rss_mib = usage.ru_maxrss / 1024  # KiB on Linux
    result.cpu_seconds = usage.ru_utime + usage.ru_stime
    return result


def child(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="  [%(phase)s] %(levelname)s %(name)s: %(message)s")
    old_factory = logging.getLogRecordFactory()

    def record_factory(*a: Any, **kw: Any) -> logging.LogRecord:
        record = old_factory(*a, **kw)
        record.phase = args.phase
        return record

    logging.setLogRecordFactory(record_factory)
    # The baseline's refusals are counted in the table; PTB would log a traceback for each.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    # Backstop: whatever hangs, the process ends (SIGALRM's default action terminates it).
    signal.alarm(int(args.timeout) + 120)
    result = asyncio.run(run_phase(args))
    Path(args.result).write_text(json.dumps(asdict(result)))
    return 0


# --- the run: both senders, the table, the verdict -----------------------------------------


def run_child(phase: str, count: int, chats: int, workdir: Path, timeout: float) -> Result:
    out = workdir / f"{phase}.json"
    command = [
        sys.executable, str(Path(__file__).resolve()), "--phase", phase, "--count", str(count),
        "--chats", str(chats), "--workdir", str(workdir), "--result", str(out), "--timeout", str(timeout),
    ]
    name = "OutboxSender" if phase == "ours" else "naive baseline"
    print(f"… {name}: {count:,} rows to {chats:,} chats (timeout {timeout:.0f} s)", flush=True)
    hard = timeout + 180  # setup, migration and teardown on top of the sending itself
    try:
        completed = subprocess.run(command, timeout=hard, check=False)
    except subprocess.TimeoutExpired:
        return Result(sender=name, rows=count, chats=chats, timed_out=True, error=f"killed after {hard:.0f} s")
    if completed.returncode != 0 or not out.exists():
        return Result(sender=name, rows=count, chats=chats, error=f"child exited with {completed.returncode}")
    data = json.loads(out.read_text())
    return Result(**data)


def table(results: list[Result]) -> str:
    head = (
        f"{'sender':<31} {'rows':>6} {'chats':>5} {'elapsed s':>9} {'delivered':>9} {'rate/s':>6} "
        f"{'of limit':>8} {'dup':>4} {'lost':>5} {'429s':>5} {'retried':>7} {'peak RSS':>9} {'CPU s':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r.sender:<31} {r.rows:>6,} {r.chats:>5,} {r.elapsed:>9.1f} {r.delivered:>9,} {r.rate:>6.2f} "
            f"{r.fraction:>8.3f} {r.duplicates:>4} {r.losses:>5} {r.violations:>5} {r.retried_rows:>7} "
            f"{r.peak_rss_mib:>5.0f} MiB {r.cpu_seconds:>6.1f}"
        )
    return "\n".join(lines)


def verdict(ours: Result) -> tuple[bool, list[str]]:
    checks = [
        (ours.fraction >= TARGET_FRACTION, f"rate {ours.fraction:.3f} of limit (target ≥ {TARGET_FRACTION})"),
        (ours.duplicates == 0, f"duplicates {ours.duplicates} (target 0)"),
        (ours.losses == 0, f"losses {ours.losses} (target 0)"),
        (ours.violations == 0, f"429s/violations {ours.violations} (target 0)"),
        (not ours.timed_out, "finished within its timeout" if not ours.timed_out else "timed out"),
        (ours.error is None and ours.unexpected == 0, ours.error or f"unexpected messages {ours.unexpected}"),
    ]
    return all(ok for ok, _ in checks), [("ok   " if ok else "FAIL ") + text for ok, text in checks]


def parent(args: argparse.Namespace) -> int:
    if args.count < 1 or args.chats < 1:
        raise SystemExit("--count and --chats must be positive")
    chats = min(args.chats, args.count)
    baseline_count = min(args.baseline_count, args.count)
    baseline_chats = max(1, round(baseline_count * chats / args.count))  # same rows per chat
    ideal = args.count / GLOBAL_LIMIT
    timeout = args.timeout or ideal / 0.8 + 60
    baseline_timeout = args.timeout or baseline_count / GLOBAL_LIMIT * 3 + 60
    print(
        f"Reminder outbox benchmark: fake Bot API on 127.0.0.1 enforcing {GLOBAL_LIMIT:.0f} msg/s overall "
        f"and {PER_CHAT_LIMIT:.0f} msg/s per chat; SQLite; ideal time for {args.count:,} rows "
        f"{ideal:.1f} s",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="baocao-bench-") as tmp:
        workdir = Path(tmp)
        results = [run_child("ours", args.count, chats, workdir, timeout)]
        if baseline_count and not args.no_baseline:
            results.append(run_child("naive", baseline_count, baseline_chats, workdir, baseline_timeout))
    print()
    print(table(results))
    print()
    for r in results:
        states = ", ".join(f"{k} {v:,}" for k, v in sorted(r.states.items()))
        print(
            f"{r.sender}: setup (migrate, {r.chats:,} people + chats, enqueue {r.rows:,}) {r.setup_seconds:.1f} s; "
            f"sendMessage calls {r.send_calls:,}; outbox after: {states or '?'}"
            + (f"; ERROR {r.error}" if r.error else "")
        )
    ok, lines = verdict(results[0])
    print()
    for line in lines:
        print(f"  {line}")
    print(("PASS" if ok else "FAIL") + f": OutboxSender at {results[0].fraction:.3f} of the enforced limit, "
          f"{results[0].duplicates} duplicates, {results[0].losses} losses, {results[0].violations} violations")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="reminder rows to send (default 10,000)")
    parser.add_argument("--chats", type=int, default=DEFAULT_CHATS, help="people/chats they go to (default 2,000)")
    parser.add_argument(
        "--baseline-count", type=int, default=DEFAULT_BASELINE_COUNT,
        help="rows for the naive baseline (default 1,500, at most --count; 0 skips it)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument("--timeout", type=float, default=0.0, help="seconds allowed per sender (default: from the count)")
    parser.add_argument("--phase", choices=("ours", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return child(args) if args.phase else parent(args)


if __name__ == "__main__":
    sys.exit(main())
