"""A photo or document a person sent, fetched from the platform's URL and kept under a name of our
own (never one built from what the platform sent): for channels whose updates carry a link, not
the file."""

from __future__ import annotations

import mimetypes
import re
import secrets
from dataclasses import replace
from pathlib import Path, PurePosixPath

import aiohttp

from bot.base.answers import StoredFile

__all__ = ["DOWNLOAD_SECONDS", "fetch_document", "fetch_photo", "safe_suffix"]

DOWNLOAD_SECONDS = 60
EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")
"""A file's extension, kept on our copy when it looks like one."""


def safe_suffix(name: str) -> str:
    """The file's extension, when it is a short plain one (".pdf"): the rest of a name a person
    or a platform chose never reaches a path."""
    suffix = PurePosixPath(name).suffix.lower()
    return suffix if EXTENSION.fullmatch(suffix) else ""


async def fetch_photo(url: str, files_dir: Path, channel: str, max_bytes: int) -> StoredFile:
    """The photo, kept in `files_dir/channel`; one over `max_bytes` is passed on without a copy
    (the core then says it is too large)."""
    return await fetch(url, files_dir / channel, ".jpg", StoredFile(kind="photo", ref=url, size=0, mime_type="image/jpeg", channel=channel), max_bytes)


async def fetch_document(url: str, name: str, files_dir: Path, channel: str, max_bytes: int) -> StoredFile:
    """A document under the name the person gave it (kept as its name, not as ours on disk), its
    type the platform's or else guessed from the name; over `max_bytes`, passed on without a copy."""
    suffix = PurePosixPath(name).suffix.lower()
    guessed = mimetypes.guess_type(f"file{suffix}")[0] or "application/octet-stream"
    described = StoredFile(kind="document", ref=url, size=0, name=name or None, mime_type=guessed, channel=channel)
    return await fetch(url, files_dir / channel, safe_suffix(name) or ".bin", described, max_bytes)


async def fetch(url: str, directory: Path, suffix: str, described: StoredFile, max_bytes: int) -> StoredFile:
    """`described` with its size, the platform's content type (unless it says only "bytes") and
    the path of our copy."""
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_SECONDS)
    async with aiohttp.ClientSession() as session, session.get(url, timeout=timeout) as answer:
        answer.raise_for_status()
        data = await answer.content.read(max_bytes + 1)
        served = answer.headers.get("Content-Type", "").split(";")[0].strip()
    mime = served if served and served != "application/octet-stream" else described.mime_type
    if len(data) > max_bytes:
        return replace(described, size=len(data), mime_type=mime)
    target = directory / f"{secrets.token_hex(12)}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return replace(described, size=len(data), mime_type=mime, path=str(target))
