"""The unit tree, scope and search, with no database."""

from __future__ import annotations

from datetime import date

import pytest

from bot.base.records import Enrolment, Grant, Role, UnitRecord
from bot.base.report_status import ReportStatus
from bot.organisation.access import access_of
from bot.organisation.units import UnitTree
from bot.reporting.standing import standing_of

UNITS = [
    UnitRecord(1, "NA", "Tỉnh Nghệ An", "tinh", None),
    UnitRecord(2, "NA-CL", "Thị xã Cửa Lò", "huyen", 1),
    UnitRecord(3, "NA-TH", "Thị xã Thái Hòa", "huyen", 1),
    UnitRecord(4, "CAP-CL-NGHIHOA", "Công an phường Nghi Hòa", "cap", 2),
    UnitRecord(5, "CAP-CL-NGHITHUY", "Công an phường Nghi Thủy", "cap", 2),
    UnitRecord(6, "CAP-TH-HOAHIEU", "Công an phường Hòa Hiếu", "cap", 3),
    UnitRecord(7, "XA-1", "Xã mẫu 01", "xa", 8),
    UnitRecord(8, "NA-CL-KHU", "Khu vực phía Bắc", "khu", 2),
]
TREE = UnitTree(UNITS)


def grant(unit_id: int, role: Role) -> Grant:
    return Grant(person_id=9, unit_id=unit_id, unit_code="", unit_name="", role=role)


def test_a_district_supervisor_sees_its_subtree_at_any_depth_and_nothing_else() -> None:
    access = access_of(9, [grant(2, Role.SUPERVISOR)], TREE)
    assert access.supervises and not access.administers
    assert access.unit_ids == {2, 4, 5, 7, 8}


def test_a_reporter_supervises_nothing_and_an_administrator_everything() -> None:
    assert not access_of(9, [grant(4, Role.REPORTER)], TREE).supervises
    assert access_of(9, [grant(4, Role.ADMIN)], TREE).unit_ids == {u.id for u in UNITS}


@pytest.mark.parametrize("query", ["Nghi Hòa", "nghi hoa", "NGHI HOÀ", "Nghi Hoà", "cap-cl-nghihoa"])
def test_search_ignores_case_diacritics_and_tone_mark_placement(query: str) -> None:
    assert [u.code for u in TREE.search(query, {u.id for u in UNITS})] == ["CAP-CL-NGHIHOA"]


def test_search_treats_thuy_and_thuỷ_alike_and_never_looks_outside_scope() -> None:
    assert [u.code for u in TREE.search("Nghi Thuỷ", {5})] == ["CAP-CL-NGHITHUY"]
    assert TREE.search("Hòa Hiếu", {2, 4, 5}) == []
    assert TREE.search("CAP-TH-HOAHIEU", {2, 4, 5}) == []


def test_an_exact_name_beats_a_partial_one_and_partial_lists_all() -> None:
    within = {u.id for u in UNITS}
    assert [u.code for u in TREE.search("Thị xã Cửa Lò", within)] == ["NA-CL"]
    assert [u.code for u in TREE.search("công an phường", within)] == ["CAP-TH-HOAHIEU", "CAP-CL-NGHIHOA", "CAP-CL-NGHITHUY"]


def row(unit_id: int, status: ReportStatus | None, answered: int = 0) -> Enrolment:
    return Enrolment(unit_id, "cap-22", 1 if status else None, status, answered, 0, None)


def test_tallies_per_kind_and_per_area_as_the_outline_counts_them() -> None:
    rows = [
        row(4, ReportStatus.SUBMITTED, 38),
        row(5, ReportStatus.DRAFT, 19),
        row(6, None),
        row(7, ReportStatus.RETURNED, 30),
        row(2, ReportStatus.APPROVED, 48),
    ]
    standing = standing_of(
        rows, TREE, [1], lambda _: 38, lambda _: False, {4: ["An"], 5: ["Bình"]}, date(2023, 11, 25), date(2023, 11, 26)
    )
    cap = standing.by_kind[("cap", False)]
    assert (cap.enrolled, cap.submitted, cap.linked, cap.in_progress, cap.not_started, cap.overdue) == (3, 1, 2, 1, 1, 2)
    assert cap.average_progress == 50
    assert standing.by_kind[("huyen", False)].approved == 1
    assert standing.by_branch[(2, ("cap", False))].submitted == 1 and standing.by_branch[(2, ("cap", False))].enrolled == 2
    assert standing.by_branch[(3, ("cap", False))].enrolled == 1
    assert standing.by_branch[(2, ("xa", False))].returned == 1
    assert (2, ("huyen", False)) not in standing.by_branch


def test_search_matches_whole_words_only() -> None:
    tree = UnitTree([UnitRecord(1, "A", "Công an phường Nghi Hải", "cap", None), UnitRecord(2, "B", "Doanh nghiệp mẫu 07", "cq", None)])
    assert [u.code for u in tree.search("nghi", {1, 2})] == ["A"]
