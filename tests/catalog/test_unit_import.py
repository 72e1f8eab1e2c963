"""A province's organisation as a spreadsheet: any tree survives export and import unchanged, every
kind of mistake is named by row and column, and an import says exactly what it changes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.sheet_files import write_sheet
from bot.base.records import LoadedUnit
from bot.catalog.model import CatalogError, UnitSpec
from bot.organisation.unit_import import (
    EXPORT_HEADERS,
    plan_changes,
    read_units_sheet,
    units_sheet_rows,
)

KINDS = frozenset({"tinh", "xa", "cap", "cq", "huyen"})


@st.composite
def trees(draw: st.DrawFn, tiers: int) -> list[UnitSpec]:
    """A province, then `tiers - 1` levels below it, each unit with a few children."""
    units = [UnitSpec("TINH", draw(st.sampled_from(["Tỉnh Nghệ An", "Tỉnh Hà Tĩnh"])), "tinh", None, False)]
    level = [units[0]]
    for depth in range(1, tiers):
        below = []
        for parent in level:
            for index in range(draw(st.integers(1, 3))):
                name = draw(st.text(alphabet="abcdefghiklmnopqrstuvxyàáảãạăắằẳẵặâấầẩẫậđêếềểễệôốồổỗộơớờởỡợưứừửữự ", min_size=1, max_size=30))
                kind = draw(st.sampled_from(["xa", "cap", "cq"] if depth == tiers - 1 else ["huyen", "xa"]))
                child = UnitSpec(f"{parent.code}-{index}", f"Đơn vị {name.strip() or 'x'}", kind, parent.code, False)
                below.append(child)
        units += below
        level = below
    return units


@settings(max_examples=25, deadline=None)
@given(tree=st.one_of(trees(2), trees(3)), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_any_two_or_three_tier_tree_survives_export_and_import(tree: list[UnitSpec], suffix: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"don-vi{suffix}"
        write_sheet(path, units_sheet_rows(tree))
        assert read_units_sheet(path, KINDS) == tree


def write(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    write_sheet(path, units_sheet_rows([]))  # the header row
    with path.open("a", encoding="utf-8") as file:
        for row in rows:
            file.write(",".join(row) + "\n")
    if header is not None:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        path.write_text("\n".join([",".join(header), *lines[1:]]) + "\n", encoding="utf-8")
    return path


GOOD = [["TINH", "Tỉnh A", "tinh", ""], ["XA-1", "Xã Một", "xa", "TINH"]]
MISTAKES = {
    "duplicate code": ([*GOOD, ["xa-1", "Xã Hai", "xa", "TINH"]], "dòng 4, cột “Mã đơn vị”", "mã XA-1 đã có ở dòng 3"),
    "unknown parent": ([*GOOD, ["XA-2", "Xã Hai", "xa", "HUYEN-9"]], "dòng 4, cột “Mã đơn vị cấp trên”", "HUYEN-9 của XA-2 không có trong tệp"),
    "a cycle": ([*GOOD, ["A", "Xã A", "xa", "B"], ["B", "Xã B", "xa", "A"]], "dòng 4, cột “Mã đơn vị cấp trên”", "vòng lặp"),
    "unknown kind": ([*GOOD, ["XA-2", "Làng Hai", "lang", "TINH"]], "dòng 4, cột “Loại đơn vị”", "loại đơn vị “lang” không xác định"),
    "bad code": ([*GOOD, ["XÃ 2", "Xã Hai", "xa", "TINH"]], "dòng 4, cột “Mã đơn vị”", "không phải mã đơn vị hợp lệ"),
    "missing name": ([*GOOD, ["XA-2", "", "xa", "TINH"]], "dòng 4, cột “Tên đơn vị”", "thiếu tên của đơn vị XA-2"),
    "missing code": ([*GOOD, ["", "Xã Hai", "xa", "TINH"]], "dòng 4, cột “Mã đơn vị”", "thiếu mã đơn vị"),
    "long name": ([*GOOD, ["XA-2", "x" * 151, "xa", "TINH"]], "dòng 4, cột “Tên đơn vị”", "quá dài: 151 ký tự, tối đa 150"),
    "long code": ([*GOOD, ["XA-" + "2" * 38, "Xã Hai", "xa", "TINH"]], "dòng 4, cột “Mã đơn vị”", "quá dài: 41 ký tự, tối đa 40"),
    "a tab in a name": ([*GOOD, ["XA-2", "Xã\tHai", "xa", "TINH"]], "dòng 4, cột “Tên đơn vị”", "ký tự điều khiển không nhìn thấy (U+0009)"),
}


@pytest.mark.parametrize("mistake", MISTAKES, ids=list(MISTAKES))
def test_every_kind_of_mistake_names_its_row_and_column(tmp_path: Path, mistake: str) -> None:
    rows, field, message = MISTAKES[mistake]
    path = write(tmp_path / "don-vi.csv", rows)
    with pytest.raises(CatalogError) as caught:
        read_units_sheet(path, KINDS)
    assert (caught.value.file, caught.value.field) == (str(path), field)
    assert message in caught.value.message


def test_english_headers_and_lower_case_codes_are_read_too(tmp_path: Path) -> None:
    path = write(tmp_path / "units.csv", [["tinh", "Tỉnh A", "tinh", ""], ["xa-1", "Xã Một", "xa", "tinh"]], ["code", "name", "kind", "parent"])
    assert read_units_sheet(path, KINDS) == [UnitSpec("TINH", "Tỉnh A", "tinh", None, False), UnitSpec("XA-1", "Xã Một", "xa", "TINH", False)]
    missing = write(tmp_path / "thieu.csv", [], ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"])
    with pytest.raises(CatalogError, match="không có cột ghi mã đơn vị cấp trên"):
        read_units_sheet(missing, KINDS)
    assert EXPORT_HEADERS == ("Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên")


def test_an_import_says_what_it_adds_renames_moves_retires_and_brings_back() -> None:
    loaded = [
        LoadedUnit("TINH", "Tỉnh A", "tinh", None, retired=False, has_reports=False),
        LoadedUnit("H-1", "Huyện Một", "huyen", "TINH", retired=False, has_reports=False),
        LoadedUnit("XA-1", "Xã Một", "xa", "H-1", retired=False, has_reports=True),
        LoadedUnit("XA-2", "Xã Hai", "xa", "H-1", retired=False, has_reports=False),
        LoadedUnit("XA-3", "Xã Ba", "xa", "H-1", retired=True, has_reports=False),
        LoadedUnit("XA-4", "Xã Bốn", "xa", "H-1", retired=False, has_reports=True),
    ]
    sheet = [
        UnitSpec("TINH", "Tỉnh A", "tinh", None, False),
        UnitSpec("XA-1", "Phường Một", "cap", "TINH", False),  # two tiers now: renamed, moved, re-kinded
        UnitSpec("XA-3", "Xã Ba", "xa", "TINH", False),
        UnitSpec("XA-5", "Xã Năm", "xa", "TINH", False),
    ]
    changes = plan_changes(loaded, sheet)
    assert (changes.added, changes.revived, changes.retired, changes.retired_with_reports) == (["XA-5"], ["XA-3"], ["H-1", "XA-2", "XA-4"], ["XA-4"])
    assert changes.renamed == [("XA-1", "Xã Một", "Phường Một")]
    assert changes.moved == [("XA-1", "H-1", "TINH"), ("XA-3", "H-1", "TINH")]
    assert changes.rekinded == [("XA-1", "xa", "cap")]
    assert "- XA-4: thôi sử dụng (đơn vị đã có báo cáo)" in changes.lines(lambda text: {
        "- {code}: retired (it has reports)": "- {code}: thôi sử dụng (đơn vị đã có báo cáo)"
    }.get(text, text))
    assert plan_changes([*loaded[:1]], sheet[:1]).empty


def test_a_row_number_column_is_read_past_and_a_sheet_without_units_is_refused(tmp_path: Path) -> None:
    numbered = write(tmp_path / "stt.csv", [["1", *GOOD[0]], ["2", *GOOD[1]]], ["STT", *EXPORT_HEADERS])
    assert read_units_sheet(numbered, KINDS) == [UnitSpec("TINH", "Tỉnh A", "tinh", None, False), UnitSpec("XA-1", "Xã Một", "xa", "TINH", False)]
    header_only = write(tmp_path / "trong.csv", [["", "", "", ""]])
    with pytest.raises(CatalogError) as caught:
        read_units_sheet(header_only, KINDS)
    assert (caught.value.field, caught.value.message) == ("dòng 2", "không có đơn vị nào dưới dòng tiêu đề; tệp là toàn bộ cơ cấu tổ chức, mỗi dòng một đơn vị")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_names_excel_would_take_for_formulas_are_written_as_text_and_read_back_as_they_were(tmp_path: Path, suffix: str) -> None:
    tree = [UnitSpec("TINH", "=HYPERLINK(\"http://x\",\"Xem\")", "tinh", None, False)]
    tree += [UnitSpec(f"XA-{n}", name, "xa", "TINH", False) for n, name in enumerate(("+84 Xã", "-Xã", "@Xã", "'=Xã", "Xã 'Một'"))]
    path = tmp_path / f"don-vi{suffix}"
    write_sheet(path, units_sheet_rows(tree))
    assert read_units_sheet(path, KINDS) == tree
    if suffix == ".csv":
        assert path.read_text(encoding="utf-8-sig").splitlines()[1] == "TINH,\"'=HYPERLINK(\"\"http://x\"\",\"\"Xem\"\")\",tinh," + "," * 6  # six letterhead columns left empty


def test_an_import_that_retires_more_than_half_of_the_units_in_use_says_so() -> None:
    loaded = [LoadedUnit(f"XA-{n}", f"Xã {n}", "xa", None, retired=n >= 5, has_reports=False) for n in range(9)]
    keep = [UnitSpec(unit.code, unit.name, unit.kind, None, False) for unit in loaded[:2]]
    assert plan_changes(loaded, keep).retires_most  # 3 of the 5 in use; the 4 retired before do not count
    assert not plan_changes(loaded, [*keep, UnitSpec("XA-2", "Xã 2", "xa", None, False)]).retires_most
    assert not plan_changes([], keep).retires_most  # a first import retires nothing
