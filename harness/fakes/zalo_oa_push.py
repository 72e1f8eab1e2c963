"""Webhook delivery as Zalo does it for an Official Account: each event is POSTed as JSON to the
app's webhook URL, one at a time and in order, signed with `X-ZEvent-Signature: mac=<hex>`, the
SHA-256 of app id + the exact bytes posted + the event's `timestamp` + the OA's secret key.
With `timestamp_header` set the timestamp also travels in `X-ZEvent-Timestamp`, as other
verifiers expect it; `redeliver` posts an event already sent once more, as Zalo does after an
outage (its timestamp the first delivery's).

Zalo retries a refused push for about an hour (30 s, then 5, 15, 30 minutes...); the fake tries
three times 0.1 s apart and then drops the event, so a test of a failing receiver stays fast and
one bad event cannot hold up every later one. With several URLs (workers behind a balancer) the
events go round-robin, one URL per event, its retries to the same URL. With no URL set an event
is dropped, as Zalo drops it, and the drop is recorded as an attempt with an empty URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import aiohttp

SIGNATURE_HEADER = "X-ZEvent-Signature"
TIMESTAMP_HEADER = "X-ZEvent-Timestamp"
PUSH_ATTEMPTS = 3
RETRY_DELAY = 0.1
PUSH_TIMEOUT = 5.0
"""Seconds a receiver has to answer: Zalo asks for 2; more here, so a slow test machine does not
lose events."""
NO_ANSWER = 0


class PushAttempt(NamedTuple):
    event_id: str
    """The message's msg_id, or for an event without one (follow, submit_info) its name."""
    url: str
    status: int
    """The receiver's HTTP status, or NO_ANSWER when it could not be reached."""
    seconds: float


@dataclass(frozen=True)
class QueuedEvent:
    event_id: str
    body: bytes
    timestamp: str


class OaWebhookPusher:
    def __init__(self, app_id: str, secret_key: str) -> None:
        self.app_id = app_id
        self.secret_key = secret_key
        self.urls: list[str] = []
        self.timestamp_header = False
        self.queued: dict[str, QueuedEvent] = {}
        self.attempts: list[PushAttempt] = []
        self._queue: asyncio.Queue[QueuedEvent] = asyncio.Queue()
        self._turn = 0
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def sign(self, body: bytes, timestamp: str) -> str:
        return hashlib.sha256(self.app_id.encode() + body + timestamp.encode() + self.secret_key.encode()).hexdigest()

    def queue(self, event_id: str, payload: dict[str, Any]) -> None:
        """Serialised once here: the bytes signed are the bytes posted."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.queued[event_id] = QueuedEvent(event_id, body, payload["timestamp"])
        self._queue.put_nowait(self.queued[event_id])

    def redeliver(self, event_id: str) -> None:
        """The event queued under `event_id` is pushed again, byte for byte."""
        self._queue.put_nowait(self.queued[event_id])

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PUSH_TIMEOUT))
        self._task = asyncio.create_task(self._push_events())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def idle(self) -> None:
        await self._queue.join()

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """One POST; the receiver's status or NO_ANSWER."""
        assert self._session is not None, "the fake is not started"
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with self._session.post(url, data=body, headers=headers) as answer:
                return answer.status
        return NO_ANSWER

    async def _push_events(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self._push(event)
            finally:
                self._queue.task_done()

    async def _push(self, event: QueuedEvent) -> None:
        if not self.urls:
            self.attempts.append(PushAttempt(event.event_id, "", NO_ANSWER, 0.0))
            return
        url = self.urls[self._turn % len(self.urls)]
        self._turn += 1
        headers = {SIGNATURE_HEADER: f"mac={self.sign(event.body, event.timestamp)}", "Content-Type": "application/json"}
        if self.timestamp_header:
            headers[TIMESTAMP_HEADER] = event.timestamp
        for attempt in range(PUSH_ATTEMPTS):
            if attempt:
                await asyncio.sleep(RETRY_DELAY)
            started = time.monotonic()
            status = await self.post(url, event.body, headers)
            self.attempts.append(PushAttempt(event.event_id, url, status, time.monotonic() - started))
            if 200 <= status < 300:
                return
