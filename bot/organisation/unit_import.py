"""A province's organisation as a spreadsheet: read and checked whole (code, name, kind, parent
code; any depth; and, where the province fills them, how each unit's documents are headed and
signed), compared with what is loaded to say what an import changes, and written back
in the same format so the tree can be edited in Excel and imported again.

The file is the whole tree: a unit it no longer lists is retired (kept with its history, left
out of new campaigns), never deleted; one that has reports is only retired when asked, and so is
more than half of the tree at once (a file cut short, or the wrong file). A file without a single
unit is no tree at all.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.base.codes import UNIT_CODE_PATTERN
from bot.base.i18n import DEFAULT_LOCALE, N_, translations
from bot.base.letterhead import Letterhead
from bot.base.records import LoadedUnit
from bot.catalog.field_limits import CODE_LENGTH, NAME_LENGTH
from bot.catalog.model import CatalogError, UnitSpec
from bot.catalog.sheets import ROW_NUMBER_HEADERS, Gettext, RowsRead, names_of, read_table

__all__ = ["EXPORT_HEADERS", "LETTERHEAD_HEADERS", "UnitChanges", "keeping_demo_marks", "plan_changes", "read_units_sheet", "units_sheet_rows"]

EXPORT_HEADERS = ("Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên")
LETTERHEAD_HEADERS = {
    "managing_body": ("Cơ quan chủ quản", "managing body"),
    "issuing_body": ("Tên cơ quan ban hành", "Cơ quan ban hành", "issuing body"),
    "abbreviation": ("Tên viết tắt", "Viết tắt", "abbreviation"),
    "signer_authority": ("Thẩm quyền ký", "signer authority"),
    "signer_title": ("Chức vụ người ký", "signer title"),
    "signer_name": ("Người ký", "Họ tên người ký", "signer"),
}
"""Optional columns, each Letterhead's field by the headers it goes by, the first the one written:
an empty cell leaves the field to the unit kinds file (bot.base.letterhead)."""
_LETTERHEAD_LIMITS = {"abbreviation": CODE_LENGTH}
_HEADER_NAMES = {
    **names_of("code", ("code", "Mã", "Mã đơn vị")),
    **names_of("name", ("name", "Tên", "Tên đơn vị")),
    **names_of("kind", ("kind", "Loại", "Loại đơn vị")),
    **names_of("parent", ("parent", "parent code", "Cấp trên", "Mã cấp trên", "Mã đơn vị cấp trên", "Đơn vị cấp trên")),
    **names_of("row_number", ROW_NUMBER_HEADERS),  # read past
    **{name: column for field_name, headers in LETTERHEAD_HEADERS.items() for name, column in names_of(field_name, headers).items()},
}
_REQUIRED = {"code": N_("unit's code"), "name": N_("unit's name"), "kind": N_("unit's kind"), "parent": N_("parent unit's code")}
_EXPECTED_HEADERS = ", ".join(EXPORT_HEADERS)


def read_units_sheet(
    path: Path, kinds: Collection[str], _: Gettext = translations(DEFAULT_LOCALE).gettext, rows_read: RowsRead | None = None
) -> list[UnitSpec]:
    """Every unit of the sheet, checked as a whole: at least one, codes (any case) unique and well
    formed, names and codes within bot.catalog.field_limits, kinds known, each parent listed in the file,
    no cycle. CatalogError names the row and column.
    The rows are read as they come; the checks take time in proportion to the rows, at any depth."""
    table = read_table(path, _HEADER_NAMES, _REQUIRED, _EXPECTED_HEADERS, _, rows_read)
    specs: dict[str, UnitSpec] = {}
    row_of: dict[str, int] = {}
    for record in table.records:
        code = table.field(record, "code", CODE_LENGTH).upper()
        name, kind, parent = table.field(record, "name", NAME_LENGTH), record.text("kind"), record.text("parent").upper()
        if not code:
            raise table.error(record, "code", _("the unit's code is missing"))
        if not _well_formed(code):
            raise table.error(record, "code", _("“{code}” is not a unit code: letters A–Z, digits and dashes").format(code=code))
        if code in specs:
            raise table.error(record, "code", _("{code} is already on row {row}").format(code=code, row=row_of[code]))
        if not name:
            raise table.error(record, "name", _("the name of {code} is missing").format(code=code))
        if kind not in kinds:
            raise table.error(record, "kind", _("unknown kind “{kind}”; the kinds are: {kinds}").format(kind=kind, kinds=", ".join(sorted(kinds))))
        said: dict[str, Any] = {  # the sheet's columns are Letterhead's text fields by name
            column: table.field(record, column, _LETTERHEAD_LIMITS.get(column, NAME_LENGTH)) or None for column in LETTERHEAD_HEADERS
        }
        letterhead = Letterhead(**said)
        specs[code] = UnitSpec(code, name, kind, parent or None, False, letterhead)
        row_of[code] = record.number
    if not specs:
        raise CatalogError(table.label, _("row {row}").format(row=2), _("no unit under the header row; the file is the whole organisation, one unit a row"))
    for code, spec in specs.items():
        if spec.parent_code is not None and spec.parent_code not in specs:
            raise table.error(row_of[code], "parent", _("the parent {parent} of {code} is not in the file").format(parent=spec.parent_code, code=code))
    rooted: set[str] = set()  # units whose line of parents ends at a root
    for code in specs:
        path_up: list[str] = []
        on_path: set[str] = set()
        above: str | None = code
        while above is not None and above not in rooted:
            if above in on_path:
                raise table.error(row_of[code], "parent", _("{code} is its own ancestor (a cycle)").format(code=code))
            path_up.append(above)
            on_path.add(above)
            above = specs[above].parent_code
        rooted.update(path_up)
    return list(specs.values())


def _well_formed(code: str) -> bool:
    return re.fullmatch(UNIT_CODE_PATTERN, code) is not None


@dataclass(frozen=True)
class UnitChanges:
    """What importing a sheet would change; each entry names the unit by code."""

    added: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # code, from, to
    moved: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    rekinded: list[tuple[str, str, str]] = field(default_factory=list)
    relettered: list[str] = field(default_factory=list)  # what the unit's documents say of it changed
    revived: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    retired_with_reports: list[str] = field(default_factory=list)  # among `retired`
    active: int = 0  # units in use before the import

    @property
    def retires_most(self) -> bool:
        """More than half of the units in use would be retired: more likely a file cut short
        or the wrong file than a reorganisation, so it is done only when asked."""
        return 2 * len(self.retired) > self.active

    @property
    def empty(self) -> bool:
        return not (self.added or self.renamed or self.moved or self.rekinded or self.relettered or self.revived or self.retired)

    @property
    def count(self) -> int:
        """How many lines `lines` has."""
        return (
            len(self.added) + len(self.renamed) + len(self.moved) + len(self.rekinded) + len(self.relettered) + len(self.revived)
            + len(self.retired)
        )

    @property
    def units(self) -> int:
        """How many units an import writes: each unit added, changed in any way or retired, once."""
        changed = {code for code, *_rest in (*self.renamed, *self.moved, *self.rekinded)} | set(self.relettered) | set(self.revived)
        return len(self.added) + len(changed) + len(self.retired)

    def lines(self, _: Gettext) -> list[str]:
        """One line per change, as `--dry-run` prints them."""
        with_reports = set(self.retired_with_reports)
        lines = [_("+ {code}: new unit").format(code=code) for code in self.added]
        lines += [_("~ {code}: renamed “{old}” → “{new}”").format(code=c, old=o, new=n) for c, o, n in self.renamed]
        lines += [_("~ {code}: moved from {old} to {new}").format(code=c, old=o or "–", new=n or "–") for c, o, n in self.moved]
        lines += [_("~ {code}: kind {old} → {new}").format(code=c, old=o, new=n) for c, o, n in self.rekinded]
        lines += [_("~ {code}: how its documents are headed or signed").format(code=code) for code in self.relettered]
        lines += [_("+ {code}: back in use").format(code=code) for code in self.revived]
        lines += [
            (_("- {code}: retired (it has reports)") if code in with_reports else _("- {code}: retired")).format(code=code)
            for code in self.retired
        ]
        return lines


def keeping_demo_marks(loaded: Sequence[LoadedUnit], specs: Sequence[UnitSpec]) -> list[UnitSpec]:
    """The sheet has no column for it: a unit generated as demo data stays marked as such."""
    demo = {unit.code for unit in loaded if unit.demo}
    return [replace(spec, demo=spec.code in demo) for spec in specs]


def plan_changes(loaded: Sequence[LoadedUnit], specs: Sequence[UnitSpec]) -> UnitChanges:
    """What making the loaded tree look like the sheet takes."""
    changes = UnitChanges(active=sum(1 for unit in loaded if not unit.retired))
    by_code = {unit.code: unit for unit in loaded}
    listed = {spec.code for spec in specs}
    for spec in specs:
        unit = by_code.get(spec.code)
        if unit is None:
            changes.added.append(spec.code)
            continue
        if unit.name != spec.name:
            changes.renamed.append((spec.code, unit.name, spec.name))
        if unit.parent_code != spec.parent_code:
            changes.moved.append((spec.code, unit.parent_code, spec.parent_code))
        if unit.kind != spec.kind:
            changes.rekinded.append((spec.code, unit.kind, spec.kind))
        if unit.letterhead != spec.letterhead:
            changes.relettered.append(spec.code)
        if unit.retired:
            changes.revived.append(spec.code)
    for unit in loaded:
        if unit.code not in listed and not unit.retired:
            changes.retired.append(unit.code)
            if unit.has_reports:
                changes.retired_with_reports.append(unit.code)
    return changes


def units_sheet_rows(specs: Sequence[UnitSpec]) -> list[tuple[str, ...]]:
    """The units as rows that `read_units_sheet` reads back, the header row first (the
    composition root writes them to a file: app/sheet_files.py)."""
    letterhead = tuple(LETTERHEAD_HEADERS)
    return [
        (*EXPORT_HEADERS, *(LETTERHEAD_HEADERS[column][0] for column in letterhead)),
        *((s.code, s.name, s.kind, s.parent_code or "", *(getattr(s.letterhead, column) or "" for column in letterhead)) for s in specs),
    ]
