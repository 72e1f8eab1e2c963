"""How long a code, a name, a title or a text in a province's set-up files may be, and what none
of them may hold. One place, used by every import (the spreadsheets bot.catalog.sheets reads, the
YAML files bot.catalog.file_fields checks), so that whatever is accepted also fits the database's
columns, a chat message and the properties of a Word or Excel file."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.base.i18n import N_

__all__ = ["CODE_LENGTH", "NAME_LENGTH", "TEXT_LENGTH", "TITLE_LENGTH", "FieldProblem", "field_problem"]

CODE_LENGTH = 40
"""A unit's, campaign's, form's or option's code: typed in commands and carried in buttons."""
NAME_LENGTH = 150
"""A unit's or a person's name, one line: a report's header prints it in capitals."""
TITLE_LENGTH = 200
"""A campaign's, milestone's, form's or section's title, one line: a report's subject."""
TEXT_LENGTH = 2000
"""A criterion's text or guidance, a prompt, a legal basis: it may run over several lines."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""Characters no one types into a name: NUL, tabs, line breaks, the other C0 and C1 controls."""
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""The same, where a text may break its lines."""
_LINE_BREAKS = "\n\r"


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with a field, as a msgid and the values it is filled with."""

    msgid: str
    params: Mapping[str, object]

    def text(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.msgid).format(**self.params)


def field_problem(text: str, limit: int, lines: bool = False) -> FieldProblem | None:
    """None when `text` has at most `limit` characters and no control character (a line break
    only where `lines` allows it)."""
    if len(text) > limit:
        return FieldProblem(N_("too long: {length} characters, at most {limit}"), {"length": len(text), "limit": limit})
    control = (_CONTROL_IN_TEXT if lines else _CONTROL).search(text)
    if control is None:
        return None
    if control.group() in _LINE_BREAKS:
        return FieldProblem(N_("a line break is not allowed here; keep it on one line"), {})
    return FieldProblem(N_("holds an invisible control character ({code}); type the text again"), {"code": f"U+{ord(control.group()):04X}"})
