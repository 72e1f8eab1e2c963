"""A province's set-up files through the real command line, checked as strictly as answers: a
file that would empty or halve the organisation, a campaign file's every mistake in one
Vietnamese line naming the file and the field, names that would be formulas in Excel, and
fields too long or holding control characters, refused at the import."""

from __future__ import annotations

import asyncio
import csv
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import update

from storage.database import create_engine
from storage.models import Unit
from tests.cli_harness import Cli
from tests.test_cli import CAMPAIGN_FILE

FORMULA = '=HYPERLINK("http://x","Xem")'
FORMULA_IN_CSV = '"=HYPERLINK(""http://x"",""Xem"")"'


def test_a_file_without_units_or_that_leaves_out_most_of_the_tree_is_refused_unless_asked(demo: Cli) -> None:
    header_only = demo.workdir / "trong.csv"
    header_only.write_text("Mã đơn vị,Tên đơn vị,Loại đơn vị,Mã đơn vị cấp trên\n", encoding="utf-8")
    empty = demo("units", "import", str(header_only))
    assert (empty.code, empty.out, empty.err.strip()) == (1, "", (
        f"Dữ liệu không hợp lệ: {header_only}: dòng 2: không có đơn vị nào dưới dòng tiêu đề; "
        "tệp là toàn bộ cơ cấu tổ chức, mỗi dòng một đơn vị"
    ))  # fmt: skip

    # The row-number column every Vietnamese sheet has is read past.
    one_branch = demo.workdir / "mot-nhanh.csv"
    one_branch.write_text(
        "STT;Mã đơn vị;Tên đơn vị;Loại đơn vị;Mã đơn vị cấp trên\n1;NA;Tỉnh Nghệ An;tinh;\n2;NA-CL;Thị xã Cửa Lò;huyen;NA\n",
        encoding="utf-8",
    )
    refused = demo("units", "import", str(one_branch))
    assert refused.code == 1 and refused.err.strip() == (
        "Chưa nhập: tệp thiếu 117 trong số 119 đơn vị đang sử dụng, hơn một nửa. Hãy kiểm tra tệp có đủ toàn bộ "
        "cơ cấu tổ chức không, hoặc thêm --retire để cho các đơn vị này thôi sử dụng."
    )
    assert "Đã nhập" not in refused.out and "[thôi sử dụng]" not in demo("units", "list").out
    assert demo("units", "import", str(one_branch), "--dry-run").code == 1  # a dry run says the same
    retired = demo("units", "import", str(one_branch), "--retire")
    assert retired.code == 0 and retired.out.splitlines()[-1] == "Đã nhập mot-nhanh.csv: 2 đơn vị, 117 thay đổi."
    listed = demo("units", "list").out.splitlines()
    assert sum("[thôi sử dụng]" in line for line in listed) == 117
    assert next(line for line in listed if line.startswith("XA-DEMO-01 ")).count("[demo] [thôi sử dụng]") == 1
    assert "[thôi sử dụng]" not in next(line for line in listed if line.startswith("NA-CL "))


def test_a_few_units_left_out_are_retired_as_before(demo: Cli) -> None:
    sheet = demo.workdir / "don-vi.csv"
    demo("units", "export", str(sheet))
    lines = sheet.read_text(encoding="utf-8-sig").splitlines()
    sheet.write_text("STT," + lines[0] + "\n" + "\n".join(f"{n},{line}" for n, line in enumerate(lines[1:], 1) if "XA-DEMO-0" not in line), encoding="utf-8")
    imported = demo("units", "import", str(sheet))
    assert imported.code == 0 and imported.out.splitlines()[-1] == "Đã nhập don-vi.csv: 110 đơn vị, 9 thay đổi."


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (("opens: 2023-11-01", "opens: 2026-13-20"), "opens: không có ngày 2026-13-20; hãy ghi ngày theo dạng 2024-07-15"),
        (("opens: 2023-11-01", "opens: 2023-13-45"), "opens: không có ngày 2023-13-45; hãy ghi ngày theo dạng 2024-07-15"),
        (("closes: 2023-11-25", "closes: 2023-02-30"), "closes: không có ngày 2023-02-30; hãy ghi ngày theo dạng 2024-07-15"),
        (("due: 2023-11-25", "due: 2023-11-31"), "mốc thời gian thứ 1, due: không có ngày 2023-11-31; hãy ghi ngày theo dạng 2024-07-15"),
        (("enrol:\n", "enrol: [\n"), (
            "không đúng cú pháp YAML ở dòng 9, cột 3 (“- {unit_kind: cap, form: cap-22}”) hoặc ngay phía trên: hãy kiểm tra thụt lề, "
            "dấu hai chấm, dấu nháy và dấu ngoặc"
        )),
        (("basis: Kế hoạch của tỉnh\n", "basis: Kế hoạch của tỉnh\nbasis: Kế hoạch khác\n"), "basis: được khai báo hai lần (dòng 4); hãy chỉ giữ một"),
        (("  - {unit_kind: cap", "\t- {unit_kind: cap"), "dòng 9, cột 1 (“- {unit_kind: cap, form: cap-22}”): có ký tự tab; YAML chỉ thụt lề bằng dấu cách"),
        (("Tổng kết năm 2025,", "Tổng kết " + "rất dài " * 40 + ","), "title.vi: quá dài: 328 ký tự, tối đa 200"),
        (("basis: Kế hoạch của tỉnh", 'basis: "Kế hoạch\\0 của tỉnh"'), "basis: có ký tự điều khiển không nhìn thấy (U+0000); hãy gõ lại nội dung này"),
        (("basis: Kế hoạch của tỉnh", "basis: Kế hoạch\x07 của tỉnh"), "dòng 3: có ký tự điều khiển không nhìn thấy (U+0007); hãy gõ lại dòng này"),
        (("title: {vi: Hạn gửi báo cáo}", 'title: {vi: "Hạn gửi\\nbáo cáo"}'), "mốc thời gian thứ 1, title.vi: không được xuống dòng ở đây; hãy viết trên một dòng"),
    ],
)
def test_every_mistake_in_a_campaign_file_is_one_vietnamese_line_naming_the_file_and_the_field(
    demo: Cli, change: tuple[str, str], line: str
) -> None:
    path = demo.workdir / "tong-ket-2025.yaml"
    path.write_text(CAMPAIGN_FILE.replace(*change), encoding="utf-8")
    wrong = demo("campaigns", "load", str(path))
    assert (wrong.code, wrong.out, wrong.err) == (1, "", f"Dữ liệu không hợp lệ: {path}: {line}\n")


def test_a_campaign_without_a_closing_day_says_so(demo: Cli) -> None:
    path = demo.workdir / "tong-ket-2025.yaml"
    path.write_text(CAMPAIGN_FILE.replace("closes: 2023-11-25\n", ""), encoding="utf-8")
    loaded = demo("campaigns", "load", str(path)).out.splitlines()[-1]
    assert loaded == "Đã nạp đợt báo cáo tong-ket-2025: 16 đơn vị tham gia; mở ngày 01/11/2023, hạn nộp 25/11/2023, không có ngày đóng."
    assert "Mở ngày 01/11/2023; hạn nộp 25/11/2023; không có ngày đóng." in demo("campaigns", "show", "tong-ket-2025").out


def test_names_that_excel_would_run_as_formulas_are_written_as_text_everywhere(demo: Cli) -> None:
    sheet = demo.workdir / "don-vi.csv"
    demo("units", "export", str(sheet))
    sheet.write_text(sheet.read_text(encoding="utf-8-sig").replace("Công an phường Nghi Hải", FORMULA_IN_CSV), encoding="utf-8")
    assert demo("units", "import", str(sheet)).code == 0
    (demo.workdir / "can-bo.csv").write_text(f"Họ và tên,Mã đơn vị\n{FORMULA_IN_CSV},CAP-CL-NGHIHAI\n+84 Hoa,NA-CL\n", encoding="utf-8")
    assert demo("people", "import", "can-bo.csv").code == 0

    assert demo("units", "export", "ra.xlsx").code == 0
    cell = next(row[1] for row in openpyxl.load_workbook(demo.workdir / "ra.xlsx").active.iter_rows() if row[0].value == "CAP-CL-NGHIHAI")
    assert (cell.value, cell.data_type) == (FORMULA, "s")
    assert demo("units", "export", "ra.csv").code == 0
    with (demo.workdir / "ra.csv").open(encoding="utf-8-sig", newline="") as file:
        assert ["CAP-CL-NGHIHAI", "'" + FORMULA, "cap", "NA-CL"] in [row[:4] for row in csv.reader(file)]
    for exported in ("ra.csv", "ra.xlsx"):  # and both read back as the same names
        assert demo("units", "import", exported).out.strip() == f"Cơ cấu tổ chức đã khớp với {exported}; không có gì thay đổi."

    assert demo("invites", "issue", "--scope", "NA-CL", "--out", "moi.xlsx").code == 0
    rows = list(openpyxl.load_workbook(demo.workdir / "moi.xlsx").active.iter_rows(min_row=2))
    written = {row[3].value: row[3].data_type for row in rows if row[3].value} | {row[1].value: row[1].data_type for row in rows}
    assert written[FORMULA] == written["+84 Hoa"] == "s"
    with zipfile.ZipFile(demo.workdir / "moi.xlsx") as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize(
    ("row", "where", "problem"),
    [
        ("NA-X,{long},cap,NA", "dòng 121, cột “Tên đơn vị”", "quá dài: 10000 ký tự, tối đa 150"),
        ("NA-X,Công an\x00 xã,cap,NA", "dòng 121, cột “Tên đơn vị”", "có ký tự điều khiển không nhìn thấy (U+0000); hãy gõ lại nội dung này"),
        ('NA-X,"Công an\nxã",cap,NA', "dòng 121, cột “Tên đơn vị”", "không được xuống dòng ở đây; hãy viết trên một dòng"),
        ("NA-" + "X" * 40 + ",Công an xã,cap,NA", "dòng 121, cột “Mã đơn vị”", "quá dài: 43 ký tự, tối đa 40"),
    ],
)
def test_a_unit_field_too_long_or_with_a_control_character_is_refused(demo: Cli, row: str, where: str, problem: str) -> None:
    sheet = demo.workdir / "don-vi.csv"
    demo("units", "export", str(sheet))
    sheet.write_text(sheet.read_text(encoding="utf-8-sig") + row.format(long="x" * 10_000) + "\n", encoding="utf-8")
    refused = demo("units", "import", str(sheet))
    assert (refused.code, refused.err) == (1, f"Dữ liệu không hợp lệ: {sheet}: {where}: {problem}\n")


def test_a_person_s_name_is_held_to_the_same_limits(demo: Cli) -> None:
    (demo.workdir / "can-bo.csv").write_text(f"STT,Họ và tên,Mã đơn vị\n1,{'Hoa ' * 50},NA-CL\n", encoding="utf-8")
    refused = demo("people", "import", "can-bo.csv")
    assert (refused.code, refused.err.strip()) == (1, "Dữ liệu không hợp lệ: can-bo.csv: dòng 2, cột “Họ và tên”: quá dài: 199 ký tự, tối đa 150")


def test_a_long_name_already_stored_still_exports_as_a_report(demo: Cli) -> None:
    """Names stored before the limits (10,000 characters) still make a Word file: its properties
    are shortened, its page shows them whole."""

    async def rename() -> None:
        engine = create_engine(demo.url)
        async with engine.begin() as connection:
            await connection.execute(update(Unit).where(Unit.code == "NA-CL").values(name="Thị xã Cửa Lò " * 700))
        await engine.dispose()

    asyncio.run(rename())
    exported = demo("export", "docx", "--scope", "NA-CL", "--out", "tong-hop.docx")
    assert exported.code == 0, exported.err
    written = docx.Document(demo.workdir / "tong-hop.docx")
    assert len(written.core_properties.author) == 255 and written.core_properties.author.endswith("…")


def workbook_with_a_dtd(source: Path, part: str, target: Path) -> Path:
    """`source` with a DTD (an entity defined) put before the XML of `part`."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as changed:
        for item in original.infolist():
            data = original.read(item.filename)
            changed.writestr(item, b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + data if item.filename == part else data)
    return target


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"])
def test_a_workbook_with_a_dtd_is_refused_in_one_clear_line(demo: Cli, part: str) -> None:
    demo("units", "export", "don-vi.xlsx")
    sheet = workbook_with_a_dtd(demo.workdir / "don-vi.xlsx", part, demo.workdir / "co-dtd.xlsx")
    for command in (("units", "import", str(sheet)), ("people", "import", str(sheet)), ("forms", "import", str(sheet), "--form", "cq-14")):
        refused = demo(*command)
        assert (refused.code, refused.err) == (1, (
            f"Dữ liệu không hợp lệ: {sheet}: tệp Excel chứa XML mà Excel không bao giờ tạo ra (DTD, hoặc XML bị hỏng); "
            "hãy mở tệp bằng Excel rồi lưu lại\n"
        )), command  # fmt: skip
