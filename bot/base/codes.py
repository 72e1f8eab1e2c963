"""The codes people type: invite and link codes as they read them out, and the shape of a unit's
and a campaign's code as commands, buttons and the catalog files carry them.

An invite or link code is short enough to read over the phone, in an alphabet without look-alikes
(no 0/O, 1/I/L); typed in any case, with spaces or dashes where a person put them ("f4jb p2x3" is
F4JBP2X3).
"""

from __future__ import annotations

import secrets

__all__ = ["ALPHABET", "CAMPAIGN_CODE_PATTERN", "CODE_LENGTH", "UNIT_CODE_PATTERN", "is_code", "new_code", "normalize_code"]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
UNIT_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]*$"
CAMPAIGN_CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
"""Short enough to travel in a button with a unit's id (bot/base/buttons.py)."""


def normalize_code(typed: str) -> str:
    return "".join(typed.split()).replace("-", "").upper()


def is_code(typed: str) -> bool:
    """Whether the text is a code and nothing else."""
    code = normalize_code(typed)
    return len(code) == CODE_LENGTH and all(character in ALPHABET for character in code)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
