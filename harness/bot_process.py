"""The real `baocao` program in a subprocess, pointed at a fake Bot API on 127.0.0.1.

End-to-end tests drive a fake Telegram user; the bot under test is the same command a
deployment runs, so a SIGKILL in a test is a real crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.base.conversation import ConversationState
from harness.fakes import FakeBotApi, FakeUser
from harness.fakes.zalo_bot_api import FakeZaloBotApi
from harness.sqlite_templates import copy_of_template, sqlite_url
from harness.waiting import EVENT_CEILING, eventually
from storage.database import create_engine
from storage.models import Chat, GrantRow, Person, Unit
from storage.unit_of_work import UnitOfWorkFactory

ROOT = Path(__file__).resolve().parent.parent
DEMO_NOW = "2023-11-20T09:00:00+07:00"
SQLITE_URL = "sqlite+aiosqlite:///"


def free_port() -> int:
    """A port nothing listens on now, for a webhook server the test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class BotProcess:
    api: FakeBotApi
    workdir: Path
    database_url: str
    now: str = DEMO_NOW
    extra_env: dict[str, str] = field(default_factory=dict)
    run_args: tuple[str, ...] = ("run",)
    process: asyncio.subprocess.Process | None = None
    starts: int = 0
    zalo: FakeZaloBotApi | None = None
    """The fake Zalo Bot API, when the bot runs the Zalo channel too."""
    clock_set: tuple[str, float] | None = field(default=None, repr=False)
    """`now` as the last start gave it, and time.monotonic() then."""

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOCAO_", "TELEGRAM_", "ZALO_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=self.api.token,
            TELEGRAM_API_BASE_URL=self.api.base_url,
            TELEGRAM_FILE_BASE_URL=self.api.base_file_url,
            TELEGRAM_BOT_USERNAME="fake_test_bot",
            BAOCAO_DATABASE_URL=self.database_url,
            BAOCAO_FILES_DIR=str(self.workdir / "files"),
            BAOCAO_NOW=self.now,
            PYTHONPATH=str(ROOT),
        )
        if self.zalo is not None:
            env.update(ZALO_BOT_TOKEN=self.zalo.token, ZALO_BOT_API_BASE_URL=self.zalo.base_url, ZALO_BOT_POLL_TIMEOUT="2")
        env.update(self.extra_env)
        return env

    async def cli(self, *args: str) -> str:
        """Runs a one-shot `baocao` command with the bot's settings; returns its output."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", *args, env=self.env, cwd=self.workdir,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        assert process.returncode == 0, f"baocao {' '.join(args)} failed:\n{err.decode()}"
        return out.decode()

    async def invite(self, unit: str, role: str = "reporter") -> dict[str, Any]:
        result: dict[str, Any] = json.loads(await self.cli("invite", "--unit", unit, "--role", role, "--json"))
        return result

    async def prepare_demo(self) -> None:
        """The demo province in the bot's database: made by the real commands once per test
        process (into a SQLite template), then copied, since it is the same every time."""
        if not self.database_url.startswith(SQLITE_URL):
            await self.cli("db", "upgrade")
            await self.cli("seed", "demo")
            return

        async def seed_demo(template: Path) -> None:
            maker = BotProcess(self.api, template.parent, sqlite_url(template))
            await maker.cli("db", "upgrade")
            await maker.cli("seed", "demo")

        await copy_of_template("demo", seed_demo, Path(self.database_url.removeprefix(SQLITE_URL)))

    async def start(self) -> None:
        """Starts `baocao run`. Its clock starts at `now`; on a restart, unless the test has set
        `now` anew, where the last clock had got to, as a real clock runs on through a restart
        (a lease the dead bot took runs out as soon after as it would have, however slow the
        machine)."""
        if self.clock_set is not None and self.clock_set[0] == self.now:
            self.now = self.clock_reads().isoformat()
        self.clock_set = (self.now, time.monotonic())
        self.starts += 1
        log = (self.workdir / f"bot-{self.starts}.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", *self.run_args, env=self.env, cwd=self.workdir, stdout=log, stderr=log,
        )
        log.close()

    async def kill(self) -> None:
        """SIGKILL: no clean-up runs, exactly like a crash or a pulled plug."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()
        self.process = None

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=EVENT_CEILING)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        self.process = None

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.workdir.glob("bot-*.log"))
        )

    def clock_reads(self) -> datetime:
        """The latest the bot's clock can read now: it started at `now` no sooner than the process."""
        assert self.clock_set is not None, "the bot was never started"
        return datetime.fromisoformat(self.now) + timedelta(seconds=time.monotonic() - self.clock_set[1])

    def log_tail(self) -> str:
        """The end of the bot's log, for a failure message."""
        return f"--- bot log ---\n{self.logs()[-4000:]}"

    async def until(self, condition: Callable[[], bool | Awaitable[bool]], what: str) -> None:
        """Waits for `condition`, as long as the bot needs (up to the tests' one ceiling); the
        bot's log if it never holds."""
        await eventually(condition, what, self.log_tail)


@contextlib.asynccontextmanager
async def demo_bot(
    api: FakeBotApi, workdir: Path, zalo: FakeZaloBotApi | None = None, **env: str
) -> AsyncIterator[BotProcess]:
    """`baocao run` over a fresh SQLite database holding the demo province (with `env` added to
    its environment, and the Zalo channel when `zalo` is given), stopped when the block ends."""
    process = BotProcess(api, workdir, sqlite_url(workdir / "baocao.db"), extra_env=env, zalo=zalo)
    await process.prepare_demo()
    await process.start()
    try:
        yield process
    finally:
        await process.stop()


class Officer:
    """A fake Telegram user with small helpers: act, then wait for the bot's answer."""

    def __init__(self, user: FakeUser, bot: BotProcess) -> None:
        self.user = user
        self.bot = bot

    async def expect(self, fragment: str) -> dict[str, Any]:
        try:
            return await self.user.wait_for_message(lambda m: fragment in (m.get("text") or ""))
        except TimeoutError as error:
            raise AssertionError(f"bot never said {fragment!r}\n{self.bot.log_tail()}") from error

    async def say(self, text: str, fragment: str) -> dict[str, Any]:
        self.user.send_text(text)
        return await self.expect(fragment)

    async def command(self, command: str, fragment: str, args: str = "") -> dict[str, Any]:
        self.user.send_command(command, args)
        return await self.expect(fragment)

    async def press(self, button: str, fragment: str) -> dict[str, Any]:
        self.user.press(button)
        return await self.expect(fragment)


@dataclass(frozen=True)
class DirectLink:
    """A person linked straight in the database, as if they had redeemed an invite for each of
    `units` from the private chat of fake user `user_id` (chat id = user id) on `channel`."""

    user_id: int | str
    name: str
    units: tuple[str, ...]
    role: str = "reporter"
    channel: str = "telegram"


async def link_directly(database_url: str, people: Iterable[DirectLink], at: datetime) -> dict[int | str, int]:
    """Adds a person, a grant per unit and a chat for each of `people` in one
    transaction: hundreds of recipients without hundreds of /start round trips. Returns the
    person id of each user id."""
    links = list(people)
    database = create_engine(database_url)
    try:
        async with UnitOfWorkFactory(database)() as uow:
            session = uow.session
            unit_ids = dict((await session.execute(select(Unit.code, Unit.id))).all())
            persons = {link.user_id: Person(full_name=link.name, locale="vi", created_at=at) for link in links}
            session.add_all(persons.values())
            await session.flush()
            state = ConversationState(locale="vi").to_dict()
            for link in links:
                person_id = persons[link.user_id].id
                session.add_all(
                    GrantRow(person_id=person_id, unit_id=unit_ids[code], role=link.role, created_at=at)
                    for code in link.units
                )
                session.add(
                    Chat(
                        channel=link.channel, chat_id=str(link.user_id), user_id=str(link.user_id),
                        person_id=person_id, state=state, created_at=at, updated_at=at,
                    )
                )
            return {user_id: person.id for user_id, person in persons.items()}
    finally:
        await database.dispose()
