"""The `baocao` command line as an administrator meets it, over a fresh SQLite file: main() run
in this process (the program itself once, for its entry point). Whatever goes wrong is one line
in Vietnamese and a non-zero exit code, never a traceback."""

from __future__ import annotations

import asyncio
import csv
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app.cli import main
from storage.database import create_engine
from storage.migrate import upgrade
from storage.unit_of_work import UnitOfWorkFactory

NOT_CREATED = "Chưa tạo cơ sở dữ liệu: hãy chạy `baocao db upgrade` trước."
ENV_PREFIXES = ("BAOCAO_", "TELEGRAM_", "ZALO_")


@dataclass
class Result:
    code: int
    out: str
    err: str


class Cli:
    """`baocao ARGS` with only these settings in the environment, in a working folder of its own."""

    def __init__(self, workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.workdir = workdir
        self.url = f"sqlite+aiosqlite:///{workdir / 'baocao.db'}"
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(self, *args: str, **env: str) -> Result:
        with self.monkeypatch.context() as patch:
            for name in [name for name in os.environ if name.startswith(ENV_PREFIXES)]:
                patch.delenv(name)
            for name, value in {"BAOCAO_DATABASE_URL": self.url, "BAOCAO_NOW": "2023-11-20T08:00:00+07:00", **env}.items():
                patch.setenv(name, value)
            patch.chdir(self.workdir)
            self.capsys.readouterr()
            try:
                code = main(list(args))
            except SystemExit as exit:  # argparse's way out
                code = int(exit.code or 0)
            out, err = self.capsys.readouterr()
        return Result(code, out, err)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path, monkeypatch, capsys)


@pytest.fixture
def demo(cli: Cli) -> Cli:
    assert cli("db", "upgrade").code == 0
    assert cli("seed", "demo").code == 0
    return cli


def test_the_installed_program_answers_in_vietnamese(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES)}
    env["BAOCAO_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}"
    done = subprocess.run([sys.executable, "-m", "app.cli", "units", "list"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr.strip()) == (1, NOT_CREATED)


def test_a_database_not_yet_created_says_to_run_db_upgrade(cli: Cli) -> None:
    for command in (("units", "list"), ("invite", "--unit", "CAP-CL-NGHIHAI"), ("seed", "demo")):
        result = cli(*command)
        assert (result.code, result.err.strip()) == (1, NOT_CREATED), command


def test_db_upgrade_says_whether_it_created_migrated_or_found_the_database_current(cli: Cli) -> None:
    assert cli("db", "upgrade").out.strip() == "Đã tạo cơ sở dữ liệu (phiên bản lược đồ 0006)."
    assert cli("db", "upgrade").out.strip() == "Cơ sở dữ liệu đã ở phiên bản mới nhất (0006); không cần làm gì."
    other = Cli(cli.workdir / "older", cli.monkeypatch, cli.capsys)
    other.workdir.mkdir()
    asyncio.run(upgrade(other.url, "0004"))
    older = other("units", "list")
    assert (older.code, older.err.strip()) == (1, "Cơ sở dữ liệu cũ hơn phiên bản baocao này: hãy chạy `baocao db upgrade` trước.")
    assert other("db", "upgrade").out.strip() == "Đã nâng cấp cơ sở dữ liệu từ phiên bản 0004 lên 0006."


def test_an_invalid_setting_is_named(demo: Cli) -> None:
    result = demo("units", "list", BAOCAO_MAX_FILE_MB="nhiều")
    assert (result.code, result.err.strip()) == (
        1, "Giá trị cấu hình BAOCAO_MAX_FILE_MB không hợp lệ (“nhiều”); xem README, mục Configuration."
    )  # fmt: skip


def test_unknown_files_forms_and_campaigns_are_one_clear_line(demo: Cli) -> None:
    missing = demo("forms", "import", "khong-co.xlsx", "--form", "cq-14")
    assert (missing.code, missing.err.strip()) == (1, "Dữ liệu không hợp lệ: khong-co.xlsx: không có tệp này")
    unknown_form = demo("forms", "import", "khong-co.xlsx", "--form", "cq-99")
    assert unknown_form.code == 1 and unknown_form.err.startswith("Không có mẫu báo cáo cq-99. Các mẫu hiện có: cap-22,")
    unknown_campaign = demo("reminders", "plan", "--campaign", "tong-ket-2030")
    assert (unknown_campaign.code, unknown_campaign.err.strip()) == (
        1, "Không có đợt báo cáo tong-ket-2030. Các đợt báo cáo hiện có: so-ket-2023, so-ket-2023-2024."
    )  # fmt: skip


def test_argparse_speaks_vietnamese(cli: Cli) -> None:
    helped = cli("--help")
    assert helped.code == 0
    assert helped.out.startswith("cách dùng: baocao") and "\ntùy chọn:\n" in helped.out and "hiện hướng dẫn này rồi thoát" in helped.out
    wrong = cli("invite")
    assert wrong.code == 2 and wrong.err.splitlines()[-1] == "baocao invite: lỗi: thiếu các tham số bắt buộc: --unit"


def test_invite_checks_its_days_ignores_case_and_says_how_to_get_a_link(demo: Cli) -> None:
    for days in ("0", "-3", "bảy"):
        refused = demo("invite", "--unit", "CAP-CL-NGHIHAI", "--days", days)
        assert refused.code == 2 and f"lỗi: tham số --days: cần một số ngày nguyên, từ 1 trở lên, không phải “{days}”" in refused.err
    plain = demo("invite", "--unit", "cap-cl-nghihai", "--days", "3")
    assert plain.code == 0 and plain.out.startswith("Mã mời cho Công an phường Nghi Hải (cán bộ báo cáo): ")
    assert "hãy đặt TELEGRAM_BOT_TOKEN và TELEGRAM_BOT_USERNAME" in plain.out
    linked = demo("invite", "--unit", "Cap-Cl-NghiHai", TELEGRAM_BOT_TOKEN="1:abc", TELEGRAM_BOT_USERNAME="@baocao_bot")
    code = linked.out.split(": ")[1].split()[0]
    assert f"hoặc mở trên Telegram: https://t.me/baocao_bot?start={code}\n" in linked.out


def test_a_telegram_that_cannot_be_reached_at_start_is_one_line(demo: Cli) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    result = demo("run", TELEGRAM_BOT_TOKEN="1:abc", TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{closed}/bot")
    assert result.code == 1 and result.err.splitlines()[-1].startswith("Không khởi động được Telegram: ")


def test_forms_import_reads_a_vietnamese_sheet_and_an_identical_one_changes_nothing(demo: Cli) -> None:
    sheet = demo.workdir / "tieu-chi.csv"
    with sheet.open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow(["STT", "Nội dung tiêu chí", "Ghi chú"])
        writer.writerows([[n, f"Tiêu chí chính thức số {n}.", ""] for n in range(1, 15)])
    first = demo("forms", "import", str(sheet), "--form", "cq-14")
    assert first.out.strip() == "Đã nhập 14 nội dung tiêu chí vào mẫu báo cáo cq-14 (bộ tiêu chí phiên bản 2)."
    again = demo("forms", "import", str(sheet), "--form", "cq-14")
    assert (again.code, again.out.strip()) == (0, "Nội dung trong tieu-chi.csv trùng với nội dung hiện có của cq-14; không có gì thay đổi.")


def test_the_organisation_round_trips_and_an_import_writes_all_or_nothing(demo: Cli) -> None:
    exported = demo("units", "export", "don-vi.xlsx")
    assert exported.out.strip() == "Đã ghi 119 đơn vị vào don-vi.xlsx."
    assert demo("units", "import", "don-vi.xlsx").out.strip() == "Cơ cấu tổ chức đã khớp với don-vi.xlsx; không có gì thay đổi."

    sheet = demo.workdir / "don-vi.csv"
    demo("units", "export", str(sheet))
    lines = sheet.read_text(encoding="utf-8-sig").splitlines()
    edited = [line.replace("Công an phường Nghi Thu,", "Công an phường Nghi Thu (mới),") for line in lines if "XA-DEMO-01," not in line]
    edited.append("CAP-CL-MOI,Công an phường Mới,cap,NA-CL")
    sheet.write_text("\n".join(edited) + "\n", encoding="utf-8")
    dry = demo("units", "import", str(sheet), "--dry-run")
    assert dry.out.splitlines() == [
        "+ CAP-CL-MOI: đơn vị mới",
        "~ CAP-CL-NGHITHU: đổi tên “Công an phường Nghi Thu” → “Công an phường Nghi Thu (mới)”",
        "- XA-DEMO-01: thôi sử dụng",
        "Chạy thử: chưa ghi gì vào cơ sở dữ liệu.",
    ]
    assert demo("units", "import", str(sheet)).out.strip().endswith("Đã nhập don-vi.csv: 119 đơn vị, 3 thay đổi.")
    assert demo("units", "import", str(sheet)).out.strip() == "Cơ cấu tổ chức đã khớp với don-vi.csv; không có gì thay đổi."
    listed = demo("units", "list").out
    assert "CAP-CL-MOI" in listed and "Công an phường Nghi Thu (mới)" in listed
    # The retired commune is kept, and left out of an export (and so of the next import).
    demo("units", "export", "sau.csv")
    assert "XA-DEMO-01" in listed and "XA-DEMO-01" not in (demo.workdir / "sau.csv").read_text(encoding="utf-8-sig")


def test_a_unit_with_reports_is_retired_only_when_asked(demo: Cli) -> None:
    demo("units", "export", "don-vi.csv")
    sheet = demo.workdir / "don-vi.csv"

    async def open_report() -> None:  # as the officer's first /baocao does
        engine = create_engine(demo.url)
        async with UnitOfWorkFactory(engine)() as uow:
            unit = next(u for u in await uow.units.units() if u.code == "CAP-CL-NGHIHAI")
            await uow.reports.open_unit("so-ket-2023", unit.id, datetime.now(timezone.utc))
        await engine.dispose()

    asyncio.run(open_report())
    sheet.write_text("\n".join(line for line in sheet.read_text(encoding="utf-8-sig").splitlines() if "CAP-CL-NGHIHAI," not in line) + "\n", encoding="utf-8")
    refused = demo("units", "import", str(sheet))
    assert refused.code == 1 and refused.err.strip() == (
        "Chưa nhập: 1 đơn vị không có trong tệp nhưng đã có báo cáo (CAP-CL-NGHIHAI). "
        "Hãy bổ sung lại vào tệp, hoặc thêm --retire để cho các đơn vị này thôi sử dụng."
    )
    assert "- CAP-CL-NGHIHAI: thôi sử dụng (đơn vị đã có báo cáo)" in refused.out
    assert demo("units", "import", str(sheet), "--retire").code == 0


CAMPAIGN_FILE = """\
code: tong-ket-2025
title: {vi: Tổng kết năm 2025, en: 2025 review}
basis: Kế hoạch của tỉnh
opens: 2023-11-01
milestones:
  - {kind: report_due, due: 2023-11-25, title: {vi: Hạn gửi báo cáo}}
reminders: {days_before: [3, 1, 0], at: "08:30", overdue_notice: true}
enrol:
  - {unit_kind: cap, form: cap-22}
  - {unit_kind: tinh, form: de-cuong, units: [NA-KHONG-CO]}
closes: 2023-11-25
"""


def test_a_province_loads_its_own_campaign_and_it_closes_on_its_date(demo: Cli) -> None:
    path = demo.workdir / "tong-ket-2025.yaml"
    path.write_text(CAMPAIGN_FILE, encoding="utf-8")
    loaded = demo("campaigns", "load", str(path))
    assert loaded.out.splitlines() == [
        "Cảnh báo: quy tắc enrol[1] (tinh → de-cuong) không áp dụng cho đơn vị nào.",
        "Đã nạp đợt báo cáo tong-ket-2025: 16 đơn vị tham gia; mở ngày 01/11/2023, hạn nộp 25/11/2023, đóng ngày 25/11/2023.",
    ]
    assert "tong-ket-2025            01/11/2023 → 25/11/2023 → 25/11/2023    16  Tổng kết năm 2025" in demo("campaigns", "list").out
    shown = demo("campaigns", "show", "tong-ket-2025").out
    assert "Nhắc hạn trước 3, 1, 0 ngày, lúc 08:30." in shown and "cap-22: 16 đơn vị" in shown
    plan = demo("reminders", "plan", "--campaign", "tong-ket-2025").out
    assert plan.count(" — tong-ket-2025 — ") == 3 and "quá hạn" not in plan  # no overdue notice: it has closed by then
    path.write_text(CAMPAIGN_FILE.replace("closes: 2023-11-25", "closes: 2023-11-24"), encoding="utf-8")
    wrong = demo("campaigns", "load", str(path))
    assert wrong.code == 1 and "closes: 2023-11-24 is before the report deadline (2023-11-25)" in wrong.err
