"""What the core needs to hand people a file: the documents it has decided the content of, laid
out by the composition root (app/documents.py implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.base.events import Attachment
from bot.base.records import IssuedInvite
from bot.documents.model import OfficialReport, ProgressChart, Workbook

__all__ = ["Documents"]


class Documents(Protocol):
    """Files the bot writes for a person to download or print: the core says what goes in them,
    the composition root how they are laid out and where they are kept. Writing runs off the
    event loop, so a large document never holds up other chats."""

    async def invite_sheet(self, scope: str, invites: Sequence[IssuedInvite], locale: str) -> Attachment:
        """The printable invite sheet (one block per invite, with its QR code)."""
        ...

    async def report(self, report: OfficialReport, name: str) -> Attachment:
        """An official report as a DOCX laid out as Nghị định 30/2020/NĐ-CP prescribes; an annex
        streamed is read and written a chunk at a time."""
        ...

    async def workbook(self, workbook: Workbook, name: str) -> Attachment:
        """An XLSX workbook: frozen header rows with filters, dates as dates; rows streamed are read
        and written a chunk at a time."""
        ...

    async def chart(self, chart: ProgressChart, name: str) -> Attachment:
        """A PNG bar chart readable on a phone."""
        ...

    @property
    def serves_downloads(self) -> bool:
        """Whether this installation serves downloads (BAOCAO_PUBLIC_URL is set)."""
        ...

    def download_link(self, attachment: Attachment) -> str:
        """An address to fetch a written file from for a short time; only where it serves downloads."""
        ...
