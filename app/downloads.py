"""Download links for the files the bot wrote, for messengers that cannot carry a file (the Zalo
Bot Platform sends only text and images by address). A link names one file under the exports
folder, the name to save it under and when it stops working, signed with a key only this
installation knows: a guessed, altered or expired link is answered 404, like a missing file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.base.clock import Clock

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["DOWNLOAD_PATH", "LINK_LIFETIME", "DownloadLinks", "download_links", "download_route"]

log = logging.getLogger(__name__)

DOWNLOAD_PATH = "/tep/{token}"
LINK_LIFETIME = timedelta(hours=1)
EXPORT_NAME = re.compile(r"^[0-9a-f]{32}\.(docx|xlsx|png|pdf)$")
"""The only names a link may point at: those FileDocuments gives (never a path)."""
KEY_FILE = ".download-key"


@dataclass(frozen=True)
class Download:
    path: Path
    name: str  # what the person's browser saves it as


class DownloadLinks:
    def __init__(self, exports_dir: Path, public_url: str, clock: Clock, key: bytes | None = None) -> None:
        self.exports_dir = exports_dir
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self.key = key or installation_key(exports_dir.parent)

    def link(self, path: Path, name: str) -> str:
        expires = int((self.clock.now() + LINK_LIFETIME).timestamp())
        payload = b64(json.dumps({"f": path.name, "n": name, "e": expires}, ensure_ascii=False).encode())
        return f"{self.public_url}{DOWNLOAD_PATH.format(token=f'{payload}.{self.sign(payload)}')}"

    def resolve(self, token: str, now: datetime) -> Download | None:
        """The file a token names, or None when it is forged, expired or gone."""
        payload, _dot, signature = token.partition(".")
        if not hmac.compare_digest(signature.encode(), self.sign(payload).encode()):
            return None
        try:
            fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return None
        file_name, name, expires = fields.get("f", ""), fields.get("n", ""), fields.get("e", 0)
        path = self.exports_dir / file_name
        if not EXPORT_NAME.match(file_name) or now.timestamp() > expires or not path.is_file():
            return None
        return Download(path, name)

    def sign(self, payload: str) -> str:
        return b64(hmac.new(self.key, payload.encode(), hashlib.sha256).digest())


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def installation_key(files_dir: Path) -> bytes:
    """A random key kept beside the files, made on first use, so every worker of the
    installation signs alike and a restart keeps the links working."""
    path = files_dir / KEY_FILE
    files_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(descriptor, "wb") as key_file:
        key = os.urandom(32)
        key_file.write(key)
    return key


def download_route(links: DownloadLinks) -> web.RouteDef:
    """The route serving the links, for the bot's web server; aiohttp is imported here only, so a
    process that only makes links (an export's) does not load it."""
    from aiohttp import web

    async def download(request: web.Request) -> web.StreamResponse:
        found = links.resolve(request.match_info["token"], links.clock.now())
        if found is None:
            log.warning("download refused (forged, expired or gone) from %s", request.remote)
            raise web.HTTPNotFound()
        disposition = f"attachment; filename*=UTF-8''{quote(found.name)}"
        return web.FileResponse(found.path, headers={"Content-Disposition": disposition})

    return web.get(DOWNLOAD_PATH, download)


def download_links(files_dir: Path, public_url: str | None, clock: Clock) -> DownloadLinks | None:
    """The installation's links, where it has a public address to serve them from."""
    return DownloadLinks(files_dir / "exports", public_url, clock) if public_url else None
