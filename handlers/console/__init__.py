"""The terminal channel: the same service and engine as the messengers, with no token and no
network.

Buttons are shown as keys ([a] Đạt  [b] Chưa đạt; after [z] come [aa], [ab]…, so any number
fits); typing the key presses the button.
Anything else is sent as text or a command, exactly as a message would be. A local file is
attached with /tep PATH. What the outbox holds for this chat is printed as it is sent, and what
a turn queued for other people is shown as "→" lines, so a demo shows the whole loop. With a
surface without buttons (`baocao console --zalo`) it shows exactly what a Zalo officer sees:
numbered choices, commands typed as words.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import shutil
import string
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

with contextlib.suppress(ImportError):  # not on Windows
    import readline  # noqa: F401  input() then reads a line of any length, not the terminal's 4096 bytes


from bot.base.answers import StoredFile
from bot.base.effects import TurnResult
from bot.base.events import Reply, Surface
from bot.base.i18n import N_, translations
from bot.base.inputs import ButtonInput, FileInput, Input, parse_typed
from bot.base.outbox import OutboxMessage
from bot.base.plain_text import as_plain_text
from bot.service import Envelope, ReportingService
from handlers.channel import DELIVERED, Sender, SendResult
from handlers.pacer import SendPacer

__all__ = ["ATTACH_COMMAND", "CHANNEL", "QUIT_WORDS", "ConsoleChannel", "ReadLine", "button_key", "read_stdin"]

CHANNEL = "console"
LETTERS = string.ascii_lowercase
ATTACH_COMMAND = "/tep"
QUIT_WORDS = frozenset({"/thoat", "/quit", "/exit"})

ReadLine = Callable[[str], Awaitable[str | None]]


def button_key(index: int) -> str:
    """The key that presses the button at `index`: a…z, then aa, ab… as spreadsheet columns."""
    key = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, len(LETTERS))
        key = LETTERS[rest] + key
    return key


def unquoted(path: str) -> str:
    """A path as typed, or as a terminal pastes a dropped file: between quotes."""
    if len(path) >= 2 and path[0] == path[-1] and path[0] in "'\"":
        return path[1:-1]
    return path


async def read_stdin(prompt: str) -> str | None:
    """One line from the terminal without blocking the event loop; None at end of input."""
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


class ConsoleChannel:
    name = CHANNEL
    label = "console"
    phone_senders: tuple[Sender, ...] = ()

    def __init__(
        self,
        service: ReportingService,
        chat_id: str,
        files_dir: Path,
        labels: Mapping[str, str] | None = None,
        read_line: ReadLine = read_stdin,
        out: TextIO = sys.stdout,
        display_name: str = "",
        surface: Surface = Surface(),
    ) -> None:
        self.service = service
        self.chat_id = chat_id
        self.files_dir = files_dir
        self.labels = labels or {}  # channel name → how people call it, for "→" lines
        self.read_line = read_line
        self.out = out
        self.display_name = display_name  # who the person is, when the console links a new one
        self.surface = surface
        self.pacer = SendPacer(per_second=1000, per_chat_interval=0)
        self.buttons: dict[str, ButtonInput] = {}
        self._counter = 0

    async def send_line(self, text: str) -> None:
        """Sends one line as the console user would type it, and prints the replies."""
        received = self.to_input(text.strip())
        if received is None:
            return
        envelope = Envelope(
            channel=CHANNEL, chat_id=self.chat_id, input=received, display_name=self.display_name, surface=self.surface
        )
        response = await self.service.handle(envelope)
        self.show(response)

    async def send(self, message: OutboxMessage) -> SendResult:
        """An outbox message for this chat (a notice, a reminder): printed like a reply."""
        self.print_replies([message.reply], message.locale)
        return DELIVERED

    async def run(self, first: str | None = None) -> None:
        if first:
            await self.send_line(first)
        while True:
            line = await self.read_line("> ")
            if line is None or line.strip().lower() in QUIT_WORDS:
                return
            if line.strip():
                await self.send_line(line)

    def to_input(self, line: str) -> Input | None:
        """What the line stands for; None (having said why) for a file that cannot be attached."""
        if line.lower() in self.buttons:
            return self.buttons[line.lower()]
        if line.startswith(ATTACH_COMMAND + " ") or line == ATTACH_COMMAND:
            return self.attach(unquoted(line[len(ATTACH_COMMAND) :].strip()))
        return parse_typed(line, bare_words=not self.surface.buttons)

    def attach(self, written: str) -> Input | None:
        """Copies a local file into the files folder, as a messenger's download would; a path
        that is not a file, or one that cannot be copied, is said so and never sent as an answer."""
        if not written:
            self.refuse(N_("Write /tep followed by the path of a file, for example /tep bien-ban.pdf."))
            return None
        source = Path(written).expanduser()
        if not source.is_file():
            self.refuse(N_("There is no file {path}; nothing was sent. Write /tep followed by the path of a file."), path=written)
            return None
        self._counter += 1
        unique = f"console-{source.stat().st_ino}-{self._counter}"
        target = self.files_dir / CHANNEL / f"{unique}{source.suffix}"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError:  # unreadable, or the files folder cannot be written
            self.refuse(N_("The file {path} could not be attached; nothing was sent."), path=written)
            return None
        mime, _encoding = mimetypes.guess_type(source.name)
        kind = "photo" if (mime or "").startswith("image/") else "document"
        return FileInput(
            StoredFile(
                kind=kind,
                ref=unique,
                size=target.stat().st_size,
                name=source.name,
                mime_type=mime,
                path=str(target),
                channel=CHANNEL,
            )
        )

    def refuse(self, message: str, **fields: object) -> None:
        """Says why nothing was sent (`message` an N_ msgid), in the bot's language."""
        print(translations(self.service.default_locale).gettext(message).format(**fields), file=self.out)
        print(file=self.out)
        self.out.flush()

    def show(self, response: TurnResult) -> None:
        self.print_replies(response.replies, response.locale)
        others = [m for m in response.outbox if (m.channel, m.chat_id) != (CHANNEL, self.chat_id)]
        if others:
            _ = translations(self.service.default_locale).gettext
            for message in others:
                first_line = message.reply.text.splitlines()[0] if message.reply.text else ""
                channel = self.labels.get(message.channel, message.channel)
                print(_("→ to {name} ({channel}): {text}").format(name=message.person_name, channel=channel, text=first_line), file=self.out)
            print(file=self.out)
            self.out.flush()

    def print_replies(self, replies: Sequence[Reply], locale: str) -> None:
        for reply in replies:
            print(reply.text if self.surface.buttons else as_plain_text(reply, locale), file=self.out)
            if reply.attachment is not None:
                print(f"📎 {reply.attachment.name}: {reply.attachment.path}", file=self.out)
            if reply.buttons and self.surface.buttons:
                flat = [button for row in reply.buttons for button in row]
                self.buttons = {button_key(i): ButtonInput(reply.step or 0, button.value) for i, button in enumerate(flat)}
                print("  ".join(f"[{button_key(i)}] {b.label}" for i, b in enumerate(flat)), file=self.out)
            print(file=self.out)
        self.out.flush()
