"""The terminal channel: the same service and engine as Telegram, with no token and no network.

Buttons are shown as letters ([a] Đạt  [b] Chưa đạt); typing the letter presses the button.
Anything else is sent as text or a command, exactly as a Telegram message would be. A local
file is attached with /tep PATH.
"""

from __future__ import annotations

import asyncio
import mimetypes
import shutil
import string
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.answers import StoredFile
from bot.config import Settings
from bot.i18n import translations
from bot.ports import Role
from bot.events import Reply
from bot.inputs import ButtonInput, FileInput, Input, TextInput, parse_typed
from bot.service import Envelope, ReportingService

CHANNEL = "console"
LETTERS = string.ascii_lowercase
ATTACH_COMMAND = "/tep"
QUIT_WORDS = frozenset({"/thoat", "/quit", "/exit"})

ReadLine = Callable[[str], Awaitable[str | None]]


async def read_stdin(prompt: str) -> str | None:
    """One line from the terminal without blocking the event loop; None at end of input."""
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


class ConsoleChannel:
    def __init__(
        self,
        service: ReportingService,
        chat_id: str,
        files_dir: Path,
        read_line: ReadLine = read_stdin,
        out: TextIO = sys.stdout,
    ) -> None:
        self.service = service
        self.chat_id = chat_id
        self.files_dir = files_dir
        self.read_line = read_line
        self.out = out
        self.buttons: dict[str, ButtonInput] = {}
        self._counter = 0

    async def send(self, text: str) -> None:
        """Sends one line as the console user would type it, and prints the replies."""
        received = self.to_input(text.strip())
        response = await self.service.handle(Envelope(channel=CHANNEL, chat_id=self.chat_id, input=received))
        self.show(response.replies)

    async def run(self, first: str | None = None) -> None:
        if first:
            await self.send(first)
        while True:
            line = await self.read_line("> ")
            if line is None or line.strip().lower() in QUIT_WORDS:
                return
            if line.strip():
                await self.send(line)

    def to_input(self, line: str) -> Input:
        if line.lower() in self.buttons:
            return self.buttons[line.lower()]
        if line.startswith(ATTACH_COMMAND + " ") or line == ATTACH_COMMAND:
            return self.attach(Path(line[len(ATTACH_COMMAND) :].strip()).expanduser())
        return parse_typed(line)

    def attach(self, source: Path) -> Input:
        """Copies a local file into the files folder, as Telegram's download would."""
        if not source.is_file():
            return TextInput(str(source))
        self._counter += 1
        unique = f"console-{source.stat().st_ino}-{self._counter}"
        target = self.files_dir / CHANNEL / f"{unique}{source.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        mime, _encoding = mimetypes.guess_type(source.name)
        kind = "photo" if (mime or "").startswith("image/") else "document"
        return FileInput(
            StoredFile(
                kind=kind,
                file_id=str(target),
                file_unique_id=unique,
                size=target.stat().st_size,
                name=source.name,
                mime_type=mime,
                path=str(target),
            )
        )

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            print(reply.text, file=self.out)
            if reply.buttons:
                flat = [button for row in reply.buttons for button in row]
                self.buttons = {
                    LETTERS[i]: ButtonInput(reply.step or 0, button.value)
                    for i, button in enumerate(flat[: len(LETTERS)])
                }
                print("  ".join(f"[{LETTERS[i]}] {b.label}" for i, b in enumerate(flat)), file=self.out)
            print(file=self.out)
        self.out.flush()


async def console_session(settings: Settings, unit_code: str | None, role: Role = Role.REPORTER) -> int:
    """`baocao console [--as CODE] [--role ROLE]`: links the terminal to a person of that unit
    and role (one chat per unit and role), then chats."""
    from handlers.runtime import runtime

    _ = translations(settings.locale).gettext
    async with runtime(settings) as rt:
        chat_id = f"console-{unit_code or 'guest'}" + ("" if role is Role.REPORTER else f"-{role.value}")
        channel = ConsoleChannel(rt.service, chat_id, settings.files_dir)
        print(_("baocao console. Type /trogiup for help and /thoat to quit; type a letter such as a to press button [a]; attach a file with /tep PATH."))
        print()
        first = "/start"
        if unit_code:
            now = rt.service.clock.now()
            async with rt.unit_of_work() as uow:
                chat = await uow.chats.get(CHANNEL, chat_id)
                linked = chat is not None and chat.person_id is not None
                if not linked:
                    try:
                        invite = await uow.invites.create(unit_code, role, now + timedelta(days=1), now)
                    except LookupError:
                        print(_("Unknown unit {code}. See `baocao units list`.").format(code=unit_code), file=sys.stderr)
                        return 1
            if not linked:
                await channel.send(f"/start {invite.code}")
            first = "/baocao" if role is Role.REPORTER else "/tinhhinh"
        await channel.run(first)
    return 0
