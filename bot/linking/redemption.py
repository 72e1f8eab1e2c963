"""Spending a code: whether an invite or a link code can still be spent, and what spending it
makes of the chat that sent it. Storage reads the code's row (locked, so a code is spent once)
and writes what `spend` decided (storage/invites.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.base.records import InviteProblem, Role

__all__ = ["IssuedCode", "Spending", "problem", "spend"]


@dataclass(frozen=True)
class IssuedCode:
    """A code as it was issued and where it stands now. An invite gives `role` on `unit_id`, to
    whoever spends it (under `full_name` when a province's list named the person); a link code
    joins the chat to `person_id`, who made it from another chat."""

    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    unit_id: int | None = None
    role: Role | None = None
    person_id: int | None = None
    full_name: str = ""


@dataclass(frozen=True)
class Spending:
    """What spending a code makes of the chat."""

    person_id: int | None
    """The person the chat belongs to from now on; None: a new person, named `new_name`."""
    new_name: str
    merged_person_id: int | None
    """The person the chat had been linked to on its own, whose chats and roles go to `person_id`
    (one person, whatever messenger they write from); None when there is nobody to merge."""
    grant: tuple[int, Role] | None
    """The unit and role the person is given (back, if it was revoked); None for a link code."""
    joined_existing: bool
    """The chat joined a person linked in another messenger."""


def problem(code: IssuedCode, now: datetime) -> InviteProblem | None:
    """Why `code` cannot be spent at `now`, the first that holds of: withdrawn, spent already,
    expired; None when it can."""
    if code.revoked_at is not None:
        return InviteProblem.REVOKED
    if code.used_at is not None:
        return InviteProblem.USED
    if code.expires_at <= now:
        return InviteProblem.EXPIRED
    return None


def spend(code: IssuedCode, chat_person_id: int | None, display_name: str, now: datetime) -> Spending | InviteProblem:
    """What spending `code` at `now` from a chat linked to `chat_person_id` (None: not linked),
    whose person calls themselves `display_name`, does; or why it does nothing, the first that
    holds of: withdrawn, spent already, expired. (A code nobody issued is InviteProblem.UNKNOWN.)"""
    if (unusable := problem(code, now)) is not None:
        return unusable
    grant = (code.unit_id, code.role) if code.unit_id is not None and code.role is not None else None
    owner = code.person_id
    if owner is None:
        new_name = code.full_name or display_name if chat_person_id is None else ""
        return Spending(chat_person_id, new_name, None, grant, joined_existing=False)
    merged = chat_person_id if chat_person_id is not None and chat_person_id != owner else None
    return Spending(owner, "", merged, grant, joined_existing=owner != chat_person_id)
