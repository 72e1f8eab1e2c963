"""Invite and link codes as people read them out and type them.

Short enough to read over the phone, in an alphabet without look-alikes (no 0/O, 1/I/L); typed
in any case, with spaces or dashes where a person put them ("f4jb p2x3" is F4JBP2X3).
"""

from __future__ import annotations

import secrets

__all__ = ["ALPHABET", "CODE_LENGTH", "is_code", "new_code", "normalize_code"]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def normalize_code(typed: str) -> str:
    return "".join(typed.split()).replace("-", "").upper()


def is_code(typed: str) -> bool:
    """Whether the text is a code and nothing else."""
    code = normalize_code(typed)
    return len(code) == CODE_LENGTH and all(character in ALPHABET for character in code)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
