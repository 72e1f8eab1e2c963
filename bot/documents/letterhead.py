"""Who issues a unit's documents and who signs them, as Nghị định 30/2020/NĐ-CP names them: the
managing body over the issuing body ("CÔNG AN THỊ XÃ CỬA LÒ / CÔNG AN PHƯỜNG NGHI HẢI"), the
abbreviation of the number ("/BC-CAP"), the body reported to, and the signer's authority, title
and name. A body is never a place alone ("TỈNH NGHỆ AN" issues nothing; its people's committee
does), so the unit kinds file says how each kind issues, with the unit's name or its parent's
filled in; what the province knows better it writes on the unit's own row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the records carry a Letterhead: imported for the hints only
    from bot.base.records import UnitRecord
    from bot.organisation.units import UnitTree

__all__ = ["BLANK", "SHORT_BLANK", "Issuer", "Letterhead", "issuer_of", "lower_first"]

BLANK = "……………………"
"""A line left for the office to fill in by hand, where the province has not said."""
SHORT_BLANK = "……"
"""The same, for an abbreviation."""


@dataclass(frozen=True)
class Letterhead:
    """How a unit issues its documents; a field left None is not said here. In a kind's rule,
    "{name}" is the unit's own name and "{parent}" its parent's, as in "Công an {parent}";
    an empty managing body means none (a people's committee has no managing body above it)."""

    managing_body: str | None = None
    issuing_body: str | None = None
    abbreviation: str | None = None
    signer_authority: str | None = None  # "TM.", "KT.", "Q." with what follows ("TM. ỦY BAN NHÂN DÂN")
    signer_title: str | None = None
    signer_name: str | None = None
    reports_to: str | None = None  # the body the report goes to "để báo cáo", where the tree does not say it
    copies_to: tuple[str, ...] | None = None  # other recipients ("Ban Thi đua – Khen thưởng tỉnh")

    def over(self, rule: Letterhead) -> Letterhead:
        """This letterhead, where it says nothing taking what `rule` says."""
        return replace(rule, **{f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not None})


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
