"""The `baocao` command line as an administrator meets it, over a fresh SQLite file: main() run
in this process (the program itself once, for its entry point). Whatever goes wrong is one line
in Vietnamese and a non-zero exit code, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import gettext
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import docx
import openpyxl
import pypdf
import pytest
import segno

from bot.base.records import InviteProblem, Redemption
from harness.bot_process import DirectLink, link_directly
from harness.fakes import FakeBotApi
from storage.database import create_engine
from storage.migrate import head_revision, upgrade
from storage.unit_of_work import UnitOfWorkFactory
from tests.cli_harness import DEMO_DAY, ENV_PREFIXES, Cli

NOT_CREATED = "Chưa tạo cơ sở dữ liệu: hãy chạy `baocao db upgrade` trước."
def test_the_installed_program_answers_in_vietnamese(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES)}
    env["BAOCAO_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}"
    done = subprocess.run([sys.executable, "-m", "app.cli", "units", "list"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr.strip()) == (1, NOT_CREATED)


def test_a_database_not_yet_created_says_to_run_db_upgrade(cli: Cli) -> None:
    for command in (("units", "list"), ("invite", "--unit", "CAP-CL-NGHIHAI"), ("seed", "demo"), ("export", "xlsx", "--scope", "CA-NA", "--out", "a.xlsx")):
        result = cli(*command)
        assert (result.code, result.err.strip()) == (1, NOT_CREATED), command


def test_db_upgrade_says_whether_it_created_migrated_or_found_the_database_current(cli: Cli) -> None:
    head = head_revision()
    assert cli("db", "upgrade").out.strip() == f"Đã tạo cơ sở dữ liệu (phiên bản lược đồ {head})."
    assert cli("db", "upgrade").out.strip() == f"Cơ sở dữ liệu đã ở phiên bản mới nhất ({head}); không cần làm gì."
    other = Cli(cli.workdir / "older", cli.monkeypatch, cli.capsys)
    other.workdir.mkdir()
    asyncio.run(upgrade(other.url, "0004"))
    older = other("units", "list")
    assert (older.code, older.err.strip()) == (1, "Cơ sở dữ liệu cũ hơn phiên bản baocao này: hãy chạy `baocao db upgrade` trước.")
    assert other("db", "upgrade").out.strip() == f"Đã nâng cấp cơ sở dữ liệu từ phiên bản 0004 lên {head}."


def closed_port() -> int:
    """A local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("BAOCAO_MAX_FILE_MB", "nhiều", "nhiều"),
        ("BAOCAO_TIMEZONE", "Asia/Hanoi", "Asia/Hanoi"),
        ("BAOCAO_LOCALE", "fr", "fr"),
        ("BAOCAO_INVITE_DAYS", "99999", "99999"),
        ("BAOCAO_DATABASE_URL", "khong-phai-url", "khong-phai-url"),
        ("BAOCAO_DATABASE_URL", "mysql://canbo:matkhau@127.0.0.1/baocao", "mysql://canbo:***@127.0.0.1/baocao"),
    ],
)
def test_an_invalid_setting_is_named(demo: Cli, name: str, value: str, shown: str) -> None:
    for command in (("units", "list"), ("db", "upgrade")):
        result = demo(*command, **{name: value})
        assert (result.code, result.err.strip()) == (
            1, f"Giá trị cấu hình {name} không hợp lệ (“{shown}”); xem README, mục Configuration."
        ), command  # fmt: skip


def test_a_database_server_that_does_not_answer_is_one_line_without_its_password(cli: Cli) -> None:
    url = f"postgresql+asyncpg://baocao:matkhau@127.0.0.1:{closed_port()}/baocao"
    for command in (("units", "list"), ("db", "upgrade")):
        result = cli(*command, BAOCAO_DATABASE_URL=url)
        assert (result.code, result.err.strip()) == (1, (
            f"Không mở được cơ sở dữ liệu {url.replace(':matkhau@', ':***@')}: hãy kiểm tra máy chủ cơ sở dữ liệu có đang "
            "chạy không và giá trị BAOCAO_DATABASE_URL (thêm --verbose để xem nguyên nhân)."
        )), command


def test_unknown_files_forms_and_campaigns_are_one_clear_line(demo: Cli) -> None:
    for command in (("forms", "import", "khong-co.xlsx", "--form", "cq-14"), ("units", "import", "khong-co.csv"), ("campaigns", "load", "khong-co.yaml")):
        missing = demo(*command)
        assert (missing.code, missing.err.strip()) == (1, f"Không tìm thấy tệp hay thư mục {command[2]}."), command
    folder = demo("forms", "import", str(demo.workdir), "--form", "cq-14")
    assert (folder.code, folder.err.strip()) == (1, f"{demo.workdir} là một thư mục, không phải tệp.")
    unknown_form = demo("forms", "import", "khong-co.xlsx", "--form", "cq-99")
    assert unknown_form.code == 1 and unknown_form.err.startswith("Không có mẫu báo cáo cq-99. Các mẫu hiện có: cap-22,")
    unknown_campaign = demo("reminders", "plan", "--campaign", "tong-ket-2030")
    assert (unknown_campaign.code, unknown_campaign.err.strip()) == (
        1, "Không có đợt báo cáo tong-ket-2030. Các đợt báo cáo hiện có: so-ket-2023, so-ket-2023-2024."
    )  # fmt: skip


def test_a_console_for_an_unknown_unit_says_only_that(demo: Cli) -> None:
    result = demo("console", "--as", " khong-co ")
    assert (result.code, result.out, result.err.strip()) == (1, "", "Không tìm thấy đơn vị KHONG-CO. Xem danh sách đơn vị bằng `baocao units list`.")


def test_an_unknown_campaign_where_none_is_loaded_says_how_to_load_one(cli: Cli) -> None:
    cli("db", "upgrade")
    result = cli("campaigns", "show", "tong-ket-2025")
    assert (result.code, result.err.strip()) == (
        1, "Không có đợt báo cáo tong-ket-2025: chưa nạp đợt báo cáo nào (nạp bằng `baocao campaigns load TỆP.yaml`)."
    )  # fmt: skip


def test_argparse_speaks_vietnamese(cli: Cli) -> None:
    helped = cli("--help")
    assert helped.code == 0
    assert helped.out.startswith("cách dùng: baocao") and "\ntùy chọn:\n" in helped.out and "hiện hướng dẫn này rồi thoát" in helped.out
    wrong = cli("invite")
    assert wrong.code == 2 and wrong.err.splitlines()[-1] == "baocao invite: lỗi: thiếu các tham số bắt buộc: --unit"
    choice = cli("invite", "--unit", "NA", "--role", "sep")
    assert choice.err.splitlines()[-1] == (
        "baocao invite: lỗi: tham số --role: lựa chọn “sep” không hợp lệ; hãy chọn một trong: “reporter”, “supervisor”, “admin”"
    )
    half = cli("db")  # a command made of commands needs one of them
    assert half.code == 2 and half.err.splitlines() == ["cách dùng: baocao db [-h] {upgrade} ...", "baocao db: lỗi: thiếu các tham số bắt buộc: {upgrade}"]
    assert cli("lamgi").err.splitlines()[-1].startswith("baocao: lỗi: tham số LỆNH: lựa chọn “lamgi” không hợp lệ; hãy chọn một trong: “db”, “seed”,")


def test_the_language_is_the_setting_s_for_each_command_and_argparse_is_left_as_it_was(cli: Cli) -> None:
    english = cli("invite", BAOCAO_LOCALE="en")
    assert english.err.splitlines()[-1] == "baocao invite: error: the following arguments are required: --unit"
    assert cli("--help", BAOCAO_LOCALE="en").out.startswith("usage: baocao")
    assert cli("--help").out.startswith("cách dùng: baocao")
    assert argparse._ is gettext.gettext and argparse.ngettext is gettext.ngettext  # type: ignore[attr-defined]


def test_invite_checks_its_days_ignores_case_and_says_how_to_get_a_link(demo: Cli) -> None:
    for days in ("0", "-3", "bảy", "2.5", "²", "99999999999"):
        refused = demo("invite", "--unit", "CAP-CL-NGHIHAI", "--days", days)
        assert refused.code == 2, days
        assert refused.err.splitlines()[-1] == f"baocao invite: lỗi: tham số --days: cần một số ngày nguyên từ 1 đến 3650, không phải “{days}”"
    plain = demo("invite", "--unit", " cap-cl-nghihai ", "--days", "3")
    assert plain.code == 0 and plain.out.startswith("Mã mời cho Công an phường Nghi Hải (cán bộ báo cáo): ")
    assert "hãy đặt TELEGRAM_BOT_TOKEN và TELEGRAM_BOT_USERNAME" in plain.out and "Chỉ dùng được một lần, có hiệu lực đến 08:00 23/11/2023." in plain.out
    linked = demo("invite", "--unit", "Cap-Cl-NghiHai", TELEGRAM_BOT_TOKEN="1:abc", TELEGRAM_BOT_USERNAME="@baocao_bot")
    code = linked.out.split(": ")[1].split()[0]
    assert f"hoặc mở trên Telegram: https://t.me/baocao_bot?start={code}\n" in linked.out


def test_a_messenger_that_cannot_be_reached_at_start_is_one_line_naming_the_setting(demo: Cli) -> None:
    api = f"http://127.0.0.1:{closed_port()}/bot"
    telegram = demo("run", TELEGRAM_BOT_TOKEN="1:abc", TELEGRAM_API_BASE_URL=api)
    assert (telegram.code, telegram.err.strip()) == (
        1, f"Không khởi động được Telegram: không kết nối được tới {api}: hãy kiểm tra kết nối mạng, hoặc giá trị TELEGRAM_API_BASE_URL"
    )  # fmt: skip
    zalo = demo("run", ZALO_BOT_TOKEN="1:abc", ZALO_BOT_API_BASE_URL=api)
    assert (zalo.code, zalo.err.strip()) == (
        1, f"Không khởi động được Zalo: không kết nối được tới {api}: hãy kiểm tra kết nối mạng, hoặc giá trị ZALO_BOT_API_BASE_URL"
    )  # fmt: skip


async def test_a_refused_token_stops_the_start_with_one_line_naming_the_setting(demo: Cli) -> None:
    async with FakeBotApi(token="4242:RIGHT") as api:  # the command runs in a thread; the fake answers on this loop
        refused = await asyncio.to_thread(demo, "run", TELEGRAM_BOT_TOKEN="4242:WRONG", TELEGRAM_API_BASE_URL=api.base_url)
    assert (refused.code, refused.err.strip()) == (
        1, "Không khởi động được Telegram: token của bot (TELEGRAM_BOT_TOKEN) bị từ chối: hãy kiểm tra lại"
    )  # fmt: skip


@pytest.mark.parametrize("case", ["no webhook settings", "address taken"])
async def test_a_webhook_that_cannot_start_stops_the_bot_with_one_line(demo: Cli, case: str) -> None:
    async with FakeBotApi(token="4242:RIGHT") as api:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            listen = f"127.0.0.1:{taken.getsockname()[1]}"
            env = {"BAOCAO_WEBHOOK_LISTEN": listen, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url}
            if case == "address taken":
                env |= {"TELEGRAM_WEBHOOK_URL": f"http://{listen}/telegram-hook", "TELEGRAM_WEBHOOK_SECRET": "a-long-enough-secret"}
            result = await asyncio.to_thread(demo, "run", "--webhook", **env)
    expected = {
        "no webhook settings": "chưa kênh nào có cấu hình webhook (xem README, mục Configuration)",
        "address taken": f"không nhận được kết nối tại {listen} (BAOCAO_WEBHOOK_LISTEN): cổng đang bị chương trình khác dùng, hoặc địa chỉ không thuộc máy này",
    }[case]
    assert (result.code, result.err.strip().splitlines()[-1]) == (1, f"Không khởi động được webhook: {expected}")


def criteria_sheet(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_forms_import_reads_a_vietnamese_sheet_and_an_identical_one_changes_nothing(demo: Cli) -> None:
    texts = [[n, f"Tiêu chí chính thức số {n}.", ""] for n in range(1, 15)]
    sheet = criteria_sheet(demo.workdir / "tieu-chi.csv", ["STT", "Nội dung tiêu chí", "Ghi chú"], texts)
    first = demo("forms", "import", str(sheet), "--form", "cq-14")
    assert first.out.strip() == "Đã nhập 14 nội dung tiêu chí vào mẫu báo cáo cq-14 (bộ tiêu chí phiên bản 2)."

    def versions() -> tuple[list[tuple[str, int]], int]:
        """The imports stored, and the version of the form officers are asked."""
        with contextlib.closing(sqlite3.connect(demo.workdir / "baocao.db")) as database:
            stored = database.execute("SELECT criteria_set_id, version FROM catalog_overrides").fetchall()
        form = next(f for f in json.loads(demo("forms", "list", "--json").out) if f["id"] == "cq-14")
        return stored, form["version"]

    before = versions()
    assert before[0] == [("co-quan-14", 2)]
    # The same texts under other headers a Vietnamese sheet uses: nothing to write.
    same = criteria_sheet(demo.workdir / "lai.csv", ["TT", "Yêu cầu", "Ghi chú"], texts)
    for path in (sheet, same):
        again = demo("forms", "import", str(path), "--form", "cq-14")
        assert (again.code, again.out.strip()) == (0, f"Nội dung trong {path.name} trùng với nội dung hiện có của cq-14; không có gì thay đổi.")
    assert versions() == before


def test_forms_import_says_what_is_wrong_in_vietnamese(demo: Cli) -> None:
    rows = [[n, f"Tiêu chí {n}."] for n in range(1, 15)]
    rows[4][0] = 3
    sheet = criteria_sheet(demo.workdir / "sai.csv", ["Số thứ tự", "Tiêu chí"], rows)
    wrong = demo("forms", "import", str(sheet), "--form", "cq-14")
    assert (wrong.code, wrong.err.strip()) == (1, f"Dữ liệu không hợp lệ: {sheet}: dòng 6, cột “Số thứ tự”: tiêu chí 3 đã có ở dòng 4")


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


def unit_tree(count: int) -> list[list[str]]:
    """A generated organisation of `count` units: a province, a district per 1,000, communes under them."""
    districts = max(1, count // 1000)
    rows = [["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"], ["T", "Tỉnh thử nghiệm", "tinh", ""]]
    rows += [[f"T-H{d:03d}", f"Huyện thử nghiệm {d}", "huyen", "T"] for d in range(districts)]
    rows += [[f"T-H{i % districts:03d}-X{i:06d}", f"Xã thử nghiệm {i}", "xa", f"T-H{i % districts:03d}"] for i in range(count - 1 - districts)]
    return rows


def write_sheet(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    return path


def test_a_20000_unit_tree_imports_and_round_trips_through_export(cli: Cli) -> None:
    assert cli("db", "upgrade").code == 0
    rows = unit_tree(20_000)
    sheet = write_sheet(cli.workdir / "don-vi.csv", rows)
    imported = cli("units", "import", str(sheet))
    assert (imported.code, imported.err) == (0, "")  # stderr is no terminal here: no progress line
    assert imported.out.splitlines()[-1] == "Đã nhập don-vi.csv: 20000 đơn vị, 20000 thay đổi."
    assert cli("units", "export", "ra.csv").out.strip() == "Đã ghi 20000 đơn vị vào ra.csv."
    with (cli.workdir / "ra.csv").open(encoding="utf-8-sig", newline="") as file:
        exported = [row[: len(rows[0])] for row in csv.reader(file)]  # the letterhead columns, empty here, follow
    assert exported[0] == rows[0] and sorted(exported[1:]) == sorted(rows[1:])
    again = cli("units", "import", "ra.csv")
    assert again.out.strip() == "Cơ cấu tổ chức đã khớp với ra.csv; không có gì thay đổi."


def test_a_mistake_near_the_end_of_a_big_file_writes_nothing_and_names_its_row(cli: Cli) -> None:
    assert cli("db", "upgrade").code == 0
    rows = unit_tree(20_000)
    rows[-10][2] = "thon"  # sheet row 19,992 (the header is row 1)
    sheet = write_sheet(cli.workdir / "don-vi.csv", rows)
    refused = cli("units", "import", str(sheet))
    assert refused.code == 1 and refused.out == ""
    assert refused.err.startswith(f"Dữ liệu không hợp lệ: {sheet}: dòng 19992, cột “Loại đơn vị”: loại đơn vị “thon” không xác định")
    with contextlib.closing(sqlite3.connect(cli.workdir / "baocao.db")) as db:
        assert db.execute("SELECT count(*) FROM units").fetchone() == (0,)


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
        "Cảnh báo: quy tắc tham gia thứ 2 (Tỉnh → Báo cáo sơ kết tổng hợp theo đề cương (không chấm tiêu chí)) không áp dụng cho đơn vị nào.",
        "Đã nạp đợt báo cáo tong-ket-2025: 16 đơn vị tham gia; mở ngày 01/11/2023, hạn nộp 25/11/2023, đóng ngày 25/11/2023.",
    ]
    assert "tong-ket-2025            01/11/2023 → 25/11/2023 → 25/11/2023    16  Tổng kết năm 2025" in demo("campaigns", "list").out
    shown = demo("campaigns", "show", "tong-ket-2025").out
    assert "Nhắc hạn trước 3, 1, 0 ngày, lúc 08:30." in shown and "mẫu 22 tiêu chí: 16 đơn vị" in shown
    plan = demo("reminders", "plan", "--campaign", "tong-ket-2025").out
    assert plan.count(" — tong-ket-2025 — ") == 3 and "quá hạn" not in plan  # no overdue notice: it has closed by then
    path.write_text(CAMPAIGN_FILE.replace("closes: 2023-11-25", "closes: 2023-11-24"), encoding="utf-8")
    wrong = demo("campaigns", "load", str(path))
    assert wrong.code == 1 and "tong-ket-2025.yaml: closes: 2023-11-24 sớm hơn hạn nộp báo cáo (2023-11-25)" in wrong.err
    path.write_text(CAMPAIGN_FILE.replace("form: cap-22", "form: cap-23").replace("opens: 2023-11-01", "opens: 2023-11-30"), encoding="utf-8")
    assert "mốc thời gian thứ 1, due: 2023-11-25 sớm hơn ngày mở đợt báo cáo (2023-11-30)" in demo("campaigns", "load", str(path)).err
    path.write_text(CAMPAIGN_FILE.replace("form: cap-22", "form: cap-23").replace("opens: 2023-11-01", "opens: 1/11/2023"), encoding="utf-8")
    assert "opens: không phải là ngày; hãy ghi theo dạng 2024-07-15" in demo("campaigns", "load", str(path)).err
    path.write_text(CAMPAIGN_FILE.replace("form: cap-22", "form: cap-23"), encoding="utf-8")
    assert "quy tắc tham gia thứ 1, form: không có mẫu báo cáo “cap-23”; các mẫu hiện có: cap-22, cq-14, de-cuong, huyen-32, xa-34" in demo(
        "campaigns", "load", str(path)
    ).err


PEOPLE = "Họ và tên;Số điện thoại;Mã đơn vị;Vai trò\nPhan Thị Hoa;0912 345 678;cap-cl-nghihai;\nĐỗ Minh Quân;;NA-CL;Cán bộ theo dõi, thẩm định\n"


def test_officers_are_imported_once_and_their_invite_sheet_works_and_replaces_the_last(demo: Cli) -> None:
    (demo.workdir / "can-bo.csv").write_text(PEOPLE, encoding="utf-8")
    assert demo("people", "import", "can-bo.csv").out.startswith("Đã nhập can-bo.csv: 2 người cần mời, 0 người")
    assert demo("people", "import", "can-bo.csv").out.startswith("Đã nhập can-bo.csv: 0 người cần mời, 2 người")
    bot = {"TELEGRAM_BOT_TOKEN": "1:abc", "TELEGRAM_BOT_USERNAME": "baocao_bot"}
    first = demo("invites", "issue", "--scope", "na-cl", "--out", "lan-1.xlsx", **bot)
    assert first.out.strip() == "Đã ghi 18 mã mời vào lan-1.xlsx (1 mã cho người có tên); 1 mã phát hành trước đó đã bị thu hồi."
    sheet = openpyxl.load_workbook(demo.workdir / "lan-1.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:8] == ("STT", "Đơn vị", "Mã đơn vị", "Họ và tên", "Số điện thoại", "Vai trò", "Mã mời", "Gửi cho bot")
    hoa = next(row for row in rows if row[3] == "Phan Thị Hoa")
    assert (hoa[2], hoa[4], hoa[5], hoa[7]) == ("CAP-CL-NGHIHAI", "0912345678", "cán bộ báo cáo", f"/start {hoa[6]}")
    assert hoa[8] == f"Telegram: https://t.me/baocao_bot?start={hoa[6]}" and hoa[9] == datetime(2024, 8, 15, 23, 59, 59)  # until the last campaign closes
    # a table to filter and print: the expiry a real date, a frozen header with filters, A4 landscape as wide as the page
    expiry = sheet.cell(rows.index(hoa) + 1, 10)
    assert expiry.is_date and expiry.number_format == "dd/mm/yyyy hh:mm"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:J{len(rows)}"
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
    assert len(sheet._images) == len(rows) - 1  # a QR code on every invite
    # Every unit of Cửa Lò that reports gets a code; the town itself files a compiled report too.
    assert {row[2] for row in rows[1:]} >= {"NA-CL", "CAP-CL-NGHIHAI", "CAP-CL-NGHITHU", "XA-DEMO-37"}

    second = demo("invites", "issue", "--scope", "NA-CL", "--out", "lan-2.xlsx", **bot)
    assert second.out.strip().endswith("18 mã phát hành trước đó đã bị thu hồi.")
    newest = {row[3] or row[2]: row[6] for row in openpyxl.load_workbook(demo.workdir / "lan-2.xlsx").active.iter_rows(min_row=2, values_only=True)}
    assert redeem(demo, hoa[6]).problem is InviteProblem.REVOKED  # the first sheet no longer works
    joined = redeem(demo, newest["Phan Thị Hoa"])
    assert joined.grant is not None and joined.grant.unit_code == "CAP-CL-NGHIHAI"
    supervisors = demo("invites", "issue", "--scope", "NA-CL", "--role", "supervisor", "--out", "giam-sat.xlsx")
    assert supervisors.out.startswith("Đã ghi 1 mã mời vào giam-sat.xlsx (1 mã cho người có tên)")


def test_the_invite_sheet_prints_as_a_pdf_of_whole_blocks_whose_codes_work(demo: Cli) -> None:
    (demo.workdir / "can-bo.csv").write_text(PEOPLE, encoding="utf-8")
    assert demo("people", "import", "can-bo.csv").code == 0
    bot = {"TELEGRAM_BOT_TOKEN": "1:abc", "TELEGRAM_BOT_USERNAME": "baocao_bot"}
    refused = demo("invites", "issue", "--scope", "NA", "--out", "moi.txt", **bot)
    assert (refused.code, refused.err.strip()) == (1, "Dữ liệu không hợp lệ: moi.txt: bảng mã mời được ghi ra tệp .xlsx hoặc .pdf")
    assert not (demo.workdir / "moi.txt").exists()
    printed = demo("invites", "issue", "--scope", "NA", "--out", "moi.pdf", **bot)
    # Refused before any code was issued: the one withdrawn now is Phan Thị Hoa's from the import.
    assert printed.out.strip() == "Đã ghi 116 mã mời vào moi.pdf (1 mã cho người có tên); 1 mã phát hành trước đó đã bị thu hồi."
    with contextlib.closing(sqlite3.connect(demo.workdir / "baocao.db")) as db:
        issued = dict(db.execute(
            "SELECT invites.code, units.name FROM invites JOIN units ON units.id = invites.unit_id"
            " WHERE invites.role = 'reporter' AND invites.revoked_at IS NULL AND invites.used_at IS NULL"
        ).fetchall())  # fmt: skip
        (hoa,) = db.execute("SELECT code FROM invites WHERE full_name = 'Phan Thị Hoa' AND revoked_at IS NULL").fetchone()
    assert len(issued) == 116

    pages = [page.extract_text().splitlines() for page in pypdf.PdfReader(demo.workdir / "moi.pdf").pages]
    assert len(pages) > 1
    for number, lines in enumerate(pages, start=1):
        assert lines[0] == "Mã mời sử dụng bot báo cáo — Tỉnh Nghệ An (NA)" and lines[-1] == f"Trang {number}/{len(pages)}"
        # Every block begun on a page ends there: as many units as codes, links and validity lines.
        starts = [line for line in lines if line.startswith("Mã đơn vị: ")]
        links = [line for line in lines if line.startswith("Telegram: https://t.me/baocao_bot?start=")]
        assert len(starts) == len(links) == lines.count("Hiệu lực đến: 23:59 15/08/2024") > 1
    printed_codes = [line.removeprefix("Gửi cho bot: /start ") for lines in pages for line in lines if line.startswith("Gửi cho bot: /start ")]
    assert sorted(printed_codes) == sorted(issued)  # every code issued, once
    text = " ".join(line for lines in pages for line in lines)  # a long unit name wraps onto a second line
    assert all(f"Gửi cho bot: /start {code} Telegram: https://t.me/baocao_bot?start={code} " in text for code in issued)
    assert all(name in text for name in issued.values())  # "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Nghệ An", diacritics intact
    assert (
        f"Công an phường Nghi Hải Mã đơn vị: CAP-CL-NGHIHAI  ·  Vai trò: cán bộ báo cáo "
        f"Họ và tên: Phan Thị Hoa  ·  Số điện thoại: 0912345678 Mã mời {hoa} Gửi cho bot: /start {hoa} "
    ) in text
    joined = redeem(demo, hoa)  # the code as printed opens the bot for her unit
    assert joined.grant is not None and joined.grant.unit_code == "CAP-CL-NGHIHAI"


def test_one_run_writes_a_pdf_to_print_and_a_workbook_to_forward_with_the_same_codes(demo: Cli) -> None:
    bot = {"TELEGRAM_BOT_TOKEN": "1:abc", "TELEGRAM_BOT_USERNAME": "baocao_bot"}
    both = demo("invites", "issue", "--scope", "NA-CL", "--out", "in.pdf", "--out", "gui.xlsx", **bot)
    assert both.out.strip() == "Đã ghi 18 mã mời vào in.pdf, gui.xlsx (0 mã cho người có tên); 0 mã phát hành trước đó đã bị thu hồi."
    assert both.err == ""  # the links are there: no warning
    forwarded = [row[6] for row in openpyxl.load_workbook(demo.workdir / "gui.xlsx").active.iter_rows(min_row=2, values_only=True)]
    printed = [line.removeprefix("Gửi cho bot: /start ") for page in pypdf.PdfReader(demo.workdir / "in.pdf").pages
               for line in page.extract_text().splitlines() if line.startswith("Gửi cho bot: /start ")]  # fmt: skip
    assert len(forwarded) == 18 and printed == forwarded
    assert all(redeem(demo, code).grant is not None for code in (printed[0], forwarded[-1]))  # neither sheet revoked the other


def test_on_zalo_the_sheet_says_how_to_reach_the_bot_and_its_qr_code_opens_the_bot(demo: Cli) -> None:
    zalo = {"ZALO_BOT_TOKEN": "123:abc", "ZALO_BOT_NAME": "Báo cáo Nghệ An", "ZALO_BOT_LINK": "https://zalo.me/s/1234567890"}
    issued = demo("invites", "issue", "--scope", "CAP-CL-NGHIHAI", "--out", "zalo.pdf", "--out", "zalo.xlsx", **zalo)
    assert (issued.code, issued.err) == (0, "")
    sheet = openpyxl.load_workbook(demo.workdir / "zalo.xlsx").active
    (row,) = sheet.iter_rows(min_row=2, values_only=True)
    code = row[6]
    way = f"Zalo: tìm “Báo cáo Nghệ An” hoặc mở https://zalo.me/s/1234567890, rồi gửi: /start {code}"
    assert row[8] == way
    assert way in " ".join(pypdf.PdfReader(demo.workdir / "zalo.pdf").pages[0].extract_text().splitlines())
    qr = io.BytesIO()
    segno.make("https://zalo.me/s/1234567890", error="m").save(qr, kind="png", scale=3, border=2)
    assert sheet._images[0]._data() == qr.getvalue()  # scanned, it opens the bot's chat, where the code is sent

    unnamed = demo("invites", "issue", "--scope", "CAP-CL-NGHIHAI", "--out", "zalo.xlsx", ZALO_BOT_TOKEN="123:abc")
    (row,) = openpyxl.load_workbook(demo.workdir / "zalo.xlsx").active.iter_rows(min_row=2, values_only=True)
    assert row[8] == f"Zalo: nhắn cho bot: /start {row[6]}"
    assert unnamed.code == 0 and unnamed.err.strip() == (
        "Cảnh báo: chưa cấu hình ứng dụng nhắn tin nào cho đường liên kết, nên mỗi mã QR chỉ chứa “/start MÃ”, điện thoại quét không"
        " mở được. Hãy đặt TELEGRAM_BOT_TOKEN và TELEGRAM_BOT_USERNAME (liên kết mang sẵn mã), hoặc ZALO_BOT_LINK (cuộc trò chuyện"
        " với bot Zalo, nơi gửi mã)."
    )


def test_a_scope_with_nobody_left_to_invite_writes_nothing_and_says_why(demo: Cli) -> None:
    first = demo("invites", "issue", "--scope", "CAP-CL-NGHIHAI", "--out", "moi.xlsx")
    (row,) = openpyxl.load_workbook(demo.workdir / "moi.xlsx").active.iter_rows(min_row=2, values_only=True)
    assert first.code == 0 and redeem(demo, row[6]).grant is not None  # the ward's officer joins
    again = demo("invites", "issue", "--scope", "cap-cl-nghihai", "--out", "lan-2.pdf")
    assert (again.code, again.err.strip()) == (1, (
        "Không còn ai cần mời ở Công an phường Nghi Hải (CAP-CL-NGHIHAI): mọi đơn vị báo cáo trong đợt đang mở đều đã có cán bộ"
        " liên kết và không còn người có tên nào chờ mã. Không ghi tệp nào, không thu hồi mã nào."
    ))
    assert not (demo.workdir / "lan-2.pdf").exists()
    supervisors = demo("invites", "issue", "--scope", "NA-CL", "--role", "supervisor", "--out", "giam-sat.pdf")
    assert supervisors.code == 1 and supervisors.err.startswith("Không có cán bộ theo dõi nào chờ mã ở Thị xã Cửa Lò (NA-CL)")


def test_a_file_in_a_folder_that_does_not_exist_is_refused_naming_the_folder(demo: Cli) -> None:
    for command in (
        ("invites", "issue", "--scope", "NA-CL", "--out", "ban-in/moi.pdf"),
        ("export", "xlsx", "--scope", "NA-CL", "--out", "ban-in/so-lieu.xlsx"),
        ("units", "export", "ban-in/don-vi.xlsx"),
    ):
        refused = demo(*command)
        assert refused.code == 2 and refused.err.splitlines()[-1].endswith("không có thư mục ban-in để ghi ban-in/" + command[-1].split("/")[1]), refused.err
    with contextlib.closing(sqlite3.connect(demo.workdir / "baocao.db")) as db:
        assert db.execute("SELECT count(*) FROM invites").fetchone() == (0,)  # refused before any code was issued


def test_db_upgrade_makes_the_database_s_own_folder_but_not_a_mistyped_path(cli: Cli) -> None:
    made = cli("db", "upgrade", BAOCAO_DATABASE_URL="sqlite+aiosqlite:///data/baocao.db")
    assert made.code == 0 and made.out.splitlines()[0] == "Đã tạo thư mục data cho cơ sở dữ liệu."
    assert (cli.workdir / "data" / "baocao.db").is_file()
    for command in (("db", "upgrade"), ("units", "list")):
        typo = cli(*command, BAOCAO_DATABASE_URL="sqlite+aiosqlite:///dta/baocao/baocao.db")
        assert (typo.code, typo.err.strip()) == (1, "Không có thư mục dta/baocao cho cơ sở dữ liệu: hãy tạo thư mục đó, hoặc sửa BAOCAO_DATABASE_URL.")
    assert not (cli.workdir / "dta").exists()


def redeem(cli: Cli, code: str) -> Redemption:
    """`code` redeemed from a chat, as an officer who received the sheet would."""

    async def redeeming() -> Redemption:
        engine = create_engine(cli.url)
        async with UnitOfWorkFactory(engine)() as uow:
            done = await uow.invites.redeem(code, "tên trên Telegram", None, datetime(2023, 11, 20, 2, tzinfo=timezone.utc))
        await engine.dispose()
        return done

    return asyncio.run(redeeming())


def test_a_people_sheet_with_mistakes_is_refused_whole(demo: Cli) -> None:
    (demo.workdir / "sai.csv").write_text(PEOPLE + "Lê Văn Tâm;12345;CAP-CL-NGHIHOA;\n", encoding="utf-8")
    refused = demo("people", "import", "sai.csv")
    assert (refused.code, refused.err.strip()) == (1, "Dữ liệu không hợp lệ: sai.csv: dòng 4, cột “Số điện thoại”: “12345” không phải số điện thoại")
    (demo.workdir / "sai.csv").write_text(PEOPLE + "Lê Văn Tâm;;CAP-KHONG-CO;\n", encoding="utf-8")
    assert "dòng 4, cột “Mã đơn vị”: không có đơn vị CAP-KHONG-CO" in demo("people", "import", "sai.csv").err
    (demo.workdir / "can-bo.csv").write_text(PEOPLE, encoding="utf-8")
    assert demo("people", "import", "can-bo.csv").out.startswith("Đã nhập can-bo.csv: 2 người cần mời")  # nothing was imported before


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tinh-hai-cap"


def test_the_two_tier_demo_province_is_set_up_with_the_commands_a_province_uses(cli: Cli) -> None:
    assert cli("db", "upgrade").code == 0
    assert cli("units", "import", str(EXAMPLE / "don-vi.csv")).out.splitlines()[-1] == "Đã nhập don-vi.csv: 50 đơn vị, 50 thay đổi."
    loaded = cli("campaigns", "load", str(EXAMPLE / "tong-ket-2026-demo.yaml")).out
    assert loaded.strip() == (
        "Đã nạp đợt báo cáo tong-ket-2026-demo: 48 đơn vị tham gia; mở ngày 01/11/2026, hạn nộp 15/12/2026, đóng ngày 31/12/2026."
    )
    assert cli("people", "import", str(EXAMPLE / "can-bo.csv")).out.startswith("Đã nhập can-bo.csv: 7 người cần mời")
    issued = cli("invites", "issue", "--scope", "DEMO", "--out", "moi.xlsx")
    assert issued.out.startswith("Đã ghi 48 mã mời vào moi.xlsx (6 mã cho người có tên)")
    names = [row[3] for row in openpyxl.load_workbook(cli.workdir / "moi.xlsx").active.iter_rows(min_row=2, values_only=True)]
    assert all("(dữ liệu demo)" in name for name in names if name) and len(names) == 48
    tree = cli("units", "list").out.splitlines()
    assert len(tree) == 50 and all("dữ liệu demo" in line for line in tree)


def test_a_province_adds_its_own_unit_kinds_in_a_file_it_owns(demo: Cli) -> None:
    kinds = demo.workdir / "loai-don-vi.yaml"
    kinds.write_text("kinds:\n  doan-the: {vi: Đoàn thể, en: Mass organisations}\n", encoding="utf-8")
    sheet = demo.workdir / "don-vi.csv"
    demo("units", "export", str(sheet))
    sheet.write_text(sheet.read_text(encoding="utf-8-sig") + "NA-DT-01,Tỉnh đoàn mẫu,doan-the,NA\n", encoding="utf-8")
    refused = demo("units", "import", str(sheet))
    assert refused.code == 1 and "loại đơn vị “doan-the” không xác định" in refused.err
    accepted = demo("units", "import", str(sheet), BAOCAO_UNIT_KINDS_FILE=str(kinds))
    assert accepted.out.splitlines() == ["+ NA-DT-01: đơn vị mới", "Đã nhập don-vi.csv: 120 đơn vị, 1 thay đổi."]


def test_exports_are_written_for_a_scope_and_refused_clearly(demo: Cli) -> None:
    summary = demo("export", "docx", "--scope", "na-cl", "--out", "tong-hop.docx")
    assert summary.code == 0 and summary.out.startswith("📄 Tổng hợp của Thị xã Cửa Lò — "), summary.err
    assert summary.out.rstrip().endswith("Đã ghi ra tệp tong-hop.docx.")
    paragraphs = [p.text for p in docx.Document(demo.workdir / "tong-hop.docx").paragraphs]
    assert "Có 07/07 Công an phường trực thuộc thị xã Cửa Lò tham gia sơ kết." in paragraphs and "Chưa có đơn vị nào nộp báo cáo." in paragraphs
    assert demo("export", "xlsx", "--scope", "NA-CL", "--campaign", "so-ket-2023", "--out", "bao-cao.xlsx").code == 0
    assert openpyxl.load_workbook(demo.workdir / "bao-cao.xlsx")["Trạng thái"].max_row == 1 + 7 + 6 + 4 + 1
    assert demo("export", "chart", "--scope", "NA-CL", "--out", "tien-do.png").code == 0
    assert (demo.workdir / "tien-do.png").read_bytes().startswith(b"\x89PNG")
    not_started = demo("export", "docx", "--scope", "NA-CL", "--unit", "cap-cl-nghihai", "--out", "x.docx")
    assert (not_started.code, not_started.err.strip()) == (1, "Công an phường Nghi Hải chưa bắt đầu làm báo cáo; chưa có nội dung để xuất ra văn bản.")
    outside = demo("export", "docx", "--scope", "NA-CL", "--unit", "CAP-TH-HOAHIEU", "--out", "x.docx")
    assert (outside.code, outside.err.strip()) == (1, "Không tìm thấy đơn vị CAP-TH-HOAHIEU. Xem danh sách đơn vị bằng `baocao units list`.")
    wrong = demo("export", "xlsx", "--scope", "NA-CL", "--out", "x.docx")
    assert (wrong.code, wrong.err.strip()) == (1, "Xuất dạng xlsx phải ghi ra tệp .xlsx.")
    assert "Không có đợt báo cáo 2099" in demo("export", "chart", "--scope", "NA", "--campaign", "2099", "--out", "x.png").err
    assert not (demo.workdir / "x.docx").exists()


def test_usage_shows_the_month_against_the_quota_and_what_a_campaign_will_take(demo: Cli) -> None:
    asyncio.run(link_directly(demo.url, [DirectLink("z-1", "Nguyễn Văn An", ("CAP-CL-NGHIHAI",), channel="zalo_bot")], datetime(2023, 11, 2, tzinfo=timezone.utc)))
    with sqlite3.connect(demo.workdir / "baocao.db") as database:  # as the workers' counters left it
        database.executemany("INSERT INTO message_usage (channel, month, sent, alerted_percent) VALUES (?, ?, ?, 0)",
                             [("zalo_bot", "2023-11", 1200), ("zalo_bot", "2023-10", 2900), ("telegram", "2023-11", 40)])  # fmt: skip
    zalo = {"ZALO_BOT_TOKEN": "1:secret", "ZALO_BOT_MONTHLY_QUOTA": "3000", "ZALO_BOT_MAX_USERS": "50"}
    usage = demo("usage", **zalo)
    assert usage.code == 0 and usage.out == (  # 20 November: 20 of 30 days gone
        "Tin nhắn đã gửi trong tháng này, so với hạn mức của từng nền tảng:\n"
        "• Telegram: 40 tin nhắn trong tháng 11/2023 (không giới hạn theo tháng) · dự kiến đến cuối tháng: 60 · người dùng đã liên kết: 0\n"
        "• Zalo: 1.200/3.000 tin nhắn trong tháng 11/2023 (40%) · dự kiến đến cuối tháng: 1.800 · người dùng đã liên kết: 1/50\n"
    )
    plan = demo("usage", "--plan", "so-ket-2023", **zalo)
    assert plan.code == 0, plan.err
    assert plan.out.startswith(usage.out)
    assert plan.out.endswith(
        "Số tin nhắn ước tính cho đợt “Sơ kết công tác xây dựng đơn vị điển hình, kiểu mẫu năm 2023”, nếu mọi cán bộ đều làm trọn báo cáo:\n"
        "   số tin nhắn cho một báo cáo, theo biểu mẫu: mẫu 22 tiêu chí: 64, mẫu 14 tiêu chí: 48, "
        "Báo cáo sơ kết tổng hợp theo đề cương (không chấm tiêu chí): 21, mẫu 32 tiêu chí: 84, mẫu 34 tiêu chí: 88\n"
        "• Zalo: 1 cán bộ · làm báo cáo 64 · nhắc hạn 5 · thông báo 1 = 70 tin nhắn (gói dịch vụ cho phép 3.000 tin một tháng)\n"
        "• chưa liên kết: 115 đơn vị, tính mỗi đơn vị một cán bộ · làm báo cáo 7.536 · nhắc hạn 575 · thông báo 115 = 8.226 tin nhắn\n"
        "Tổng cộng: 8.296 tin nhắn\n"
    )
    unknown = demo("usage", "--plan", "so-ket-2099")
    assert unknown.code == 1 and "so-ket-2099" in unknown.err and "so-ket-2023" in unknown.err


def test_after_closing_a_campaign_plans_nothing_and_exports_name_the_one_they_took(demo: Cli) -> None:
    demo.now = "2026-11-28T09:00:00+07:00"  # both campaigns closed years ago
    plan = demo("reminders", "plan")
    assert (plan.code, plan.out.strip()) == (0, "Chưa có lịch nhắc hạn nào.")
    assert demo("reminders", "plan", "--json").out.strip() == "[]"
    named = demo("reminders", "plan", "--campaign", "so-ket-2023")
    assert (named.code, named.out.strip()) == (0, "Đợt so-ket-2023 đã kết thúc ngày 10/12/2023; không còn lịch nhắc nào cho đợt này.")
    chart = demo("export", "chart", "--scope", "NA-CL", "--out", "tien-do.png")
    assert chart.code == 0 and "\nĐợt: Sơ kết 02 năm (2023–2024) thực hiện nhiệm vụ xây dựng đơn vị điển hình (đã kết thúc ngày 15/08/2024)\n" in chart.out
    demo.now = DEMO_DAY
    assert "so-ket-2023 — " in demo("reminders", "plan").out  # while it is open, it is planned
