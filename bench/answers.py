"""Answer path benchmark: officers answering their report through the real `baocao run` process,
next to a bare python-telegram-bot echo bot measured in the same run, against the fake Telegram
Bot API of harness/fakes on 127.0.0.1 (real HTTP, no flood limits of its own).

    .venv/bin/python bench/answers.py --quick     # about 1.5 minutes, SQLite
    .venv/bin/python bench/answers.py             # 20, 100 and 200 officers: about 10 minutes
    .venv/bin/python bench/answers.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test  # 14

Every row runs in a child process of its own: a fresh fake Bot API, a fresh database (a copy of
the demo province made once by `baocao db upgrade` and `baocao seed demo`, or a new PostgreSQL
schema), officers linked straight in the database (each to a unit of their own, see
answers_setup.py), the bot(s) as child processes, and the load (answers_load.py). Rows:

- closed loop at each `--officers` count: every officer sends their next answer as soon as the
  reply carrying the next question appears; three warm-up steps (/baocao and two answers, or
  /baocao, /sua N and one answer), then three measured rounds of three answers each. The echo
  bot and baocao each with Telegram's real 30/s (PTB's AIORateLimiter, inside the bot) and with
  it lifted (TELEGRAM_REPLY_RATE=100000); on PostgreSQL baocao polling, and one and two `baocao
  run --webhook` workers behind a round-robin proxy (the fake's webhook made to keep 40 POSTs in
  flight, as Telegram does), limit lifted.
- open load: 100 officers each answering at Poisson times, every 5 s on average, for 30 s, at
  the real 30/s.
- in process: the same answers through `ReportingService.handle` (built as app/runtime.py
  builds it), one at a time, SQL statements counted with harness/statements.py (BEGIN, which is
  transaction control and on PostgreSQL not seen by the count at all, left out).
- peak RSS with 10,000 officers linked, 2,000 of them mid-report (opened and one answer given,
  through the bot), while 200 of them answer three rounds.

Columns: answers/s over the measured phase; chat-bound Bot API calls (sendMessage,
editMessageText, editMessageReplyMarkup, sendPhoto, sendDocument) and answerCallbackQuery per
answer, from the fake's request log; the bot process(es)' CPU (utime + stime from /proc) per
answer, and that against the echo bot's with the same officers and limit; latency percentiles
from sending an answer to the next question appearing in the fake user's chat; SQL statements
per answer (in process); the bot's peak RSS (VmHWM). The targets are printed with MET or NOT
MET; the run exits 0 either way: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from answers_load import (  # noqa: E402
    STARTS,
    Chat,
    Measured,
    Step,
    closed_loop,
    deliver_concurrently,
    echo_steps,
    open_load,
    walk,
    warm_up,
)
from answers_setup import DEMO_NOW, Officer, demo_database, make_template, officers  # noqa: E402

from harness.balancer import RoundRobinBalancer  # noqa: E402
from harness.bot_process import free_port  # noqa: E402

TOKEN = "4242:BENCH"
LIFTED = "100000"
"""TELEGRAM_REPLY_RATE that lifts the limit (and the echo bot's AIORateLimiter overall rate)."""
WEBHOOK_SECRET = "bench-webhook-secret"
WARM_UP = 3
"""Steps before the measured phase: /baocao and two answers, or /baocao, /sua N and one answer."""
WARM_UP_AT_ONCE = 200
"""Officers warming up at the same time (the RSS row opens thousands of reports)."""
ROUNDS, PER_ROUND = 3, 3
STEP_TIMEOUT = 90.0
"""Seconds an officer waits for one reply before the step counts as failed (200 officers
behind a 30/s limit wait about 7 s each)."""
CHAT_BOUND = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto", "sendDocument"})

TARGET_CALLS = 1.2
TARGET_CPU_MS, TARGET_CPU_RATIO = 8.0, 1.6
TARGET_STATEMENTS = 4.0
TARGET_P99_MS = 300.0
TARGET_RSS_MB = 150.0


@dataclass(frozen=True)
class Spec:
    """One row: what runs and what load it gets."""

    label: str
    kind: str
    """closed, open, inprocess or rss."""
    bot: str = "baocao"
    """baocao or echo."""
    database: str = "sqlite"
    lifted: bool = False
    workers: int = 1
    webhook: bool = False
    officers: int = 20
    """Officers measured."""
    linked: int = 0
    """Officers linked (at least `officers`)."""
    opened: int = 0
    """Officers who do the warm-up (at least `officers`)."""
    every: float = 5.0
    duration: float = 30.0


@dataclass
class Row:
    spec: Spec
    answers: int = 0
    failed: int = 0
    seconds: float = 0.0
    chat_calls: int = 0
    callback_answers: int = 0
    cpu_ms: float | None = None
    latencies_ms: list[float] = field(default_factory=list)
    statements: float | None = None
    statement_mix: dict[str, float] = field(default_factory=dict)
    statement_range: tuple[int, int] = (0, 0)
    rss_mb: list[float] = field(default_factory=list)
    driver_cores: float = 0.0
    """CPU of the load generator (the fake Bot API, the users, the proxy) in cores, over the phase."""
    host_cores_busy: float = 0.0
    """Cores the whole machine kept busy over the phase (bot, load generator, database, anything else)."""
    late: int = 0
    left_out: int = 0
    """Officers whose warm-up was never answered, left out of the measured phase."""
    setup_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.answers / self.seconds if self.seconds > 0 else 0.0

    def per_answer(self, value: float) -> float | None:
        return value / self.answers if self.answers else None

    def percentile(self, p: float) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- measuring a process --------------------------------------------------------------------


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def host_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of every CPU of the machine since boot, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def until(condition: Callable[[], bool], timeout: float, what: str, alive: Callable[[], bool]) -> None:
    """Waits for `condition`; TimeoutError after `timeout` s, or as soon as the process is not `alive`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if not alive():
            raise TimeoutError(f"the process ended before {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not within {timeout:.0f} s")
        await asyncio.sleep(0.05)


# --- the bots under load ------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def echo_bot(api: Any, spec: Spec, workdir: Path) -> AsyncIterator[list[int]]:
    """The echo bot (bench/answers_echo.py) polling the fake; yields its pid."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOCAO_", "TELEGRAM_", "ZALO_"))}
    env.update(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url, TELEGRAM_FILE_BASE_URL=api.base_file_url)
    if spec.lifted:
        env["TELEGRAM_REPLY_RATE"] = LIFTED
    # A getUpdates is logged when it returns (a long poll: 25 s later); the deleteWebhook PTB sends
    # just before its first poll says it is about to receive.
    polls = sum(1 for r in api.requests if r.method == "deleteWebhook")
    log = (workdir / "echo.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench" / "answers_echo.py"), env=env, stdout=log, stderr=log
    )
    log.close()
    try:
        polling = lambda: sum(1 for r in api.requests if r.method == "deleteWebhook") > polls  # noqa: E731
        try:
            await until(polling, 60, "the echo bot polled", lambda: process.returncode is None)
        except TimeoutError as error:
            raise RuntimeError(f"{error}\n{(workdir / 'echo.log').read_text(errors='replace')[-3000:]}") from None
        yield [process.pid]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


@contextlib.asynccontextmanager
async def baocao_bots(api: Any, spec: Spec, url: str, workdir: Path) -> AsyncIterator[list[int]]:
    """`baocao run` polling, or `spec.workers` × `baocao run --webhook` behind a round-robin proxy
    that the fake's webhook posts to; yields their pids once they receive updates."""
    from harness.bot_process import BotProcess

    proxy: RoundRobinBalancer | None = None
    env = {"TELEGRAM_REPLY_RATE": LIFTED} if spec.lifted else {}
    envs = [dict(env)]
    if spec.webhook:
        deliver_concurrently(api.webhook)
        ports = [free_port() for _ in range(spec.workers)]
        proxy = RoundRobinBalancer([f"http://127.0.0.1:{port}" for port in ports])
        await proxy.start()
        envs = [
            env | {
                "BAOCAO_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
                "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{proxy.port}/telegram",
                "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            }
            for port in ports
        ]
    run_args = ("run", "--webhook") if spec.webhook else ("run",)
    bots = []
    for n, extra in enumerate(envs, 1):
        (workdir / f"worker-{n}").mkdir()
        bots.append(BotProcess(api, workdir / f"worker-{n}", url, DEMO_NOW, extra, run_args))
    try:
        for bot in bots:
            await bot.start()
        method = "setWebhook" if spec.webhook else "deleteWebhook"  # the poller's call before it polls
        try:
            await until(
                lambda: sum(1 for r in api.requests if r.method == method) >= len(bots), 90, f"baocao's {method}",
                lambda: all(bot.process is not None and bot.process.returncode is None for bot in bots),
            )
        except TimeoutError as error:
            raise RuntimeError(f"{error}\n{bots[0].logs()[-3000:]}") from None
        pids = [bot.process.pid for bot in bots if bot.process is not None]
        yield pids
    finally:
        for bot in bots:
            await bot.stop()
        if proxy is not None:
            await proxy.stop()


# --- one row, in a child process -----------------------------------------------------------


def walks_for(people: Sequence[Officer], measured: int, echo: bool) -> list[list[Step]]:
    walks = [walk(o.form, STARTS[n % len(STARTS)], WARM_UP + measured) for n, o in enumerate(people)]
    return [echo_steps(w) for w in walks] if echo else walks


async def bot_row(spec: Spec, template: Path, postgres: str | None, workdir: Path) -> Row:
    """A closed-loop, open-load or RSS row against the echo bot or baocao."""
    from harness.fakes import FakeBotApi

    row = Row(spec)
    began = time.monotonic()
    database = postgres if spec.database == "postgresql" else None
    async with FakeBotApi(token=TOKEN) as api, demo_database(template, database, workdir) as url:
        opened = max(spec.opened, spec.officers)
        people = await officers(url, max(spec.linked, opened))
        measured_steps = ROUNDS * PER_ROUND if spec.kind != "open" else int(3 * spec.duration / spec.every) + 5
        walks = walks_for(people[:opened], measured_steps, spec.bot == "echo")
        chats = [Chat(api.user(o.user_id, f"Cán bộ {o.user_id}")) for o in people[:opened]]
        bots = echo_bot(api, spec, workdir) if spec.bot == "echo" else baocao_bots(api, spec, url, workdir)
        async with bots as pids:
            row.setup_seconds = time.monotonic() - began
            progress(f"    ready in {row.setup_seconds:.1f} s; warm-up: {opened:,} officers × {WARM_UP} steps")
            warmed = await warm_up(chats, [w[:WARM_UP] for w in walks], STEP_TIMEOUT, at_once=WARM_UP_AT_ONCE)
            kept = [(c, w[WARM_UP:]) for c, w in zip(chats[: spec.officers], walks, strict=False) if c.user.id not in warmed.stuck]
            chats, walks = [c for c, _w in kept], [w for _c, w in kept]
            ticks, host = sum(cpu_ticks(pid) for pid in pids), host_ticks()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            progress(f"    measuring: {spec.officers:,} officers")
            if spec.kind == "open":
                measured = await open_load(chats, walks, spec.every, spec.duration, STEP_TIMEOUT)
            else:
                measured = await closed_loop(chats, walks, STEP_TIMEOUT)
            used, (busy, total) = resource.getrusage(resource.RUSAGE_SELF), host_ticks()
            row.cpu_ms = (sum(cpu_ticks(pid) for pid in pids) - ticks) * 1000 / os.sysconf("SC_CLK_TCK")
            row.host_cores_busy = (busy - host[0]) / max(1, total - host[1]) * (os.cpu_count() or 1)
            row.rss_mb = [peak_rss_mb(pid) for pid in pids]
        tally(row, warmed, measured, api.requests)
        if row.failed:
            row.errors += bot_errors(workdir)
        driver = used.ru_utime + used.ru_stime - usage.ru_utime - usage.ru_stime
        row.driver_cores = driver / row.seconds if row.seconds else 0.0
    return row


def tally(row: Row, warmed: Measured, measured: Measured, requests: Sequence[Any]) -> None:
    row.answers = len(measured.latencies)
    row.failed = warmed.failed + measured.failed
    row.left_out = len(warmed.stuck)
    row.late = measured.late
    row.errors = [f"warm-up: {e}" for e in warmed.errors[:2]] + measured.errors[:3]
    row.seconds = measured.ended - measured.started
    row.latencies_ms = [1000 * latency for latency in measured.latencies]
    window = [r for r in requests if measured.started <= r.time <= measured.ended]
    row.chat_calls = sum(1 for r in window if r.method in CHAT_BOUND)
    row.callback_answers = sum(1 for r in window if r.method == "answerCallbackQuery")


def statement_kind(sql: str) -> str:
    """"SELECT chats", "INSERT answers", "BEGIN IMMEDIATE": what a statement does, and to what."""
    words = sql.split()
    verb = words[0].upper() if words else "?"
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+([\w.\"]+)", sql, re.IGNORECASE)
    return f"{verb} {table.group(1)}" if table and verb != "BEGIN" else " ".join(words[:2])


def bot_errors(workdir: Path) -> list[str]:
    """The exceptions the bot logged, most frequent first: why a turn failed."""
    raised: Counter[str] = Counter()
    for log in workdir.glob("worker-*/bot-*.log"):
        raised.update(
            line.strip()[:200] for line in log.read_text(errors="replace").splitlines()
            if re.match(r"[\w.]+(Error|Exception)\b.*:", line)
        )
    return [f"bot log: {n} × {line}" for line, n in raised.most_common(3)]


async def inprocess_row(spec: Spec, template: Path, postgres: str | None, workdir: Path) -> Row:
    """The same steps through ReportingService.handle, one at a time, each answer's SQL counted."""
    from app.runtime import runtime
    from app.settings import Settings
    from bot.base.inputs import ButtonInput, CommandInput, Input, TextInput
    from bot.service import Envelope
    from harness.statements import counting_statements

    row = Row(spec)
    database = postgres if spec.database == "postgresql" else None
    async with demo_database(template, database, workdir) as url:
        people = await officers(url, spec.officers)
        walks = walks_for(people, ROUNDS * PER_ROUND, echo=False)
        settings = Settings(_env_file=None, BAOCAO_DATABASE_URL=url, BAOCAO_NOW=DEMO_NOW, BAOCAO_FILES_DIR=str(workdir / "files"))
        statements: list[int] = []
        mix: Counter[str] = Counter()
        cpu = 0.0
        update_ids = iter(range(1, 10**9))
        async with runtime(settings, plugins=()) as rt:
            for officer, steps in zip(people, walks, strict=True):
                buttons: dict[str, ButtonInput] = {}
                for n, step in enumerate(steps):
                    received: Input
                    if step.kind == "command":
                        name, _sep, args = step.value.partition(" ")
                        received = CommandInput(name, args)
                    elif step.kind == "press":
                        received = buttons[step.value]
                    else:
                        received = TextInput(step.value)
                    chat = str(officer.user_id)
                    envelope = Envelope("telegram", chat, received, str(next(update_ids)), chat, f"Cán bộ {chat}")
                    with counting_statements(rt.unit_of_work) as sent:
                        began, clock = time.process_time(), time.perf_counter()
                        result = await rt.service.handle(envelope)
                        took, spent = time.perf_counter() - clock, time.process_time() - began
                    shown = "\n".join(reply.text for reply in result.replies)
                    if step.expect is not None and step.expect not in shown:
                        row.failed += 1
                        row.errors.append(f"user {chat}, {step.kind} {step.value!r}: got {shown[:200]!r}")
                        break
                    buttons = {b.label: ButtonInput(r.step or 0, b.value) for r in result.replies for line in r.buttons for b in line}
                    if n >= WARM_UP:
                        # BEGIN is transaction control, not a query (asyncpg's is not even seen here)
                        statements.append(sum(1 for statement in sent if not statement.startswith("BEGIN")))
                        mix.update(statement_kind(statement) for statement in sent)
                        row.latencies_ms.append(1000 * took)
                        row.seconds += took
                        cpu += spent
    row.answers = len(statements)
    row.cpu_ms = 1000 * cpu
    row.statements = sum(statements) / len(statements) if statements else None
    row.statement_mix = {k: v / len(statements) for k, v in mix.most_common()} if statements else {}
    row.statement_range = (min(statements), max(statements)) if statements else (0, 0)
    return row


def child(args: argparse.Namespace) -> int:
    spec = Spec(**json.loads(args.spec))
    workdir = Path(args.workdir)
    make = inprocess_row if spec.kind == "inprocess" else bot_row
    try:
        row = asyncio.run(make(spec, Path(args.template), args.postgres, workdir))
    except Exception as error:  # the row reports it; the other rows still run
        row = Row(spec, errors=[f"{type(error).__name__}: {error}"[:2000]])
    Path(args.result).write_text(json.dumps(asdict(row)))
    return 0


# --- the run: every row, the table, the targets ---------------------------------------------


def plan(args: argparse.Namespace) -> list[Spec]:
    """The rows of this run, in the order of the table."""
    counts = args.officers or ([20] if args.quick else [20, 100, 200])
    pg = "postgresql" if args.postgres else None
    rows: list[Spec] = []
    for n in counts:
        rows += [
            Spec("echo (PTB), 30/s", "closed", bot="echo", database="–", officers=n),
            Spec("echo (PTB), lifted", "closed", bot="echo", database="–", lifted=True, officers=n),
            Spec("baocao, 30/s", "closed", officers=n),
            Spec("baocao, lifted", "closed", lifted=True, officers=n),
        ]
        if pg:
            rows += [
                Spec("baocao, lifted", "closed", database=pg, lifted=True, officers=n),
                Spec("baocao webhook ×1, lifted", "closed", database=pg, lifted=True, webhook=True, officers=n),
                Spec("baocao webhook ×2, lifted", "closed", database=pg, lifted=True, webhook=True, workers=2, officers=n),
            ]
    every, duration, open_officers = 5.0, (10.0 if args.quick else 30.0), (50 if args.quick else 100)
    name = f"open: every {every:.0f} s, {duration:.0f} s"
    rows += [
        Spec(f"echo (PTB) {name}, 30/s", "open", bot="echo", database="–", officers=open_officers, every=every, duration=duration),
        Spec(f"baocao {name}, 30/s", "open", officers=open_officers, every=every, duration=duration),
    ]
    if pg:
        rows.append(Spec(f"baocao {name}, 30/s", "open", database=pg, officers=open_officers, every=every, duration=duration))
    rows.append(Spec("baocao in process: handle()", "inprocess", officers=6 if args.quick else 20))
    if pg:
        rows.append(Spec("baocao in process: handle()", "inprocess", database=pg, officers=6 if args.quick else 20))
    if not args.skip_rss:
        linked, opened, answering = (2_000, 300, 50) if args.quick else (10_000, 2_000, 200)
        rows.append(
            Spec(f"baocao RSS, lifted: {linked:,} linked, {opened:,} mid-report", "rss", lifted=True,
                 officers=answering, linked=linked, opened=opened)
        )
    return rows


def run_child(spec: Spec, index: int, total: int, workdir: Path, template: Path, postgres: str | None) -> Row:
    out = workdir / f"row-{index}.json"
    rowdir = workdir / f"row-{index}"
    rowdir.mkdir()
    command = [
        sys.executable, str(Path(__file__).resolve()), "--phase", json.dumps(asdict(spec)), "--workdir", str(rowdir),
        "--template", str(template), "--result", str(out), *(["--postgres", postgres] if postgres else []),
    ]
    progress(f"[{index}/{total}] {spec.label} · {spec.database} · {spec.officers:,} officers")
    began = time.monotonic()
    try:
        subprocess.run(command, timeout=900, check=False)
    except subprocess.TimeoutExpired:
        return Row(spec, errors=["killed after 900 s"])
    if not out.exists():
        return Row(spec, errors=["the child process ended without a result"])
    data = json.loads(out.read_text())
    row = Row(**{**data, "spec": spec})
    progress(f"    done in {time.monotonic() - began:.0f} s: {row.answers:,} answers, {row.rate:.1f}/s"
             + (f", {row.failed} failed" if row.failed else "") + (f"; {row.errors[0].splitlines()[0]}" if row.errors else ""))
    return row


def number(value: float | None, digits: int = 1, width: int = 6) -> str:
    return f"{value:>{width}.{digits}f}" if value is not None else f"{'–':>{width}}"


def echo_of(row: Row, rows: Sequence[Row]) -> Row | None:
    """The echo row measured under the same load as `row` (same kind, officers and limit)."""
    if row.spec.bot == "echo" or row.spec.kind not in ("closed", "open"):
        return None
    return next(
        (r for r in rows if r.spec.bot == "echo" and r.spec.kind == row.spec.kind
         and r.spec.officers == row.spec.officers and r.spec.lifted == row.spec.lifted),
        None,
    )


def cpu_ratio(row: Row, rows: Sequence[Row]) -> float | None:
    echo = echo_of(row, rows)
    mine, theirs = row.per_answer(row.cpu_ms or 0.0), echo.per_answer(echo.cpu_ms or 0.0) if echo else None
    return mine / theirs if mine is not None and theirs else None


def table(rows: Sequence[Row]) -> str:
    width = max(len("configuration"), *(len(row.spec.label) for row in rows))
    head = (
        f"{'configuration':<{width}} {'db':<10} {'offc':>6} {'ans/s':>7} {'calls/ans':>9} {'cbq/ans':>7} "
        f"{'CPU ms/ans':>10} {'×echo':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'stmts/ans':>9} {'RSS MB':>9} {'fail':>4}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        s = row.spec
        db = s.database
        rss = "/".join(f"{mb:.0f}" for mb in row.rss_mb) or "–"
        calls = None if s.kind == "inprocess" else row.per_answer(row.chat_calls)
        callbacks = None if s.kind == "inprocess" else row.per_answer(row.callback_answers)
        lines.append(
            f"{s.label:<{width}} {db:<10} {s.officers:>6,} {number(row.rate, 1, 7)} {number(calls, 2, 9)} {number(callbacks, 2, 7)} "
            f"{number(row.per_answer(row.cpu_ms or 0.0) if row.cpu_ms is not None else None, 2, 10)} "
            f"{number(cpu_ratio(row, rows), 2, 6)} {number(row.percentile(50), 1, 7)} {number(row.percentile(95), 1, 7)} "
            f"{number(row.percentile(99), 1, 7)} {number(row.statements, 1, 9)} {rss:>9} {row.failed:>4}"
        )
    return "\n".join(lines)


Check = tuple[bool, float, str]
"""Whether a row meets a target, its value (higher is worse) and how to say it."""


def verdicts(rows: Sequence[Row]) -> list[str]:
    """One line per target over the baocao rows it applies to: MET with the worst of them, or
    NOT MET with how many rows miss it, the nearest and the worst."""
    ours = [r for r in rows if r.spec.bot == "baocao" and r.answers]
    loaded = [r for r in ours if r.spec.kind != "inprocess"]

    def where(row: Row) -> str:
        return f"{row.spec.label} · {row.spec.database} · {row.spec.officers:,}"

    def line(name: str, checks: list[Check]) -> str:
        if not checks:
            return f"  {'–':<8} {name}: no row measured it"
        failing = [check for check in checks if not check[0]]
        worst = max(failing or checks, key=lambda check: check[1])[2]
        if not failing:
            return f"  {'MET':<8} {name}: worst {worst}"
        best = min(failing, key=lambda check: check[1])[2]
        missed = f"in {len(failing)} of {len(checks)} rows, from {best} to {worst}" if len(failing) > 1 else worst
        return f"  {'NOT MET':<8} {name}: {missed}"

    calls = [(v <= TARGET_CALLS, v, f"{v:.2f} ({where(r)})") for r in loaded if (v := r.per_answer(r.chat_calls)) is not None]
    cpu: list[Check] = []
    for r in loaded:
        if r.spec.kind == "rss" or r.cpu_ms is None:
            continue
        ms, ratio = r.per_answer(r.cpu_ms) or 0.0, cpu_ratio(r, rows)
        ok = ms <= TARGET_CPU_MS or (ratio is not None and ratio <= TARGET_CPU_RATIO)
        cpu.append((ok, ms, f"{ms:.2f} ms" + (f" = {ratio:.2f}× echo" if ratio else "") + f" ({where(r)})"))
    statements = [(v <= TARGET_STATEMENTS, v, f"{v:.1f} ({where(r)})") for r in ours if (v := r.statements) is not None]
    p99 = [
        (v < TARGET_P99_MS, v, f"{v:.0f} ms ({where(r)})")
        for r in ours if r.spec.kind == "open" and (v := r.percentile(99)) is not None
    ]
    rss = [(v < TARGET_RSS_MB, v, f"{v:.0f} MB ({where(r)})") for r in loaded if r.rss_mb and (v := max(r.rss_mb))]
    return [
        line(f"chat-bound calls per answer ≤ {TARGET_CALLS}", calls),
        line(f"CPU per answer ≤ {TARGET_CPU_MS:g} ms or ≤ {TARGET_CPU_RATIO}× echo", cpu),
        line(f"SQL statements per answer ≤ {TARGET_STATEMENTS:g} (in process)", statements),
        line(f"open-load p99 < {TARGET_P99_MS:g} ms", p99),
        line(f"bot peak RSS < {TARGET_RSS_MB:g} MB", rss),
    ]


def details(rows: Sequence[Row]) -> list[str]:
    lines = []
    for n, row in enumerate(rows, 1):
        s = row.spec
        text = f"  {n:>2}. {s.label} · {s.officers:,}: {row.answers:,} answers in {row.seconds:.1f} s"
        if s.kind != "inprocess":
            bot = (row.cpu_ms or 0.0) / 1000 / row.seconds if row.seconds else 0.0
            text += (
                f", setup {row.setup_seconds:.1f} s; cores busy {row.host_cores_busy:.2f} of {os.cpu_count()}"
                f" (bot {bot:.2f}, load generator {row.driver_cores:.2f})"
            )
        if s.kind == "open":
            text += f", {row.late} sent late"
        if row.failed:
            text += f", {row.failed} FAILED (apologised for or never answered)"
        if row.left_out:
            text += f", {row.left_out} officers left out (warm-up never answered)"
        if row.statement_mix:
            low, high = row.statement_range
            text += f"; statements per answer {low}–{high}, of which: " + ", ".join(f"{k} {v:.1f}" for k, v in row.statement_mix.items())
        lines.append(text)
        for i, error in enumerate(row.errors):  # the first with the end of its chat's transcript
            shown = error.splitlines()
            lines += [f"        {line[:160]}" for line in (shown[:1] + shown[1:][-3:] if i == 0 else shown[:1])]
    return lines


def revision() -> str:
    """The commit under test, and whether tracked files differ from it (someone editing)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

    try:
        head, changed = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with uncommitted changes" if changed else "")


def parent(args: argparse.Namespace) -> int:
    began = time.monotonic()
    specs = plan(args)
    code = revision()
    with tempfile.TemporaryDirectory(prefix="baocao-answers-") as tmp:
        workdir = Path(tmp)
        progress(f"Answer path benchmark: {len(specs)} rows; the demo province template …")
        template = make_template(workdir / "template.db")
        rows = [run_child(spec, n, len(specs), workdir, template, args.postgres) for n, spec in enumerate(specs, 1)]
    print()
    print(table(rows))
    print()
    print("targets (baocao rows):")
    print("\n".join(verdicts(rows)))
    print()
    print("rows:")
    print("\n".join(details(rows)))
    now = revision()
    print(f"\ncode: {code}" + (f" at the start, {now} at the end" if now != code else ""))
    print(f"wall time {time.monotonic() - began:.0f} s")
    return 0


def officer_counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 officers, a shorter open load and RSS run: 1–2 minutes")
    parser.add_argument("--officers", type=officer_counts, help="closed-loop officer counts (default 20,100,200)")
    parser.add_argument("--postgres", default=os.environ.get("BAOCAO_TEST_POSTGRES_URL"),
                        help="a PostgreSQL URL (default: BAOCAO_TEST_POSTGRES_URL); adds the PostgreSQL rows")
    parser.add_argument("--skip-rss", action="store_true", help="skip the 10,000-officer RSS row")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--template", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        args.spec = args.phase
        return child(args)
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
