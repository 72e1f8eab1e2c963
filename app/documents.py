"""The files the bot writes for people (bot.documents.port.Documents): laid out by the writers beside this
module, kept under the files directory, each under a fresh name so that two files never meet.
Each is written in a worker thread: a large document never holds up the event loop. A report and
a workbook are written a chunk at a time as the core reads them (bot.documents.model.Chunked),
each chunk in the thread while the loop goes on."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Protocol, TypeVar

from app.downloads import DownloadLinks
from bot.base.events import Attachment
from bot.base.i18n import translations
from bot.base.records import IssuedInvite
from bot.documents.model import OfficialReport, ProgressChart, Workbook, chunks, file_name

__all__ = ["KEPT_FOR", "FileDocuments"]

log = logging.getLogger(__name__)

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KEPT_FOR = timedelta(days=7)
"""How long an export is kept: long past its download link's hour and an outbox retry's hours."""
PRUNE_EVERY = 3600.0
"""Seconds between two looks for old exports."""


class FileDocuments:
    def __init__(self, files_dir: Path, links: DownloadLinks | None = None) -> None:
        self.directory = files_dir / "exports"
        self.links = links
        self.pruned_at = -PRUNE_EVERY

    @property
    def serves_downloads(self) -> bool:
        return self.links is not None

    def download_link(self, attachment: Attachment) -> str:
        assert self.links is not None, "no downloads are served: BAOCAO_PUBLIC_URL is not set"
        return self.links.link(Path(attachment.path), attachment.name)

    async def invite_sheet(self, scope: str, invites: Sequence[IssuedInvite], locale: str) -> Attachment:
        from app.invite_pdf import (
            write_invite_pdf,  # its library and fonts only when a sheet is asked for
        )

        gettext = translations(locale).gettext
        path = self.new_path(".pdf")
        await asyncio.to_thread(write_invite_pdf, path, scope, invites, gettext)
        return Attachment(str(path), file_name(f"{gettext('Invites')} - {scope}", ".pdf"), PDF)

    async def report(self, report: OfficialReport, name: str) -> Attachment:
        from app.report_file import (
            ReportFile,  # python-docx only when a report is asked for
        )

        path = self.new_path(".docx")
        async with writing(path, lambda: ReportFile(path, report)) as document:
            await asyncio.to_thread(document.write_body)
            async for blocks in chunks(report.annex):
                await asyncio.to_thread(document.write_annex, blocks)
            await asyncio.to_thread(document.close)
        return Attachment(str(path), name, DOCX)

    async def workbook(self, workbook: Workbook, name: str) -> Attachment:
        from app.workbook_file import (
            WorkbookFile,  # openpyxl only when a workbook is asked for
        )

        path = self.new_path(".xlsx")
        async with writing(path, lambda: WorkbookFile(path, workbook)) as xlsx:
            for index, sheet in enumerate(workbook.sheets):
                await asyncio.to_thread(xlsx.begin, index)
                async for rows in chunks(sheet.rows):
                    await asyncio.to_thread(xlsx.rows, rows)
                await asyncio.to_thread(xlsx.end)
            await asyncio.to_thread(xlsx.close)
        return Attachment(str(path), name, XLSX)

    async def chart(self, chart: ProgressChart, name: str) -> Attachment:
        from app.progress_chart import (
            write_chart,  # matplotlib only when a chart is asked for
        )

        path = self.new_path(".png")
        await asyncio.to_thread(write_chart, path, chart)
        return Attachment(str(path), name, PNG)

    def new_path(self, suffix: str) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        if time.monotonic() - self.pruned_at > PRUNE_EVERY:
            self.prune(time.time() - KEPT_FOR.total_seconds())
        return self.directory / f"{uuid.uuid4().hex}{suffix}"

    def prune(self, older_than: float) -> int:
        """Deletes the exports written before `older_than` (seconds since the epoch): each one was
        sent or linked long ago, and every /xuatbaocao writes a new one."""
        self.pruned_at = time.monotonic()
        gone = 0
        for path in self.directory.iterdir():
            if path.is_file() and path.stat().st_mtime < older_than:
                path.unlink(missing_ok=True)
                gone += 1
        if gone:
            log.info("deleted %d exports older than %s", gone, KEPT_FOR)
        return gone


class BeingWritten(Protocol):
    def abandon(self) -> None:
        """Closes what it has open, leaving the file to be deleted."""
        ...


Writer = TypeVar("Writer", bound=BeingWritten)


@asynccontextmanager
async def writing(path: Path, start: Callable[[], Writer]) -> AsyncIterator[Writer]:
    """The writer `start` makes, in a worker thread; when reading or writing fails, the file half
    written is closed and deleted: no link or attachment ever points to it."""
    writer = await asyncio.to_thread(start)
    try:
        yield writer
    except BaseException:
        writer.abandon()
        path.unlink(missing_ok=True)  # noqa: ASYNC240  # on the way out of a failure
        raise
