"""`baocao units import` on a generated organisation of 100,000 units, next to a baseline of 10,000
in the same run: the dry run and the import of a CSV, an import that changes every name, the
dry run of the same rows as XLSX. Each step is the real command in a child process of its own
(`python -m app.cli`, a fresh SQLite database per size), so that its peak RSS is its own.

    .venv/bin/python bench/unit_import.py                 # 100,000 against 10,000: about a minute
    .venv/bin/python bench/unit_import.py --rows 20000 --baseline-rows 2000

A table, not a test: it prints how the time per row grows with the rows (about 1× is linear).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measured_command import baocao_env, run_baocao

HEADER = ("Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên")


def tree_rows(count: int, name: str = "Xã thử nghiệm", per_district: int = 1000, root: str = "T") -> Iterator[tuple[str, str, str, str]]:
    """A province (`root`), a district per `per_district` units, and communes spread over the
    districts: `count` units."""
    districts = max(1, count // per_district)
    yield (root, f"Tỉnh thử nghiệm {root}", "tinh", "")
    for d in range(districts):
        yield (f"{root}-H{d:03d}", f"Huyện thử nghiệm {root}-{d}", "huyen", root)
    for i in range(count - 1 - districts):
        district = f"{root}-H{i % districts:03d}"
        yield (f"{district}-X{i:06d}", f"{name} {i}", "xa", district)


def write_csv(path: Path, rows: Iterable[tuple[str, str, str, str]]) -> Path:
    """The organisation sheet `baocao units import` reads, as CSV."""
    with path.open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, count: int) -> Path:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(HEADER))
    for row in tree_rows(count):
        sheet.append(list(row))
    workbook.save(path)
    return path


@dataclass
class Step:
    size: int
    step: str
    seconds: float
    peak_mb: float
    code: int
    last_line: str


def baocao(workdir: Path, *args: str) -> tuple[float, float, int, str]:
    """One `baocao` command in a child process: wall seconds, its peak RSS in MB, exit code, last line."""
    used = run_baocao(workdir, baocao_env(f"sqlite+aiosqlite:///{workdir / 'baocao.db'}"), *args)
    return used.seconds, used.peak_mb, used.code, used.last_line


def measure(size: int, folder: Path, xlsx: bool) -> list[Step]:
    workdir = folder / f"{size}"
    workdir.mkdir()
    sheet = write_csv(workdir / "don-vi.csv", tree_rows(size))
    renamed = write_csv(workdir / "doi-ten.csv", tree_rows(size, "Xã đổi tên"))
    steps = []
    assert baocao(workdir, "db", "upgrade")[2] == 0
    for label, args in (
        ("dry run, CSV", ("units", "import", str(sheet), "--dry-run")),
        ("import, CSV (all new)", ("units", "import", str(sheet))),
        ("import again (no change)", ("units", "import", str(sheet))),
        ("import, every name changed", ("units", "import", str(renamed))),
    ):
        steps.append(Step(size, label, *baocao(workdir, *args)))
    if xlsx:
        book = write_xlsx(workdir / "don-vi.xlsx", size)
        steps.append(Step(size, "dry run, XLSX", *baocao(workdir, "units", "import", str(book), "--dry-run")))
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="units in the measured file (default 100,000)")
    parser.add_argument("--baseline-rows", type=int, default=10_000, help="units in the baseline file (default 10,000)")
    parser.add_argument("--no-xlsx", action="store_true", help="leave out the XLSX dry runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="baocao-bench-") as folder:
        start_up = min(step.seconds for step in measure(10, Path(folder), xlsx=False))
        baseline = measure(args.baseline_rows, Path(folder), not args.no_xlsx)
        measured = measure(args.rows, Path(folder), not args.no_xlsx)
    print(f"start-up (the fastest step on 10 rows): {start_up:.2f} s, taken off before µs/row\n")
    print(f"{'step':<28} {'rows':>8} {'seconds':>8} {'µs/row':>7} {'peak MB':>8}  {'per row vs baseline':>19}  exit")
    print("-" * 92)
    failed = False
    for small, big in zip(baseline, measured, strict=True):
        for step in (small, big):
            per_row = max(step.seconds - start_up, 0.0) / step.size
            growth = ""
            if step is big:
                small_per_row = max(small.seconds - start_up, 1e-9) / small.size
                growth = f"{per_row / small_per_row:.2f}×"
            print(f"{step.step:<28} {step.size:>8,} {step.seconds:>8.2f} {per_row * 1e6:>7.0f} {step.peak_mb:>8.0f}  {growth:>19}  {step.code}")
            failed |= step.code != 0
            if step.code != 0:
                print(f"    {step.last_line}")
    print("\nµs/row is after start-up; the measured size's against the baseline's: about 1× is linear, 10× would be quadratic.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
