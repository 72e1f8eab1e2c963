"""The load of the answer path benchmark (bench/answers.py): officers answering their report the
way the end-to-end tests answer it, on fake Telegram users, timed from the update they send to
the moment the message carrying their next question appears in their chat; and, for webhook
workers, the fake's webhook delivering as Telegram does and the round-robin proxy that puts two
workers behind one address.

Each officer walks the form of their unit from a starting question of their own (so that most
answers are criteria, the bulk of a real report): commands open the report there (/baocao, then
/sua N), then every step is one answer. A choice is pressed, a date, a number or a text is typed (texts are 60
characters), a criterion is its status pressed (and, for "not yet due", the eligibility), then
its narrative typed. The echo bot gets the same steps, pressing its first button where baocao's
officer presses one; any message it shows is its reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

from bot.base.forms import Form, QuestionKind
from bot.base.i18n import translations
from bot.catalog.loading import load_catalog
from handlers.intake import SORRY
from harness.fakes import FakeUser
from harness.fakes.webhook import SECRET_HEADER, WebhookPusher

CATALOG = load_catalog()
STARTS = (1, 10, 13, 16, 19, 22)
"""Where officer n starts (question number, by n modulo 6): one in six answers the general part
first, the others start among the criteria."""
STATUS_CYCLE = ("Đạt", "Chưa đạt", "Chưa đến thời điểm xét", "Chưa đến thời điểm xét")
"""The status criterion n gets (as in tests/channels/test_telegram_e2e.py): 2.5 answers a criterion."""
NARRATIVE = "Đã triển khai tuần tra, kiểm soát; kết quả đạt yêu cầu đề ra."
TEXT = "Tình hình an ninh, trật tự trên địa bàn ổn định, không phức tạp"
WANTS_NARRATIVE = "Nêu rõ việc đã triển khai"
ASKS_ELIGIBILITY = "đủ điều kiện"

Kind = Literal["command", "press", "text"]


def sixty(text: str) -> str:
    """`text` cut or padded to 60 characters: the benchmark's typed answer."""
    return text[:60].ljust(60, ".")


@dataclass(frozen=True)
class Step:
    """One thing an officer does, and a fragment of the reply that shows the next question
    (None: the next message the bot shows, whatever it says)."""

    kind: Kind
    value: str
    expect: str | None


def walk(form_id: str, start: int, length: int) -> list[Step]:
    """`length` steps (fewer if the form ends first): the commands that open the report at
    question `start` (/baocao, then /sua N), then the answers from there, stopping before the
    form's last question (the optional attachment), so no officer finishes their report."""
    form: Form = CATALOG.form(form_id)
    total = len(form)
    steps = [Step("command", "baocao", f"Câu 1/{total}")]
    if start > 1:  # /sua N opens question N only once the report is open
        steps.append(Step("command", f"sua {start}", f"Câu {start}/{total}"))
    for position in range(start, total):
        question = form.questions[position - 1]
        after = f"Câu {position + 1}/{total}"
        if question.kind is QuestionKind.CHOICE:
            steps.append(Step("press", question.options[0].label.vi, after))
        elif question.kind is QuestionKind.DATE:
            steps.append(Step("text", "20/11/2023", after))
        elif question.kind is QuestionKind.NUMBER:
            steps.append(Step("text", "12", after))
        elif question.kind is QuestionKind.TEXT:
            steps.append(Step("text", sixty(f"{question.id}. {TEXT}"), after))
        elif question.kind is QuestionKind.CRITERION:
            n = question.criterion_number or 0
            status = STATUS_CYCLE[(n - 1) % 4]
            if status == "Chưa đến thời điểm xét":
                steps.append(Step("press", status, ASKS_ELIGIBILITY))
                steps.append(Step("press", "Có" if n % 4 == 3 else "Không", WANTS_NARRATIVE))
            else:
                steps.append(Step("press", status, WANTS_NARRATIVE))
            steps.append(Step("text", sixty(f"Tiêu chí {n}: {NARRATIVE}"), after))
        else:
            break
    return steps[:length]


def echo_steps(steps: Sequence[Step]) -> list[Step]:
    """The same steps for the echo bot: a press is of its first button; any message is the reply."""
    return [Step(step.kind, "1" if step.kind == "press" else step.value, None) for step in steps]


APOLOGY = translations("vi").gettext(SORRY)
"""What baocao says when a turn failed (nothing was saved) and the person should send it again."""
RESENDS = 3


class Chat:
    """A fake user whose chat notes the moment each message appears in it (new, or edited into a
    new question), so a step's latency does not include how long this process takes to notice."""

    def __init__(self, user: FakeUser) -> None:
        self.user = user
        self._waiting: tuple[str | None, asyncio.Future[tuple[float, bool]]] | None = None
        shown = user.appear

        def appear(message: dict[str, Any], new: bool = True) -> None:
            shown(message, new)
            if self._waiting is None:
                return
            expect, seen = self._waiting
            text = message.get("text") or ""
            if expect is None or expect in text or APOLOGY in text:
                self._waiting = None
                if not seen.done():
                    seen.set_result((time.monotonic(), APOLOGY not in text))

        user.appear = appear  # type: ignore[method-assign]

    async def act(self, step: Step, timeout: float, into: Measured) -> float:
        """Does the step, and again (up to RESENDS times) when the bot apologises that it could not
        save it, as the bot asks; returns the seconds from the first send until the reply it
        waits for appeared. Each apology is noted in `into` as a failure."""
        first = time.monotonic()
        for attempt in range(RESENDS + 1):
            seen: asyncio.Future[tuple[float, bool]] = asyncio.get_running_loop().create_future()
            self._waiting = (step.expect, seen)
            if step.kind == "command":
                name, _sep, args = step.value.partition(" ")
                self.user.send_command(name, args)
            elif step.kind == "press":
                self.user.press(step.value)
            else:
                self.user.send_text(step.value)
            try:
                at, answered = await asyncio.wait_for(seen, timeout)
            finally:
                self._waiting = None
            if answered:
                return at - first
            into.failures(self, step, f"apology {attempt + 1}")
        raise TimeoutError(f"still apologising after {RESENDS} resends")


@dataclass
class Measured:
    """What the measured phase of a load gave: latencies in seconds, and its wall-clock span."""

    started: float = 0.0
    ended: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    """Steps the bot apologised for (then resent) or never answered."""
    late: int = 0
    """Open load: answers the schedule wanted sent before the officer had seen the question."""
    errors: list[str] = field(default_factory=list)
    stuck: set[int] = field(default_factory=set)
    """Warm-up: the users whose steps were never answered, left out of the measured phase."""

    def failures(self, chat: Chat, step: Step, what: str) -> None:
        self.failed += 1
        if len(self.errors) < 3:
            self.errors.append(f"user {chat.user.id}, {step.kind} {step.value!r}: {what}\n{chat.user.transcript()[-1200:]}")


async def _steps(chat: Chat, steps: Sequence[Step], timeout: float, into: Measured) -> bool:
    """Does the steps in order, each latency noted in `into` when it is measured; False (the
    failure noted) at the first that is never answered."""
    for step in steps:
        try:
            into.latencies.append(await chat.act(step, timeout, into))
        except (TimeoutError, LookupError) as error:
            into.failures(chat, step, f"{type(error).__name__} {error}".strip())
            return False
    return True


async def warm_up(chats: Sequence[Chat], walks: Sequence[Sequence[Step]], timeout: float, at_once: int) -> Measured:
    """Everyone does their warm-up steps, `at_once` officers at a time."""
    gate = asyncio.Semaphore(at_once)
    warmed = Measured(started=time.monotonic())

    async def one(chat: Chat, steps: Sequence[Step]) -> bool:
        async with gate:
            return await _steps(chat, steps, timeout, warmed)

    done = await asyncio.gather(*(one(chat, steps) for chat, steps in zip(chats, walks, strict=True)))
    warmed.ended = time.monotonic()
    warmed.stuck = {chat.user.id for chat, ok in zip(chats, done, strict=True) if not ok}
    return warmed


async def closed_loop(chats: Sequence[Chat], walks: Sequence[Sequence[Step]], timeout: float) -> Measured:
    """Every officer at once, each answer sent as soon as the previous reply appeared."""
    measured = Measured(started=time.monotonic())
    await asyncio.gather(*(_steps(chat, steps, timeout, measured) for chat, steps in zip(chats, walks, strict=True)))
    measured.ended = time.monotonic()
    return measured


async def open_load(
    chats: Sequence[Chat],
    walks: Sequence[Sequence[Step]],
    every: float,
    duration: float,
    timeout: float,
    seed: int = 7,
    stop: asyncio.Event | None = None,
) -> Measured:
    """Each officer answers at the times of a Poisson process of mean interval `every` over
    `duration` seconds (or until `stop` is set, if sooner); an answer that falls due before its
    question has appeared is sent when it appears (counted as late)."""
    rng = random.Random(seed)
    measured = Measured(started=time.monotonic())
    end = measured.started + duration

    async def officer(chat: Chat, steps: Sequence[Step], intervals: list[float]) -> None:
        due = measured.started
        for step, interval in zip(steps, intervals, strict=False):
            due += interval
            if due >= end:
                return
            if stop is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), max(0.0, due - time.monotonic()))
                if stop.is_set():
                    return
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                measured.late += 1
            if not await _steps(chat, [step], timeout, measured):
                return

    plans = [[rng.expovariate(1 / every) for _ in steps] for steps in walks]
    await asyncio.gather(*(officer(c, s, p) for c, s, p in zip(chats, walks, plans, strict=True)))
    measured.ended = time.monotonic()
    return measured


TELEGRAM_CONNECTIONS = 40
"""Webhook requests Telegram keeps in flight to one bot (setWebhook's max_connections default)."""


def deliver_concurrently(pusher: WebhookPusher, connections: int = TELEGRAM_CONNECTIONS) -> None:
    """Makes the fake Bot API's webhook deliver as Telegram does, up to `connections` POSTs at a
    time (each chat's updates one after the other, in order), instead of one update at a time:
    one at a time, the POST's round trip through a busy worker caps the load, and a second
    worker could not take any of it. Replaces the pusher's delivery loop (set by setWebhook);
    each POST is still its `_deliver`, retried until a 2xx."""

    async def push() -> None:
        headers = {SECRET_HEADER: pusher.secret} if pusher.secret else {}
        lanes: list[asyncio.Queue[dict[str, Any]]] = [asyncio.Queue() for _ in range(connections)]
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=connections)) as session:

            async def lane(queue: asyncio.Queue[dict[str, Any]]) -> None:
                while True:
                    await pusher._deliver(session, await queue.get(), headers)

            tasks = [asyncio.create_task(lane(queue)) for queue in lanes]
            offset: int | None = None
            try:
                while True:
                    for update in await pusher._updates.get(offset=offset, limit=100, timeout=1, allowed_updates=None):
                        lanes[_chat_of(update) % connections].put_nowait(update)
                        offset = update["update_id"] + 1
            finally:
                for task in tasks:
                    task.cancel()

    pusher._push = push  # type: ignore[method-assign]


def _chat_of(update: dict[str, Any]) -> int:
    """The chat of a message or button press (the only updates the fake users send)."""
    if "callback_query" in update:
        return int(update["callback_query"]["from"]["id"])
    return int(update["message"]["chat"]["id"])
