"""Asking for a file (/xuatbaocao, /xuatexcel, /bieudo): the turn only records the request (an
effect the service writes with the rest of the turn) and answers at once that the file is being
prepared, or queued behind others and where; the file itself is made by a worker outside the
turn's process and comes through the outbox (bot/documents/export_jobs.py)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.base.effects import RequestExport
from bot.base.exports import ExportKind, ExportRequest
from bot.base.i18n import N_
from bot.base.ports import Queries
from bot.base.records import ChatRecord
from bot.reporting.prompts import Prompts

__all__ = ["PREPARING", "QUEUED", "ask_for", "export_request"]

PREPARING = N_("⏳ Your file is being prepared; it will be sent to this chat as soon as it is ready.")
QUEUED = N_(
    "⏳ Other files are being prepared first: yours is number {place} in the queue and will be sent to this chat as soon as it is ready."
)


def export_request(kind: ExportKind, unit_id: int, campaign_code: str, chat: ChatRecord, p: Prompts) -> ExportRequest:
    """A file for the person of this chat, in their language, as their messenger takes it."""
    assert chat.person_id is not None, "only a linked chat asks for files"
    return ExportRequest(kind, unit_id, campaign_code, chat.person_id, chat.channel, chat.chat_id, p.locale, p.surface.documents)


async def ask_for(reads: Queries, requests: Sequence[ExportRequest], p: Prompts) -> list[tuple[str, RequestExport]]:
    """Each request as the effect that records it, with the answer it gets now: its place counts
    every export of the installation not yet finished, the one being made first."""
    backlog = await reads.exports.backlog()
    before = backlog.running + backlog.waiting
    answers = []
    for ahead, request in enumerate(requests, start=before):
        text = p._(QUEUED).format(place=ahead + 1) if ahead else p._(PREPARING)
        answers.append((text, RequestExport(request)))
    return answers
