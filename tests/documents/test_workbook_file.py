"""The workbook writer's table of shared strings: texts that repeat down a column (a unit's name on
each of its criteria's rows) are written once in it; a column whose texts do not (what each unit
wrote) stays in its cells, so the table never grows with a province's words."""

from __future__ import annotations

from app.workbook_file import SheetRows, Styles


def test_only_columns_whose_texts_repeat_go_to_the_shared_table() -> None:
    rows = [(f"Đơn vị {unit}", criterion, f"Đơn vị {unit} đã làm việc {criterion}.") for unit in range(40) for criterion in range(30)]
    shared: dict[str, int] = {}
    sheet = SheetRows([20.0, 8.0, 40.0], Styles("1", "2", "3", "4", "5"), shared)
    xml = "".join(sheet.xml(rows[start : start + 500]) for start in range(0, len(rows), 500))
    assert set(shared) == {f"Đơn vị {unit}" for unit in range(40)}
    assert xml.count('t="s"><v>') == len(rows)  # each row's name, by its index in the table
    assert xml.count("<is><t>Đơn vị 7 đã làm việc 12.</t></is>") == 1  # what one unit wrote, in its own cell
    assert sheet.number == len(rows) + 1
