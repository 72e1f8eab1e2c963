"""Who issues and signs the demo's documents, read from the files `baocao export docx` writes: a
ward police unit's report under the town's police, the province's summary under the body the
campaign file names, the number with the body's abbreviation, the signature block with its
blanks or with the signer the organisation sheet names, and the recipients; and the sheet's
letterhead columns through `units import` and `units export`."""

from __future__ import annotations

import asyncio
import csv
from datetime import datetime, timezone
from pathlib import Path

import docx
from docx.document import Document
from docx.table import Table

from storage.database import create_engine
from storage.unit_of_work import UnitOfWorkFactory
from tests.cli_harness import Cli

HAI = "CAP-CL-NGHIHAI"


def start_report(cli: Cli, code: str) -> None:
    """As the officer's first /baocao and first answer do."""

    async def start() -> None:
        engine = create_engine(cli.url)
        async with UnitOfWorkFactory(engine)() as uow:
            unit = next(u for u in await uow.units.units() if u.code == code)
            now = datetime.now(timezone.utc)
            report = await uow.reports.open_unit("so-ket-2023", unit.id, now)
            assert report is not None
            await uow.reports.save_answers(report.id, {"I.1": {"text": "Phường có 12 khối phố."}}, None, now)
        await engine.dispose()

    asyncio.run(start())


def exported(cli: Cli, *scope: str) -> Document:
    result = cli("export", "docx", *scope, "--campaign", "so-ket-2023", "--out", "van-ban.docx")
    assert result.code == 0, result.err
    return docx.Document(str(cli.workdir / "van-ban.docx"))


def header_lines(document: Document) -> list[tuple[str, bool]]:
    """The left column of the header: each line with whether it is bold."""
    bodies = document.tables[0].cell(0, 0)
    return [(p.text, all(run.bold for run in p.runs)) for p in bodies.paragraphs if p.text]


def closing(document: Document) -> tuple[list[str], list[str], Table]:
    table = document.tables[-1]
    recipients, signer = table.rows[0].cells
    return [p.text for p in recipients.paragraphs], [p.text for p in signer.paragraphs], table


def test_a_ward_police_report_is_issued_under_the_town_police_with_blanks_for_the_signer(demo: Cli) -> None:
    start_report(demo, HAI)
    document = exported(demo, "--scope", "NA-CL", "--unit", HAI)
    assert header_lines(document) == [("CÔNG AN THỊ XÃ CỬA LÒ", False), ("CÔNG AN PHƯỜNG NGHI HẢI", True)]
    assert document.tables[0].cell(1, 0).text == "Số:        /BC-CAP"
    recipients, signer, table = closing(document)
    assert recipients == ["Nơi nhận:", "- Công an thị xã Cửa Lò (để báo cáo);", "- Lưu: VT, CAP."]
    assert signer == ["TRƯỞNG CÔNG AN PHƯỜNG", "……………………"]  # nobody named yet: a line to fill in
    last_of_body = table._tbl.getprevious()
    assert last_of_body.tag.endswith("}p") and docx.text.paragraph.Paragraph(last_of_body, None).paragraph_format.keep_with_next
    assert table.rows[0].cells[1].paragraphs[0].paragraph_format.keep_with_next


def test_the_province_summary_is_issued_by_the_body_the_campaign_file_names(demo: Cli) -> None:
    document = exported(demo, "--scope", "NA")
    assert header_lines(document) == [("CÔNG AN TỈNH NGHỆ AN", True)]  # a body, never "TỈNH NGHỆ AN"
    assert document.tables[0].cell(1, 0).text == "Số:        /BC-CAT-PV01"
    recipients, signer, _ = closing(document)
    assert recipients == ["Nơi nhận:", "- UBND tỉnh Nghệ An (để báo cáo);", "- Lưu: VT, CAT-PV01."]
    assert signer == ["GIÁM ĐỐC", "……………………"]


def test_a_district_summary_is_issued_by_its_peoples_committee_for_it(demo: Cli) -> None:
    document = exported(demo, "--scope", "NA-CL")
    assert header_lines(document) == [("UBND THỊ XÃ CỬA LÒ", True)]  # a committee has no managing body above it
    recipients, signer, _ = closing(document)
    assert recipients == ["Nơi nhận:", "- UBND tỉnh Nghệ An (để báo cáo);", "- Lưu: VT, UBND."]
    assert signer == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "……………………"]


def edit_row(sheet: Path, code: str, **cells: str) -> None:
    with sheet.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        if row["Mã đơn vị"] == code:
            row.update(cells)
    with sheet.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_the_organisation_sheet_names_the_signer_and_the_bodies_and_round_trips(demo: Cli) -> None:
    sheet = demo.workdir / "don-vi.csv"
    demo("units", "export", str(sheet))
    header = sheet.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == (
        "Mã đơn vị,Tên đơn vị,Loại đơn vị,Mã đơn vị cấp trên,Cơ quan chủ quản,Tên cơ quan ban hành,Tên viết tắt,"
        "Thẩm quyền ký,Chức vụ người ký,Người ký"
    )
    edit_row(sheet, HAI, **{
        "Thẩm quyền ký": "KT. Trưởng Công an phường", "Chức vụ người ký": "Phó Trưởng Công an phường",
        "Người ký": "Nguyễn Văn An", "Tên viết tắt": "CAP-NH",
    })  # fmt: skip
    dry = demo("units", "import", str(sheet), "--dry-run")
    assert dry.out.splitlines()[0] == "~ CAP-CL-NGHIHAI: đổi cơ quan ban hành hoặc người ký trên văn bản"
    assert demo("units", "import", str(sheet)).code == 0
    assert demo("units", "import", str(sheet)).out.strip() == "Cơ cấu tổ chức đã khớp với don-vi.csv; không có gì thay đổi."
    start_report(demo, HAI)
    document = exported(demo, "--scope", "NA-CL", "--unit", HAI)
    assert document.tables[0].cell(1, 0).text == "Số:        /BC-CAP-NH"
    recipients, signer, _ = closing(document)
    assert signer == ["KT. TRƯỞNG CÔNG AN PHƯỜNG", "PHÓ TRƯỞNG CÔNG AN PHƯỜNG", "Nguyễn Văn An"]
    assert recipients[-1] == "- Lưu: VT, CAP-NH."
    assert all(run.bold for p in document.tables[-1].rows[0].cells[1].paragraphs for run in p.runs)
    demo("units", "export", "lai.csv")
    again = [line for line in (demo.workdir / "lai.csv").read_text(encoding="utf-8-sig").splitlines() if line.startswith(f"{HAI},")]
    assert again == [f"{HAI},Công an phường Nghi Hải,cap,NA-CL,,,CAP-NH,KT. Trưởng Công an phường,Phó Trưởng Công an phường,Nguyễn Văn An"]


def test_a_letterhead_cell_too_long_is_refused_naming_its_column(demo: Cli) -> None:
    sheet = demo.workdir / "don-vi.csv"
    demo("units", "export", str(sheet))
    edit_row(sheet, HAI, **{"Tên viết tắt": "X" * 41})
    refused = demo("units", "import", str(sheet))
    assert refused.code == 1 and "cột “Tên viết tắt”" in refused.err and "41 ký tự" in refused.err, refused.err


def test_the_people_sheet_names_who_signs_for_a_unit_and_as_what(demo: Cli) -> None:
    people = demo.workdir / "can-bo.csv"
    people.write_text(
        "Họ và tên,Số điện thoại,Mã đơn vị,Vai trò,Chức vụ ký\n"
        "Trần Thị Bình,0912345678,CAP-CL-NGHIHAI,cán bộ báo cáo,\n"
        "Lê Văn Cường,,CAP-CL-NGHIHAI,cán bộ báo cáo,Trưởng Công an phường\n",
        encoding="utf-8",
    )
    imported = demo("people", "import", str(people))
    assert imported.code == 0 and "Báo cáo của 1 đơn vị sẽ ghi tên người ký." in imported.out, imported.err
    start_report(demo, HAI)
    _, signer, _ = closing(exported(demo, "--scope", "NA-CL", "--unit", HAI))
    assert signer == ["TRƯỞNG CÔNG AN PHƯỜNG", "Lê Văn Cường"]
    two = demo.workdir / "hai-nguoi-ky.csv"
    two.write_text(people.read_text(encoding="utf-8").replace("cán bộ báo cáo,\n", "cán bộ báo cáo,Phó Trưởng Công an phường\n"), encoding="utf-8")
    refused = demo("people", "import", str(two))
    assert refused.code == 1 and "dòng 3, cột “Chức vụ ký”: CAP-CL-NGHIHAI đã có người ký ở dòng 2" in refused.err, refused.err
