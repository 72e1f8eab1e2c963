"""A ministry-wide campaign on one worker: a province of 10,000 units with every report answered
and handed in, next to a baseline province of 1,000 in the same run, measured through the
product's own surfaces only.

    .venv/bin/python bench/province.py                     # 10,000 against 1,000, SQLite
    .venv/bin/python bench/province.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/province.py --units 2000 --baseline-units 200 --linked 1000 --mid-report 300

Each province is made by `baocao units import` and `baocao campaigns load`, its answers written
straight into the tables (bench/province_data.py). Then:

- each export (`baocao export docx` summary, `xlsx`, `chart`, one unit's `docx`) is its own child
  process, waited for alone: wall time, CPU time and peak RSS, and the time and CPU added over an
  empty `baocao` process (`baocao --help`: the interpreter and the program's imports);
- the status commands /tinhhinh, /chuanop, /tieuchi and /donvi, as the province's supervisor sees
  them through the real `baocao run` worker and the fake Telegram Bot API: from sending the
  command to the reply appearing, median and p95;
- on the large province only, officers answering at 20 answers a second on that worker, alone and
  while the supervisor asks it for the summary and the workbook in the chat; and the worker's peak
  RSS with `--linked` officers linked and `--mid-report` of them in the middle of their report
  (bench/province_chat.py).

A measurement, not a test: it prints the tables and the targets (MET or NOT MET) and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers import STEP_TIMEOUT, revision
from measured_command import Usage, baocao_env, run_baocao
from province_chat import ChatMeasures, LoadPlan, measure_chat, percentile
from province_data import CAMPAIGN, ROOT_UNIT, commune_code, province_database, units_for_communes

from harness.bot_process import DEMO_NOW

EXPORTS = {
    "summary DOCX": ("docx", "summary.docx"),
    "workbook XLSX": ("xlsx", "workbook.xlsx"),
    "chart PNG": ("chart", "chart.png"),
    "one unit's DOCX": ("docx", "unit.docx"),
}
ONE_UNIT = "one unit's DOCX"
TARGET_EXPORT_S = {"summary DOCX": 5.0, "workbook XLSX": 5.0, "chart PNG": 2.0}
TARGET_EXPORT_MB = {"summary DOCX": 150.0, "workbook XLSX": 150.0}
TARGET_STATUS_MS = 300.0
TARGET_P99_MS = 300.0
TARGET_WORKER_MB = 150.0
EMPTY_RUNS = 3


@dataclass
class Province:
    """What one province measured on one database."""

    database: str
    units: int
    exports: dict[str, Usage]
    chat: ChatMeasures


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def exports_of(url: str, workdir: Path, units: int) -> dict[str, Usage]:
    """Each export as `baocao export`, a process of its own."""
    env = baocao_env(url, BAOCAO_NOW=DEMO_NOW, BAOCAO_FILES_DIR=str(workdir / "files"))
    measured = {}
    for name, (kind, out) in EXPORTS.items():
        unit = ("--unit", commune_code(ROOT_UNIT, units, 0)) if name == ONE_UNIT else ()
        measured[name] = used = run_baocao(workdir, env, "export", kind, "--scope", ROOT_UNIT, *unit, "--campaign", CAMPAIGN, "--out", out)
        progress(f"    {name}: {used.seconds:.2f} s, {used.peak_mb:.0f} MB" + (f", exit {used.code}: {used.last_line}" if used.code else ""))
    return measured


async def measure_province(database: str, postgres: str | None, folder: Path, units: int, repeats: int, plan: LoadPlan | None) -> Province:
    workdir = folder / f"{database}-{units}"
    began = time.monotonic()
    progress(f"{database}, {units:,} units: making the province" + (f" (and {plan.load_units:,} more to answer in)" if plan else ""))
    async with province_database(postgres, workdir, units, plan.load_units if plan else 0) as url:
        progress(f"    made in {time.monotonic() - began:.0f} s; the exports")
        exports = exports_of(url, workdir, units)
        (workdir / "bot").mkdir()
        chat = await measure_chat(url, workdir / "bot", units, repeats, plan, progress)
    return Province(database, units, exports, chat)


def empty_process(folder: Path) -> Usage:
    """`baocao --help`, the fastest of a few: what any `baocao` process costs before it works."""
    folder.mkdir()
    runs = [run_baocao(folder, baocao_env("sqlite+aiosqlite:///unused.db"), "--help") for _ in range(EMPTY_RUNS)]
    return min(runs, key=lambda used: used.seconds)


# --- the tables -------------------------------------------------------------------------------


def growth(large: float, small: float, large_units: int, small_units: int) -> str:
    """The large province's cost per unit against the small one's: about 1× is linear."""
    if small <= 0:
        return "–"
    return f"{(large / large_units) / (small / small_units):.2f}×"


def exports_table(base: Province, large: Province, empty: Usage) -> list[str]:
    head = f"{'export':<16} {'units':>7} {'time s':>8} {'added s':>8} {'CPU s':>7} {'added CPU':>9} {'peak RSS MB':>11} {'per unit vs baseline':>20}"
    lines = [head, "-" * len(head), f"{'empty baocao':<16} {'–':>7} {empty.seconds:>8.2f} {'–':>8} {empty.cpu_seconds:>7.2f} {'–':>9} {empty.peak_mb:>11.0f}"]
    for name in EXPORTS:
        for province in (base, large):
            used = province.exports[name]
            added, added_cpu = used.seconds - empty.seconds, used.cpu_seconds - empty.cpu_seconds
            shown = ""
            if province is large:
                small = base.exports[name]
                if name == ONE_UNIT:
                    shown = f"{added / max(small.seconds - empty.seconds, 1e-9):.2f}× (whole)"
                else:
                    shown = growth(added, small.seconds - empty.seconds, large.units, base.units)
            failed = f"  exit {used.code}: {used.last_line[:80]}" if used.code else ""
            lines.append(
                f"{name:<16} {province.units:>7,} {used.seconds:>8.2f} {added:>8.2f} {used.cpu_seconds:>7.2f} {added_cpu:>9.2f}"
                f" {used.peak_mb:>11.0f} {shown:>20}{failed}"
            )
    return lines


def status_table(base: Province, large: Province) -> list[str]:
    head = f"{'command':<10} {'units':>7} {'runs':>5} {'median ms':>10} {'p95 ms':>8} {'per unit vs baseline':>20}"
    lines = [head, "-" * len(head)]
    for name, base_ms in base.chat.status_ms.items():
        for province in (base, large):
            times = province.chat.status_ms.get(name, [])
            median = statistics.median(times) if times else float("nan")
            shown = growth(median, statistics.median(base_ms), large.units, base.units) if province is large and base_ms and times else ""
            lines.append(f"/{name:<9} {province.units:>7,} {len(times):>5} {median:>10.0f} {percentile(times, 95):>8.0f} {shown:>20}")
    return lines


def answers_table(large: Province, plan: LoadPlan) -> list[str]:
    chat = large.chat
    head = f"{'officers answering, every 5 s':<44} {'answers':>7} {'ans/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'fail':>4} {'worker VmHWM MB':>15}"
    lines = [head, "-" * len(head)]
    for label, measured, rss in (
        (f"{plan.answering} officers, alone", chat.alone, chat.rss_idle_mb),
        (f"{plan.answering} officers, with /xuatbaocao + /xuatexcel", chat.with_exports, chat.rss_exports_mb),
    ):
        if measured is None:
            lines.append(f"{label:<44} not measured")
            continue
        ms = [1000 * latency for latency in measured.latencies]
        seconds = measured.ended - measured.started
        rate = len(ms) / seconds if seconds else 0.0
        p50, p95, p99 = (f"{percentile(ms, p):>7.0f}" if ms else f"{'–':>7}" for p in (50, 95, 99))
        lines.append(f"{label:<44} {len(ms):>7,} {rate:>6.1f} {p50} {p95} {p99} {measured.failed:>4} {rss:>15.0f}")
    arrived = ", ".join(f"{s:.1f} s" for s in chat.exports_s) or "never"
    lines.append(f"(the documents arrived in the supervisor's chat after {arrived}; the worker's children peaked at {chat.child_peak_mb:.0f} MB)")
    lines.append(f"({plan.linked:,} officers linked, {plan.mid_report:,} of them mid-report; the first VmHWM is after their warm-up and the load alone)")
    return lines


def verdicts(large: Province, empty: Usage) -> list[str]:
    def line(ok: bool, text: str) -> str:
        return f"  {'MET' if ok else 'NOT MET':<8} {text}"

    lines = []
    for name, seconds in TARGET_EXPORT_S.items():
        used = large.exports[name]
        added = used.seconds - empty.seconds
        ok = used.code == 0 and added < seconds
        text = f"{name} for {large.units:,} units under {seconds:g} s added: {added:.1f} s"
        if name in TARGET_EXPORT_MB:
            ok = ok and used.peak_mb < TARGET_EXPORT_MB[name]
            text += f"; peak RSS under {TARGET_EXPORT_MB[name]:g} MB: {used.peak_mb:.0f} MB"
        lines.append(line(ok, text))
    for name, times in large.chat.status_ms.items():
        p95 = percentile(times, 95)
        lines.append(line(bool(times) and p95 < TARGET_STATUS_MS, f"/{name} at {large.units:,} units under {TARGET_STATUS_MS:g} ms (p95): {p95:.0f} ms"))
    loaded = large.chat.with_exports
    if loaded is not None:
        name = f"answers' p99 while the exports run under {TARGET_P99_MS:g} ms"
        if loaded.latencies:
            p99 = percentile([1000 * latency for latency in loaded.latencies], 99)
            failed = f"; {loaded.failed} answers apologised for or never answered" if loaded.failed else ""
            lines.append(line(p99 < TARGET_P99_MS and not loaded.failed, f"{name}: {p99:.0f} ms{failed}"))
        else:
            lines.append(line(False, f"{name}: none of the {loaded.failed} answers sent was answered within {STEP_TIMEOUT:.0f} s"))
        worst = max(large.chat.rss_exports_mb, large.chat.child_peak_mb)
        lines.append(line(worst < TARGET_WORKER_MB, f"worker (and its children) under {TARGET_WORKER_MB:g} MB, exports included: {worst:.0f} MB"))
    return lines


def report(results: list[tuple[Province, Province]], empty: Usage, plan: LoadPlan) -> None:
    for base, large in results:
        print(f"\n== {large.database}: {large.units:,} units against {base.units:,} ==\n")
        print("\n".join(exports_table(base, large, empty)))
        print()
        print("\n".join(status_table(base, large)))
        print()
        print("\n".join(answers_table(large, plan)))
        print("\ntargets:")
        print("\n".join(verdicts(large, empty)))
        for error in (base.chat.errors + large.chat.errors)[:4]:
            print("  error: " + "\n         ".join(error.splitlines()[:6]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=10_000, help="units of the measured province (default 10,000)")
    parser.add_argument("--baseline-units", type=int, default=1_000, help="units of the baseline province (default 1,000)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL: the same again there, each province in a new schema")
    parser.add_argument("--no-sqlite", action="store_true", help="with --postgres, measure PostgreSQL only")
    parser.add_argument("--linked", type=int, default=10_000, help="officers linked on the worker (default 10,000)")
    parser.add_argument("--mid-report", type=int, default=2_000, help="of them, in the middle of their report (default 2,000)")
    parser.add_argument("--answering", type=int, default=100, help="officers in each measured load: every 5 s each (default 100: 20/s)")
    parser.add_argument("--load-seconds", type=float, default=30.0, help="how long the load alone runs (default 30)")
    parser.add_argument("--repeats", type=int, default=7, help="times each status command is timed (default 7)")
    args = parser.parse_args(argv)
    mid_report = max(args.mid_report, 2 * args.answering)
    plan = LoadPlan(units_for_communes(mid_report), max(args.linked, mid_report), mid_report, args.answering, args.load_seconds)
    databases = ([] if args.no_sqlite else [("sqlite", None)]) + ([("postgresql", args.postgres)] if args.postgres else [])
    began, code, load = time.monotonic(), revision(), Path("/proc/loadavg").read_text().split()[:3]
    results = []
    with tempfile.TemporaryDirectory(prefix="baocao-province-") as tmp:
        folder = Path(tmp)
        empty = empty_process(folder / "empty")
        for database, url in databases:
            base = asyncio.run(measure_province(database, url, folder, args.baseline_units, args.repeats, None))
            large = asyncio.run(measure_province(database, url, folder, args.units, args.repeats, plan))
            results.append((base, large))
    report(results, empty, plan)
    now, load_end = revision(), Path("/proc/loadavg").read_text().split()[:3]
    print(f"\ncode: {code}" + (f" at the start, {now} at the end" if now != code else ""))
    print(f"load average (1, 5, 15 min): {' '.join(load)} at the start, {' '.join(load_end)} at the end, on {os.cpu_count()} cores")
    print(f"wall time {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
