"""A document's issuer, every word settled: a unit's own letterhead (bot.base.letterhead) over
its kind's rule, its name and its parent's filled in, and the body it reports to found in the unit
tree; blanks left for the office to fill in by hand where the province has not said."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.base.letterhead import Letterhead
from bot.base.records import UnitRecord
from bot.organisation.units import UnitTree

__all__ = ["BLANK", "SHORT_BLANK", "Issuer", "issuer_of", "lower_first"]

BLANK = "……………………"
"""A line left for the office to fill in by hand, where the province has not said."""
SHORT_BLANK = "……"
"""The same, for an abbreviation."""


@dataclass(frozen=True)
class Issuer:
    """A document's issuer, every word settled: names as written in a sentence (the header
    prints them in capitals); the signer's name is BLANK when unknown."""

    managing_body: str
    issuing_body: str
    abbreviation: str
    reports_to: str  # the body the report goes to, "" at the top
    signer_authority: str
    signer_title: str
    signer_name: str
    copies_to: tuple[str, ...] = ()  # other recipients the province names ("Ban Thi đua – Khen thưởng")


def issuer_of(tree: UnitTree, unit: UnitRecord, rule_of_kind: Callable[[str], Letterhead], over: Letterhead | None = None) -> Issuer:
    """What `over` says (a campaign's issuer of the province's summary: alone, if it names
    another body), else the unit's own letterhead (its row of the organisation sheet), else its
    kind's rule. The managing body, where none says, is the parent's issuing body; the report
    goes to the body `reports_to` names, else the managing body, else the parent's issuing body
    (a commune, whose committee has no managing body, reports to its district's)."""
    above = tree.ancestors(unit.id)
    parent = above[0] if above else None
    own = unit.letterhead.over(rule_of_kind(unit.kind))
    sheet = own if over is None else over.over(Letterhead() if over.issuing_body else own)
    issuing = filled(sheet.issuing_body or "{name}", unit, parent)
    parent_body = issuer_of(tree, parent, rule_of_kind).issuing_body if parent else ""
    managing = parent_body if sheet.managing_body is None else filled(sheet.managing_body, unit, parent)
    return Issuer(
        managing_body=managing,
        issuing_body=issuing,
        abbreviation=sheet.abbreviation or "",
        reports_to=sheet.reports_to or managing or parent_body,
        signer_authority=sheet.signer_authority or "",
        signer_title=sheet.signer_title or "",
        signer_name=sheet.signer_name or BLANK,
        copies_to=sheet.copies_to or (),
    )


def filled(template: str, unit: UnitRecord, parent: UnitRecord | None) -> str:
    """A kind's rule with the unit's name and its parent's, lower-cased at the start as they
    stand inside a name ("Công an thị xã Cửa Lò"); no parent, no name that needs one."""
    if "{parent}" in template and parent is None:
        return ""
    name = unit.name if template.startswith("{name}") else lower_first(unit.name)
    return template.replace("{name}", name).replace("{parent}", lower_first(parent.name) if parent else "")


def lower_first(text: str) -> str:
    """A name as it stands inside a sentence or another name: its first letter lowered."""
    return text[:1].lower() + text[1:]
