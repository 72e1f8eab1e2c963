"""Who issues and signs a unit's documents, from the demo's tree and the shipped unit kinds: each
kind's rule, a unit's own row over it, a campaign's issuer over the province's summary only."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.base.letterhead import Letterhead
from bot.base.records import UnitRecord
from bot.catalog.loading import load_catalog
from bot.documents.issuer import BLANK, issuer_of
from bot.documents.unit_report import DOCUMENT_LOCALE, issued_by
from bot.organisation.units import UnitTree
from bot.reporting.prompts import Prompts

CATALOG = load_catalog()
PROVINCE = UnitRecord(1, "NA", "Tỉnh Nghệ An", "tinh", None)
POLICE = UnitRecord(2, "NA-CAT", "Công an tỉnh Nghệ An", "ca-tinh", 1)
DIVISION = UnitRecord(3, "NA-CAT-PV01", "Phòng PV01", "phong", 2)
TOWN = UnitRecord(4, "NA-CL", "Thị xã Cửa Lò", "huyen", 1)
WARD = UnitRecord(5, "NA-CL-NGHITHUY", "Phường Nghi Thủy", "xa", 4)
DEPARTMENT = UnitRecord(6, "NA-SO-TC", "Sở Tài chính", "so", 1)
SIGNED = Letterhead(signer_authority="KT. Trưởng Công an phường", signer_title="Phó Trưởng Công an phường", signer_name="Nguyễn Văn An")
WARD_POLICE = UnitRecord(7, "CAP-CL-NGHIHAI", "Công an phường Nghi Hải", "cap", 4, letterhead=SIGNED)
TREE = UnitTree([PROVINCE, POLICE, DIVISION, TOWN, WARD, DEPARTMENT, WARD_POLICE])


def test_each_kind_issues_as_the_unit_kinds_file_says() -> None:
    division, ward, department = (issuer_of(TREE, unit, CATALOG.letterhead) for unit in (DIVISION, WARD, DEPARTMENT))
    assert (division.managing_body, division.issuing_body, division.reports_to) == ("Công an tỉnh Nghệ An", "Phòng PV01", "Công an tỉnh Nghệ An")
    assert (division.abbreviation, division.signer_title, division.signer_name) == ("", "Trưởng phòng", BLANK)
    assert (ward.managing_body, ward.issuing_body, ward.reports_to) == ("", "UBND phường Nghi Thủy", "UBND thị xã Cửa Lò")
    assert (ward.signer_authority, ward.signer_title) == ("TM. ỦY BAN NHÂN DÂN", "Chủ tịch")
    assert (department.managing_body, department.issuing_body) == ("UBND tỉnh Nghệ An", "Sở Tài chính")


def test_a_units_own_row_wins_over_its_kind() -> None:
    issuer = issuer_of(TREE, WARD_POLICE, CATALOG.letterhead)
    assert (issuer.managing_body, issuer.issuing_body, issuer.abbreviation) == ("Công an thị xã Cửa Lò", "Công an phường Nghi Hải", "CAP")
    assert (issuer.signer_authority, issuer.signer_title, issuer.signer_name) == (
        "KT. Trưởng Công an phường", "Phó Trưởng Công an phường", "Nguyễn Văn An"
    )  # fmt: skip


def test_a_campaigns_issuer_naming_another_body_takes_nothing_of_the_provinces_own() -> None:
    issuer = Letterhead(issuing_body="Công an tỉnh Nghệ An", managing_body="", reports_to="UBND tỉnh Nghệ An", copies_to=("Sở Nội vụ",))
    summary = issuer_of(TREE, PROVINCE, CATALOG.letterhead, issuer)
    assert (summary.issuing_body, summary.managing_body, summary.reports_to, summary.copies_to) == (
        "Công an tỉnh Nghệ An", "", "UBND tỉnh Nghệ An", ("Sở Nội vụ",)
    )  # fmt: skip
    assert (summary.signer_authority, summary.signer_title, summary.abbreviation) == ("", "", "")  # not the committee's TM.
    document = issued_by(Prompts(DOCUMENT_LOCALE, ZoneInfo("Asia/Ho_Chi_Minh")), summary, "Nghệ An, ngày 20 tháng 11 năm 2023", "Tổng hợp", [])
    assert document.recipients == ("- UBND tỉnh Nghệ An (để báo cáo);", "- Sở Nội vụ;", "- Lưu: VT, …….")
    assert (document.number, document.signer_role, document.signer_name) == ("Số:        /BC-……", BLANK, BLANK)
    only_a_signer = issuer_of(TREE, PROVINCE, CATALOG.letterhead, Letterhead(signer_name="Nguyễn Văn B"))
    assert (only_a_signer.issuing_body, only_a_signer.signer_title, only_a_signer.signer_name) == (
        "UBND tỉnh Nghệ An", "Chủ tịch", "Nguyễn Văn B"
    )  # fmt: skip


def test_a_kind_rule_naming_the_parent_gives_nothing_at_the_top() -> None:
    lone_ward_police = UnitRecord(9, "CAP-X", "Công an phường X", "cap", None)
    issuer = issuer_of(UnitTree([lone_ward_police]), lone_ward_police, CATALOG.letterhead)
    assert (issuer.managing_body, issuer.issuing_body, issuer.reports_to) == ("", "Công an phường X", "")
