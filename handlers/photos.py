"""A photo a person sent, fetched from the platform's URL and kept under a name of our own (never
one built from what the platform sent): for channels whose updates carry a link, not the file."""

from __future__ import annotations

import secrets
from pathlib import Path

import aiohttp

from bot.answers import StoredFile

__all__ = ["DOWNLOAD_SECONDS", "fetch_photo"]

DOWNLOAD_SECONDS = 60


async def fetch_photo(url: str, files_dir: Path, channel: str, max_bytes: int) -> StoredFile:
    """The photo, kept in `files_dir/channel`; one over `max_bytes` is passed on without a copy
    (the core then says it is too large)."""
    target = files_dir / channel / f"{secrets.token_hex(12)}.jpg"
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_SECONDS)
    async with aiohttp.ClientSession() as session, session.get(url, timeout=timeout) as answer:
        answer.raise_for_status()
        data = await answer.content.read(max_bytes + 1)
        mime = answer.headers.get("Content-Type", "image/jpeg").split(";")[0]
    if len(data) > max_bytes:
        return StoredFile(kind="photo", ref=url, size=len(data), mime_type=mime, channel=channel)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return StoredFile(kind="photo", ref=url, size=len(data), mime_type=mime, path=str(target), channel=channel)
