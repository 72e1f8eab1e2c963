"""Rows people will open in Excel, written as XLSX or as CSV (UTF-8 with a BOM, which Excel opens
as UTF-8) by the file's suffix; a text is text in either, never a formula (bot/catalog/sheets.py
says how). `baocao units export` writes the organisation's sheet with it."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import openpyxl

from bot.catalog.sheets import csv_text, text_cells

__all__ = ["write_sheet"]


def write_sheet(path: Path, rows: Sequence[Sequence[str]]) -> None:
    if path.suffix.lower() == ".xlsx":
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert sheet is not None
        for row in rows:
            sheet.append(text_cells(sheet, row))
        workbook.save(path)
        return
    with path.open("w", newline="", encoding="utf-8-sig") as file:
        csv.writer(file).writerows([csv_text(cell) for cell in row] for row in rows)
