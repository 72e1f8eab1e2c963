"""Who issues a unit's documents and who signs them, as Nghị định 30/2020/NĐ-CP names them: the
managing body over the issuing body ("CÔNG AN THỊ XÃ CỬA LÒ / CÔNG AN PHƯỜNG NGHI HẢI"), the
abbreviation of the number ("/BC-CAP"), the body reported to, and the signer's authority, title
and name. A body is never a place alone ("TỈNH NGHỆ AN" issues nothing; its people's committee
does), so the unit kinds file says how each kind issues, with the unit's name or its parent's
filled in; what the province knows better it writes on the unit's own row."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

__all__ = ["Letterhead"]


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
