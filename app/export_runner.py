"""Each worker's export runner: one requested file at a time (bot/base/exports.py), made in a
child process (app/export_child.py) so the worker's event loop and memory stay the officers'.

It claims the oldest waiting request under a lease, renews the claim while the child works, and
gives the child the settings' time at most; then, in one transaction, marks the request done or
failed and queues its asker's message in the outbox (the file, or why none comes), so that the
file reaches them once, whatever outage of the platform comes after. A worker that dies leaves
its claim to lapse: another worker (or this one, restarted) makes the file again; the child of
the dead worker sees its stdin close and leaves. A request that outlived MAX_ATTEMPTS workers is
given up, and its asker told. A worker stopped cleanly puts its request back in the queue."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime

from app.export_child import decode_result, encode_job
from app.settings import Settings
from bot.base.clock import Clock
from bot.base.events import Attachment
from bot.base.exports import ExportJob, ExportState
from bot.base.outbox import OutboxMessage
from bot.base.ports import UnitOfWork
from bot.documents.export_jobs import CRASHED, FAILED, TOO_LONG, failure_message, file_message
from handlers.claims import kept_claim

__all__ = ["IDLE_SECONDS", "MAX_ATTEMPTS", "ExportFailed", "ExportRunner", "child_environment"]

log = logging.getLogger(__name__)

IDLE_SECONDS = 0.5
"""How often an idle runner looks for a request: an asker waits for their file at most this long more."""
MAX_ATTEMPTS = 3
"""Claims a request gets: a file whose making brought down a worker three times is given up."""
STDERR_SHOWN = 4000
"""How much of a failed child's stderr (its traceback) the log keeps."""


class ExportFailed(RuntimeError):
    """The child ended without a file: `reason` says to its asker why (an N_ msgid of
    bot/documents/export_jobs.py), `fields` fill it in."""

    def __init__(self, detail: str, reason: str = FAILED, **fields: object) -> None:
        super().__init__(detail)
        self.reason = reason
        self.fields = fields


class ExportRunner:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        clock: Clock,
        settings: Settings,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.unit_of_work = unit_of_work
        self.clock = clock
        self.settings = settings
        self.timeout = settings.export_timeout
        self.lease = settings.export_lease
        self.on_queued = on_queued  # wakes the outbox senders: a file is waiting

    async def run(self) -> None:
        """Makes the requested files one after another until cancelled."""
        while True:
            try:
                busy = await self.run_one()
            except Exception:
                log.exception("exports: a request could not be claimed or finished; trying again in %.1f s", IDLE_SECONDS)
                busy = False
            if not busy:
                await asyncio.sleep(IDLE_SECONDS)

    async def run_one(self) -> bool:
        """Claims one request and sees it through; False when none was waiting."""
        async with self.unit_of_work() as uow:
            job = await uow.exports.claim(self.clock.now(), self.lease, uuid.uuid4().hex)
        if job is None:
            return False
        request = job.request
        what = f"export {job.id} ({request.kind} of unit {request.unit_id} in {request.campaign_code} for person {request.person_id}, try {job.attempts})"
        if job.attempts > MAX_ATTEMPTS:
            log.error("%s: given up, %d workers stopped while making it", what, job.attempts - 1)
            await self.finish(job, ExportState.FAILED, failure_message(job, CRASHED, self.clock.now(), times=job.attempts - 1), "given up")
            return True
        log.info("%s: making it", what)
        async with kept_claim(lambda: self.renew(job, what), self.lease, what):
            try:
                text, attachment = await self.made(job)
            except asyncio.CancelledError:
                await self.release(job, what)
                raise
            except ExportFailed as error:
                log.error("%s failed: %s", what, error)
                await self.finish(job, ExportState.FAILED, failure_message(job, error.reason, self.clock.now(), **error.fields), str(error))
                return True
        await self.finish(job, ExportState.DONE, file_message(job, text, attachment, self.clock.now()))
        log.info("%s: done, %s", what, attachment.name if attachment else "no file")
        return True

    async def made(self, job: ExportJob) -> tuple[str, Attachment | None]:
        """The child's result; ExportFailed when it failed, or took longer than the timeout."""
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.export_child", env=child_environment(self.settings, self.clock.now()),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert child.stdin is not None and child.stdout is not None and child.stderr is not None
        try:
            child.stdin.write(encode_job(job).encode() + b"\n")
            await child.stdin.drain()  # and it stays open: its closing tells the child this worker is gone
            out, err = await self.outputs(child)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
            child.stdin.close()
        if child.returncode != 0:
            raise ExportFailed(f"the export process ended with status {child.returncode}:\n{err.decode(errors='replace')[-STDERR_SHOWN:]}")
        try:
            return decode_result(out.decode().strip().splitlines()[-1])
        except (IndexError, ValueError, KeyError) as error:
            raise ExportFailed(f"the export process said no result ({error!r}): {out[-STDERR_SHOWN:]!r}") from error

    async def outputs(self, child: asyncio.subprocess.Process) -> tuple[bytes, bytes]:
        """What the child wrote, once it has ended; ExportFailed past the timeout (the caller kills it)."""
        assert child.stdout is not None and child.stderr is not None
        try:
            out, err, _status = await asyncio.wait_for(
                asyncio.gather(child.stdout.read(), child.stderr.read(), child.wait()), self.timeout.total_seconds()
            )
        except TimeoutError:
            minutes = max(1, round(self.timeout.total_seconds() / 60))
            raise ExportFailed(f"took longer than {self.timeout}", TOO_LONG, minutes=minutes) from None
        return out, err

    async def renew(self, job: ExportJob, what: str) -> bool:
        """The claim renewed while the child works; False once another worker took it over."""
        async with self.unit_of_work() as uow:
            held = await uow.exports.renew(job, self.clock.now())
        if not held:
            log.warning("%s: another worker took it over; this one's file will not be sent", what)
        return held

    async def release(self, job: ExportJob, what: str) -> None:
        """The worker is stopping (SIGTERM): the request goes back to the queue for the next
        worker to take at once, rather than after the lease, and this try does not count."""
        try:
            async with self.unit_of_work() as uow:
                await uow.exports.release(job)
            log.info("%s: stopped, and put back in the queue", what)
        except Exception:
            log.exception("%s: stopped, and could not be put back in the queue; it is taken over once its claim lapses", what)

    async def finish(self, job: ExportJob, state: ExportState, message: OutboxMessage, error: str | None = None) -> None:
        """The request marked and its asker's message queued, in one transaction, if the claim
        still holds it (another worker took a lapsed one over: theirs to send)."""
        async with self.unit_of_work() as uow:
            if not await uow.exports.finish(job, state, self.clock.now(), error):
                log.warning("export %s was taken over by another worker; it sends the file", job.id)
                return
            await uow.outbox.enqueue([message], self.clock.now())
        self.on_queued()


def child_environment(settings: Settings, now: datetime) -> Mapping[str, str]:
    """This process's environment with the settings as this worker has them (a console's or a
    test's own included), for the child to read the same; a rehearsal's clock (BAOCAO_NOW) where
    this worker's has got to, so the download links it signs last their hour by this worker's."""
    values = settings.model_dump(mode="json", by_alias=True, exclude_none=True)
    if settings.now is not None:
        values["BAOCAO_NOW"] = now.isoformat()
    return {**os.environ, **{name: value if isinstance(value, str) else json.dumps(value) for name, value in values.items()}}

