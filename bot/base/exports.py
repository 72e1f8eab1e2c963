"""Exports asked for in a chat and made later, away from the turn: a request is a row written in
the turn's transaction; a worker claims one at a time under a lease (so the request of a worker
that died is taken over), makes the file in a process of its own and, in one transaction, marks
the request done and queues the file for its asker in the outbox. The records, and what storage
offers for them (bot/base/ports.py gathers every port in the unit of work)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

__all__ = ["Backlog", "ExportJob", "ExportKind", "ExportQueue", "ExportQueueQueries", "ExportRequest", "ExportState"]


class ExportKind(StrEnum):
    """What is made: a unit's report, an area's summary (both DOCX), its workbook, its chart."""

    REPORT = "report"
    SUMMARY = "summary"
    WORKBOOK = "workbook"
    CHART = "chart"


class ExportState(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"  # the file (or why there is none) is in the outbox
    FAILED = "failed"  # the asker is told, through the outbox, that no file came


@dataclass(frozen=True)
class ExportRequest:
    """A file asked for: of `unit_id` (the unit whose report, or the area's top unit) in the
    campaign, for the person in this chat, in their language; `takes_files` is whether their
    messenger takes files (else a download link, where this installation serves them)."""

    kind: ExportKind
    unit_id: int
    campaign_code: str
    person_id: int
    channel: str
    chat_id: str
    locale: str
    takes_files: bool


@dataclass(frozen=True)
class ExportJob:
    """A claimed request: `claim` names this claim (a request taken over gets a new one, and the
    old claim can no longer finish it); `attempts` counts claims, this one included."""

    id: int
    request: ExportRequest
    requested_at: datetime
    attempts: int
    claim: str


@dataclass(frozen=True)
class Backlog:
    """The installation's exports not finished: being made, and waiting their turn."""

    running: int
    waiting: int


class ExportQueueQueries(Protocol):
    async def backlog(self) -> Backlog: ...


class ExportQueue(ExportQueueQueries, Protocol):
    async def request(self, request: ExportRequest, now: datetime) -> int:
        """Adds a waiting request; returns its id."""
        ...

    async def claim(self, now: datetime, lease: timedelta, claim: str) -> ExportJob | None:
        """Takes the oldest waiting request, or the oldest running one whose claim was last renewed
        longer than `lease` ago (its worker died), as `claim`; None when there is none. On
        PostgreSQL two workers never take the same one (SKIP LOCKED)."""
        ...

    async def renew(self, job: ExportJob, now: datetime) -> bool:
        """Keeps the claim alive; False when it was lost (taken over)."""
        ...

    async def release(self, job: ExportJob) -> bool:
        """Puts the request back in the queue, as if this claim had never been (a worker that
        stops cleanly: the next one takes it at once); False when the claim was lost."""
        ...

    async def finish(self, job: ExportJob, state: ExportState, now: datetime, error: str | None = None) -> bool:
        """Marks the request DONE or FAILED if `job`'s claim still holds it; False when another
        claim took it over (then nothing is written, and the caller must queue nothing)."""
        ...
