"""A province's officers from a spreadsheet (name, phone, unit code, role), so that each gets an
invite of their own and joins under the name the province gave; and, where the sheet gives the
title one of them signs under, who signs the unit's reports."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from bot.base.i18n import DEFAULT_LOCALE, N_, translations
from bot.base.records import Role
from bot.base.text import fold
from bot.catalog.field_limits import NAME_LENGTH
from bot.catalog.sheets import ROW_NUMBER_HEADERS, Gettext, RowsRead, names_of, read_table

__all__ = ["PersonSpec", "read_people_sheet"]

_HEADER_NAMES = {
    **names_of("name", ("name", "full name", "Họ và tên", "Họ tên", "Tên", "Cán bộ")),
    **names_of("phone", ("phone", "Số điện thoại", "Điện thoại", "SĐT", "SDT")),
    **names_of("unit", ("unit", "unit code", "Mã đơn vị", "Đơn vị")),
    **names_of("role", ("role", "Vai trò", "Nhiệm vụ")),
    **names_of("signs_as", ("signs as", "Chức vụ ký", "Chức vụ ký báo cáo", "Ký báo cáo")),
    **names_of("row_number", ROW_NUMBER_HEADERS),  # read past
}
_REQUIRED = {"name": N_("person's name"), "unit": N_("unit's code")}
_EXPECTED_HEADERS = "Họ và tên, Số điện thoại, Mã đơn vị, Vai trò"
_ROLE_WORDS = {
    **dict.fromkeys(("", "reporter", "bao cao", "can bo bao cao"), Role.REPORTER),
    **dict.fromkeys(("supervisor", "theo doi", "tham dinh", "theo doi, tham dinh", "can bo theo doi, tham dinh"), Role.SUPERVISOR),
}
_PHONE = re.compile(r"(\+84|0)\d{9,10}")


@dataclass(frozen=True)
class PersonSpec:
    full_name: str
    phone: str
    unit_code: str
    role: Role
    signs_as: str = ""  # the title they sign the unit's reports under ("Trưởng Công an phường"); "" if they do not


def read_people_sheet(
    path: Path, unit_codes: Collection[str], _: Gettext = translations(DEFAULT_LOCALE).gettext, rows_read: RowsRead | None = None
) -> list[PersonSpec]:
    """Every person of the sheet, checked whole: a name (within bot.catalog.field_limits), a known unit (code in any case), a role
    (empty means reporter; administrators are not made in bulk), a phone written as Vietnamese
    numbers are, if any; at most one signer a unit. The same name twice on one unit is one person."""
    table = read_table(path, _HEADER_NAMES, _REQUIRED, _EXPECTED_HEADERS, _, rows_read)
    people: dict[tuple[str, str], PersonSpec] = {}
    signer_row: dict[str, int] = {}
    for record in table.records:
        name, unit = " ".join(table.field(record, "name", NAME_LENGTH).split()), record.text("unit").upper()
        phone = re.sub(r"[\s.\-]", "", record.text("phone"))
        role = _ROLE_WORDS.get(fold(record.text("role")))
        if not name:
            raise table.error(record, "name", _("the person's name is missing"))
        if unit not in unit_codes:
            raise table.error(record, "unit", _("there is no unit {code}; see `baocao units list`").format(code=unit))
        if role is None:
            raise table.error(record, "role", _("unknown role “{role}”: write “cán bộ báo cáo” or “cán bộ theo dõi, thẩm định”").format(role=record.text("role")))
        if phone and not _PHONE.fullmatch(phone):
            raise table.error(record, "phone", _("“{phone}” is not a phone number").format(phone=record.text("phone")))
        signs_as = " ".join(table.field(record, "signs_as", NAME_LENGTH).split())
        if signs_as and signer_row.setdefault(unit, record.number) != record.number:
            raise table.error(record, "signs_as", _("{code} already has its signer on row {row}").format(code=unit, row=signer_row[unit]))
        people.setdefault((fold(name), unit), PersonSpec(name, phone, unit, role, signs_as))
    return list(people.values())
