"""Importing a province's official criterion texts from a spreadsheet (XLSX or CSV).

The shipped catalogs ask most criteria with a neutral prompt because the official wording is not
public; a province that holds the texts loads them from the sheet it already keeps. The sheet is
typed by people, so headers are matched loosely (case, diacritics, the names Vietnamese sheets
use: STT, Số thứ tự, Tiêu chí, Nội dung tiêu chí…, or English ones) while contents are checked
strictly, and every error names the file, the row and the column, in the reader's language.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.base.forms import LocalText
from bot.base.i18n import DEFAULT_LOCALE, N_, translations
from bot.catalog.field_limits import TEXT_LENGTH, TITLE_LENGTH
from bot.catalog.model import CatalogError, CriteriaSet, Criterion
from bot.catalog.sheets import ROW_NUMBER_HEADERS, Gettext, names_of, read_table, whole_number

__all__ = ["read_criteria_sheet"]

_HEADER_NAMES = {
    **names_of("group", ("group", "Nhóm", "Nhóm tiêu chí", "Lĩnh vực")),
    **names_of("number", ("number", "no", "Số", *ROW_NUMBER_HEADERS, "Thứ tự", "Số tiêu chí", "Tiêu chí số")),
    **names_of("text", ("text", "Nội dung", "Tiêu chí", "Nội dung tiêu chí", "Tên tiêu chí", "Yêu cầu")),
    **names_of("guidance", ("guidance", "Hướng dẫn", "Hướng dẫn đánh giá", "Ghi chú")),
}
_REQUIRED = {"number": N_("criterion's number"), "text": N_("criterion's text")}
_EXPECTED_HEADERS = "Nhóm, STT (Số thứ tự), Nội dung tiêu chí, Hướng dẫn"


def read_criteria_sheet(path: Path, criteria_set: CriteriaSet, _: Gettext = translations(DEFAULT_LOCALE).gettext) -> CriteriaSet:
    """Read official texts for `criteria_set` from the first sheet of an XLSX file or from a CSV.

    The header row names the columns; number and text are required, group and guidance optional.
    A blank group continues the group above (merged cells read that way). Returns the set with
    these texts, groups and guidance and its version increased by one. Errors are CatalogErrors
    written with `_`.
    """
    table = read_table(path, _HEADER_NAMES, _REQUIRED, _EXPECTED_HEADERS, _)
    criteria: dict[int, Criterion] = {}
    rows_of: dict[int, int] = {}
    group: str = ""
    for record in table.records:
        number = whole_number(record.cells.get("number"))
        if number is None:
            raw = record.text("number")
            raise table.error(record, "number", _("expected a criterion number, got “{value}”").format(value=raw) if raw else _("the criterion number is missing"))
        if not 1 <= number <= criteria_set.total:
            raise table.error(record, "number", _("{number} is outside 1..{total} ({set})").format(number=number, total=criteria_set.total, set=criteria_set.id))
        if number in rows_of:
            raise table.error(record, "number", _("criterion {number} is already on row {row}").format(number=number, row=rows_of[number]))
        text = table.field(record, "text", TEXT_LENGTH, lines=True)
        if not text:
            raise table.error(record, "text", _("the text of criterion {number} is empty").format(number=number))
        group = table.field(record, "group", TITLE_LENGTH) or group
        guidance = table.field(record, "guidance", TEXT_LENGTH, lines=True)
        rows_of[number] = record.number
        criteria[number] = Criterion(
            number=number,
            group=LocalText(vi=group) if group else None,
            text=LocalText(vi=text),
            guidance=LocalText(vi=guidance) if guidance else None,
        )

    if len(criteria) != criteria_set.total:
        missing = ", ".join(str(n) for n in range(1, criteria_set.total + 1) if n not in criteria)
        raise CatalogError(
            table.label,
            _("column “{column}”").format(column=table.headers["number"]),
            _("{count} criteria, but {set} has {total}; missing: {missing}").format(
                count=len(criteria), set=criteria_set.id, total=criteria_set.total, missing=missing
            ),
        )
    return dataclasses.replace(
        criteria_set,
        version=criteria_set.version + 1,
        criteria=tuple(criteria[n] for n in range(1, criteria_set.total + 1)),
    )
