"""`baocao console`: the terminal linked to a person of a unit, chatting with the real service,
with this chat's outbox printed as it is sent (the files it asks for among it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from app.export_runner import ExportRunner
from app.runtime import Runtime, runtime
from app.settings import Settings
from bot.base import commands
from bot.base.events import Surface
from bot.base.i18n import translations
from bot.base.records import Role
from bot.supervision.status import STATUS
from handlers.console import CHANNEL, ConsoleChannel
from handlers.outbox_sender import OutboxSender

__all__ = ["CONSOLE_INVITE_DAYS", "CONSOLE_LOG", "TEXT_ONLY", "console_session", "logging_to_file"]

CONSOLE_INVITE_DAYS = 1
CONSOLE_LOG = "console.log"
"""In BAOCAO_FILES_DIR: where a console session's log lines go."""


TEXT_ONLY = Surface(buttons=False, documents=False)
"""What an officer on the Zalo bot has: no buttons, no documents."""


async def console_session(
    settings: Settings, unit_code: str | None, role: Role = Role.REPORTER, text_only: bool = False
) -> int:
    """Links the terminal to a person of that unit and role (one chat per unit and role), then
    chats until /thoat or the end of input; `text_only` shows what a Zalo officer sees."""
    with logging_to_file(settings.files_dir / CONSOLE_LOG):
        return await chat(settings, unit_code, role, text_only)


async def chat(settings: Settings, unit_code: str | None, role: Role, text_only: bool) -> int:
    _ = translations(settings.locale).gettext
    async with runtime(settings) as rt:
        chat_id = f"console-{unit_code or 'guest'}" + ("" if role is Role.REPORTER else f"-{role.value}")
        labels = {channel.name: channel.label for channel in rt.channels}
        surface = TEXT_ONLY if text_only else Surface()
        console = ConsoleChannel(rt.service, chat_id, settings.files_dir, labels, surface=surface)
        try:
            code = await link_code(rt, chat_id, unit_code, role) if unit_code else None
        except LookupError:
            print(_("Unknown unit {code}. See `baocao units list`.").format(code=unit_code), file=sys.stderr)
            return 1
        if text_only:
            print(_("baocao console, as on Zalo: choices are numbered and answered by typing. "
                    "Type trogiup for help and /thoat to quit; attach a file with /tep PATH."))
        else:
            print(_("baocao console. Type /trogiup for help and /thoat to quit; "
                    "type the letters beside a button, such as a, to press it; attach a file with /tep PATH."))
        print()
        if code:
            await console.send_line(f"/{commands.START.name} {code}")
        first = f"/{(commands.REPORT if role is Role.REPORTER else STATUS).name}" if unit_code else "/start"
        sender = OutboxSender(console, rt.unit_of_work, rt.service.clock, settings.outbox_lease, chat_id=chat_id)
        background = [
            asyncio.create_task(sender.run(), name="console-outbox"),
            asyncio.create_task(ExportRunner(rt.unit_of_work, rt.service.clock, settings, sender.wake.set).run(), name="console-exports"),
        ]
        try:
            await console.run(first)
        finally:
            for task in background:
                task.cancel()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    return 0


@contextlib.contextmanager
def logging_to_file(path: Path) -> Iterator[None]:
    """Log lines go to `path` meanwhile, not to the terminal, where they would read as the bot's
    replies (“WARNING bot.linking.chat_linking: …” amid the chat): the handlers writing to the terminal are
    set aside and put back after."""
    root = logging.getLogger()
    terminal = [h for h in root.handlers if isinstance(h, logging.StreamHandler) and h.stream in (sys.stderr, sys.stdout)]
    path.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(terminal[0].formatter if terminal else None)
    for handler in terminal:
        root.removeHandler(handler)
    root.addHandler(to_file)
    try:
        yield
    finally:
        root.removeHandler(to_file)
        to_file.close()
        for handler in terminal:
            root.addHandler(handler)


async def link_code(rt: Runtime, chat_id: str, unit_code: str, role: Role) -> str | None:
    """A one-day invite code that links this chat to a person of the unit in that role; None when
    the chat is linked already. LookupError for a unit that does not exist."""
    now = rt.service.clock.now()
    async with rt.unit_of_work() as uow:
        chat = await uow.chats.get(CHANNEL, chat_id)
        if chat is not None and chat.person_id is not None:
            return None
        invite = await uow.invites.create(unit_code, role, now + timedelta(days=CONSOLE_INVITE_DAYS), now)
    return invite.code
