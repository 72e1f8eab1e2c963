"""The province benchmark's chat side (bench/province.py): one real `baocao run` worker over the
province, polling the fake Telegram Bot API of harness/fakes. A supervisor linked at the
province's root times the status commands; officers answer at 20 answers a second (the open load
of bench/answers_load.py), once alone and once while the supervisor asks the same worker for the
summary (/xuatbaocao) and the workbook (/xuatexcel); the worker's peak RSS is read after each.

Everyone is linked straight in the database (harness.bot_process.link_directly): the supervisor
at T; the officers who answer on communes of province K, whose reports they open first (the
warm-up: /baocao and two answers, or /baocao, /sua N and one); the other linked officers on T's
communes, idle, as a real worker holds them."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers import STEP_TIMEOUT, WARM_UP, Spec, baocao_bots, peak_rss_mb
from answers_load import APOLOGY, STARTS, Chat, Measured, Step, open_load, walk, warm_up
from province_data import FILED_AT, FORM, LOAD_ROOT, ROOT_UNIT, commune_code, communes_in, vacuum_analyze

from harness.bot_process import DirectLink, link_directly
from harness.fakes import FakeBotApi, FakeUser

__all__ = ["ChatMeasures", "LoadPlan", "measure_chat", "percentile", "status_commands"]

TOKEN = "4242:PROVINCE"
SUPERVISOR = 9_000_000
FIRST_OFFICER = 10_000_000
EVERY = 5.0
"""Mean seconds between one officer's answers: 100 officers make 20 answers a second."""
WARM_UP_AT_ONCE = 200
QUIET = 0.5
"""Seconds left after a status reply before the next command, so nothing of it is still coming."""
EXPORTS_TIMEOUT = 900.0
"""Seconds the supervisor waits for the summary and the workbook to arrive in the chat."""
SAMPLE_EVERY = 0.1
"""Seconds between two readings of the worker's child processes' peak RSS."""
Progress = Callable[[str], None]


@dataclass(frozen=True)
class LoadPlan:
    """Who is linked on the worker, who answers, and for how long."""

    load_units: int
    """Units of province K, where the answering officers report."""
    linked: int
    mid_report: int
    answering: int
    """Officers in each measured load (a different set for each)."""
    seconds: float
    """How long the load alone runs."""


@dataclass
class ChatMeasures:
    status_ms: dict[str, list[float]] = field(default_factory=dict)
    alone: Measured | None = None
    with_exports: Measured | None = None
    exports_s: list[float] = field(default_factory=list)
    """When each document arrived in the supervisor's chat, in seconds after the first request."""
    rss_idle_mb: float = 0.0
    """The worker's VmHWM after the warm-up and the load alone."""
    rss_exports_mb: float = 0.0
    """The worker's VmHWM after the exports too."""
    child_peak_mb: float = 0.0
    """The highest VmHWM any child process of the worker showed while the exports ran (0: none)."""
    errors: list[str] = field(default_factory=list)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def status_commands(units: int) -> list[tuple[str, str]]:
    """The status commands as a supervisor at T types them: the count, the units not yet handed
    in (its first page), one criterion across the units, and one commune's report."""
    return [("tinhhinh", ""), ("chuanop", ""), ("tieuchi", f"{FORM.criteria_count} 5"), ("donvi", commune_code(ROOT_UNIT, units, 0))]


async def measure_chat(url: str, workdir: Path, units: int, repeats: int, plan: LoadPlan | None, progress: Progress) -> ChatMeasures:
    """The status commands `repeats` times each (after a round not counted) on a worker over the
    province of `units` at `url`; with a `plan`, the loads and the worker's memory too."""
    measures = ChatMeasures()
    async with FakeBotApi(token=TOKEN) as api:
        officers = _officers(units, plan) if plan else []
        people = [DirectLink(SUPERVISOR, "Giám sát tỉnh", (ROOT_UNIT,), role="supervisor")]
        people += [DirectLink(user_id, f"Cán bộ {user_id}", (unit,)) for user_id, unit in officers]
        await link_directly(url, people, FILED_AT)
        await vacuum_analyze(url)
        async with baocao_bots(api, Spec("province", "open", lifted=True), url, workdir) as pids:
            supervisor = Chat(api.user(SUPERVISOR, "Giám sát tỉnh"))
            progress(f"    status commands, {repeats} times each")
            measures.status_ms = await _status(supervisor, status_commands(units), repeats, measures)
            if plan is not None:
                await _loads(api, supervisor.user, pids[0], plan, measures, progress)
    return measures


def _officers(units: int, plan: LoadPlan) -> list[tuple[int, str]]:
    """(user id, unit code): first the officers who answer, on K's communes, then idle ones on T's."""
    answering = [commune_code(LOAD_ROOT, plan.load_units, n) for n in range(plan.mid_report)]
    idle = [commune_code(ROOT_UNIT, units, n) for n in range(min(communes_in(units), plan.linked - plan.mid_report))]
    return [(FIRST_OFFICER + n, code) for n, code in enumerate(answering + idle)]


async def _status(supervisor: Chat, commands: list[tuple[str, str]], repeats: int, into: ChatMeasures) -> dict[str, list[float]]:
    """Milliseconds from each command sent to its reply appearing, `repeats` times per command."""
    timings: dict[str, list[float]] = {name: [] for name, _args in commands}
    failures = Measured()
    for round_ in range(repeats + 1):
        for name, args in commands:
            step = Step("command", f"{name} {args}".strip(), None)
            try:
                seconds = await supervisor.act(step, STEP_TIMEOUT, failures)
            except TimeoutError as error:
                into.errors.append(f"/{name}: {error}")
                continue
            if round_:
                timings[name].append(1000 * seconds)
            await asyncio.sleep(QUIET)
    into.errors += failures.errors
    return timings


async def _loads(api: FakeBotApi, supervisor: FakeUser, pid: int, plan: LoadPlan, into: ChatMeasures, progress: Progress) -> None:
    """The warm-up of the officers mid-report, the load alone, then the load while the
    supervisor's exports are made; the worker's peak RSS after each load."""
    answering = [FIRST_OFFICER + n for n in range(plan.mid_report)]
    chats = [Chat(api.user(user_id, f"Cán bộ {user_id}")) for user_id in answering]
    walks = [walk(FORM.id, STARTS[n % len(STARTS)], WARM_UP + 1000) for n in range(len(chats))]
    progress(f"    warm-up: {len(chats):,} officers open their report")
    warmed = await warm_up(chats, [w[:WARM_UP] for w in walks], STEP_TIMEOUT, at_once=WARM_UP_AT_ONCE)
    into.errors += [f"warm-up: {error}" for error in warmed.errors[:2]]
    ready = [(c, w[WARM_UP:]) for c, w in zip(chats, walks, strict=True) if c.user.id not in warmed.stuck]
    alone, loaded = ready[: plan.answering], ready[plan.answering : 2 * plan.answering]
    progress(f"    {len(alone)} officers answer for {plan.seconds:.0f} s, alone")
    into.alone = await open_load([c for c, _w in alone], [w for _c, w in alone], EVERY, plan.seconds, STEP_TIMEOUT)
    into.rss_idle_mb = peak_rss_mb(pid)
    progress(f"    {len(loaded)} officers answer while the supervisor asks for the summary and the workbook")
    done = asyncio.Event()
    exports = asyncio.create_task(_exports(supervisor, pid, into, done))
    into.with_exports = await open_load([c for c, _w in loaded], [w for _c, w in loaded], EVERY, EXPORTS_TIMEOUT, STEP_TIMEOUT, seed=11, stop=done)
    await exports
    into.rss_exports_mb = peak_rss_mb(pid)
    into.errors += [f"while the exports ran: {error}" for error in into.with_exports.errors[:1]]


async def _exports(supervisor: FakeUser, pid: int, into: ChatMeasures, done: asyncio.Event) -> None:
    """/xuatbaocao and /xuatexcel from the supervisor, one after the other at once; notes when each
    document arrives, and samples the worker's children's peak RSS until both have."""

    def documents() -> int:
        return sum(1 for message in supervisor.messages if "document" in message)

    before, said = documents(), len(supervisor.messages)
    started = time.monotonic()
    supervisor.send_command("xuatbaocao")
    supervisor.send_command("xuatexcel")
    try:
        while len(into.exports_s) < 2:
            failed = any(APOLOGY in (message.get("text") or "") for message in supervisor.messages[said:])
            if failed or time.monotonic() - started > EXPORTS_TIMEOUT:
                why = "the bot apologised" if failed else f"not within {EXPORTS_TIMEOUT:.0f} s"
                into.errors.append(f"the documents did not arrive: {why}\n{supervisor.transcript()[-1500:]}")
                break
            into.exports_s += [time.monotonic() - started] * (documents() - before - len(into.exports_s))
            for child in _descendants(pid):
                with contextlib.suppress(OSError):  # it may have ended meanwhile
                    into.child_peak_mb = max(into.child_peak_mb, peak_rss_mb(child))
            await asyncio.sleep(SAMPLE_EVERY)
    finally:
        done.set()


def _descendants(pid: int) -> list[int]:
    """The process's children, theirs, and so on (from /proc; those that ended are gone)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += [int(child), *_descendants(int(child))]
    return found
