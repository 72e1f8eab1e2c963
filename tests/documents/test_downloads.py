"""Download links for messengers that cannot carry a file: a real aiohttp server on 127.0.0.1
serves a signed link until it expires, and answers 404 to a forged, altered, expired or
traversing one."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web

from app.documents import KEPT_FOR, FileDocuments
from app.downloads import LINK_LIFETIME, DownloadLinks, download_route
from bot.base.clock import FixedClock
from bot.base.events import Surface
from bot.documents.exports import chart_document
from bot.organisation.units import UnitTree
from bot.reporting.prompts import Prompts
from tests.seeded_store import seeded_store
from tests.service_harness import CAMPAIGNS, CATALOG, DEMO_UNITS

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=ZONE)
CONTENT = b"PK\x03\x04 a workbook"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def served(tmp_path: Path, clock: FixedClock) -> AsyncIterator[tuple[DownloadLinks, str]]:
    """Links whose public address is a real server on 127.0.0.1, and that address."""
    app = web.Application()
    runner = web.AppRunner(app)
    links = DownloadLinks(tmp_path / "exports", "http://placeholder", clock)
    app.add_routes([download_route(links)])
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    links.public_url = f"http://127.0.0.1:{port}"
    yield links, links.public_url
    await runner.cleanup()


def exported(links: DownloadLinks, suffix: str = ".xlsx") -> Path:
    links.exports_dir.mkdir(parents=True, exist_ok=True)
    path = links.exports_dir / f"{'ab' * 16}{suffix}"
    path.write_bytes(CONTENT)
    return path


async def fetch(url: str) -> tuple[int, bytes, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.read(), response.headers.get("Content-Disposition", "")


async def test_a_link_serves_its_file_under_its_name_until_it_expires(served: tuple[DownloadLinks, str], clock: FixedClock) -> None:
    links, _url = served
    link = links.link(exported(links), "Báo cáo - Thị xã Cửa Lò.xlsx")
    status, body, disposition = await fetch(link)
    assert (status, body) == (200, CONTENT)
    assert disposition == "attachment; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20-%20Th%E1%BB%8B%20x%C3%A3%20C%E1%BB%ADa%20L%C3%B2.xlsx"
    assert (await fetch(link))[0] == 200  # not spent by a first fetch (a messenger's preview may fetch it)
    clock.advance(LINK_LIFETIME + timedelta(seconds=1))
    assert (await fetch(link))[0] == 404


async def test_forged_altered_and_traversing_links_get_404(served: tuple[DownloadLinks, str]) -> None:
    links, url = served
    link = links.link(exported(links), "a.xlsx")
    token = link.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    longer = base64.urlsafe_b64encode(json.dumps({**fields, "e": fields["e"] + 86_400}).encode()).decode().rstrip("=")
    traversing = base64.urlsafe_b64encode(json.dumps({**fields, "f": "../.download-key"}).encode()).decode().rstrip("=")
    for forged in (
        f"{longer}.{signature}",  # a later expiry under the old signature
        f"{payload}.{signature[:-2]}AA",
        f"{payload}",
        "garbage",
        f"{traversing}.{links.sign(traversing)}",  # signed with the real key, and still not a path
    ):
        assert (await fetch(f"{url}/tep/{forged}"))[0] == 404, forged
    other = DownloadLinks(links.exports_dir, url, links.clock, key=b"another installation's key")
    assert (await fetch(other.link(exported(links), "a.xlsx")))[0] == 404
    Path(exported(links)).unlink()
    assert (await fetch(link))[0] == 404  # gone


async def test_a_messenger_without_files_gets_a_link_or_is_told_why_not(tmp_path: Path, clock: FixedClock) -> None:
    async with seeded_store(DEMO_UNITS, CAMPAIGNS) as store:
        async with store() as uow:
            tree = UnitTree(await uow.units.units())
            [campaign] = [c for c in await uow.units.campaigns() if c.code == "so-ket-2023"]
        root = tree.by_code("NA-CL")
        assert root is not None
        text_only = Prompts("vi", ZONE, Surface(buttons=False, documents=False))
        links = DownloadLinks(tmp_path / "exports", "https://baocao.example.vn", clock, key=b"k")
        for documents, expected in (
            (FileDocuments(tmp_path, links), "Tải về trong vòng 1 giờ: https://baocao.example.vn/tep/"),
            (FileDocuments(tmp_path), "Ứng dụng nhắn tin này không nhận được tệp"),
        ):
            settings = Settings(CATALOG.forms, documents)
            async with store() as uow:
                text, attachment = await chart_document(uow, tree, root, tree.subtree([root.id]), campaign, settings, text_only, NOW.date())
            assert attachment is None and expected in text, text


class Settings:
    """What an export needs, as FeatureSettings gives it."""

    def __init__(self, forms: object, documents: FileDocuments) -> None:
        self.forms = forms
        self.documents = documents

    def kind_label(self, kind: str) -> object:
        return CATALOG.kind_label(kind)


def test_the_key_is_made_once_and_kept(tmp_path: Path, clock: FixedClock) -> None:
    first = DownloadLinks(tmp_path / "exports", "https://x", clock)
    again = DownloadLinks(tmp_path / "exports", "https://x", clock)
    assert first.key == again.key and len(first.key) == 32
    assert (tmp_path / ".download-key").stat().st_mode & 0o777 == 0o600


def test_exports_older_than_a_week_are_deleted_when_the_next_is_written(tmp_path: Path) -> None:
    documents = FileDocuments(tmp_path)
    documents.directory.mkdir(parents=True)
    old, recent = documents.directory / f"{'0' * 32}.docx", documents.directory / f"{'1' * 32}.docx"
    for path in (old, recent):
        path.write_bytes(CONTENT)
    week = KEPT_FOR.total_seconds()
    os.utime(old, (time.time() - week - 60, time.time() - week - 60))
    os.utime(recent, (time.time() - week + 60, time.time() - week + 60))
    fresh = documents.new_path(".xlsx")
    assert not old.exists() and recent.exists() and fresh.parent == documents.directory
    old.write_bytes(CONTENT)
    os.utime(old, (0, 0))
    documents.new_path(".xlsx")
    assert old.exists()  # looked at most once an hour
