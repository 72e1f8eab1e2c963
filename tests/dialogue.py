"""Whole conversations with the pure engine, written as transcripts (after zulip's verify_dialog).

A line of a transcript is what the officer sends and a fragment the bot's answer must contain.
`[Label]` presses the button with that label on the newest message that has buttons,
`[#3:Label]` presses it on the message with step 3 (an old message), `<photo>` sends a photo,
`<photo 30MB>` a photo too large to keep, `<photo: words>` a photo with words as its caption,
`<sticker>` a sticker. Storage is simulated by a dict
of answer versions, so a test sees history the way the database keeps it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from bot.base.answers import AnswerValue, StoredFile
from bot.base.conversation import ConversationState
from bot.base.effects import MoveReport, SaveAnswers
from bot.base.events import Reply
from bot.base.forms import Form
from bot.base.inputs import (
    ButtonInput,
    FileInput,
    Input,
    TextInput,
    UnsupportedInput,
    parse_typed,
)
from bot.base.menu import menu_of, resolve
from bot.base.report_status import ReportStatus
from bot.reporting.engine import Engine
from bot.reporting.report import ReportContext
from bot.reporting.turn import EngineSettings

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2023, 11, 20, 3, 0, tzinfo=timezone.utc)
_FILE = re.compile(r"^<(photo|document)(?: (\d+)MB)?(?:: (.+))?>$")


@dataclass
class Dialogue:
    form: Form
    locale: str = "en"
    deadline: datetime | None = datetime(2023, 11, 25, 23, 59, tzinfo=ZONE)
    state: ConversationState = field(init=False)
    versions: dict[str, list[AnswerValue]] = field(default_factory=dict)
    status: ReportStatus = ReportStatus.DRAFT
    replies: list[Reply] = field(default_factory=list)
    submitted: int = 0
    files_sent: int = 0
    reopened: dict[str, int] = field(default_factory=dict)
    comment: str | None = None
    opens: date | None = date(2023, 10, 1)

    def __post_init__(self) -> None:
        self.engine = Engine(EngineSettings(zone=ZONE, max_file_bytes=20 * 1024 * 1024))
        self.state = ConversationState(locale=self.locale)

    @property
    def answers(self) -> dict[str, AnswerValue]:
        return {qid: history[-1] for qid, history in self.versions.items()}

    def context(self) -> ReportContext:
        return ReportContext(
            report_id=1,
            form=self.form,
            answers=self.answers,
            status=self.status,
            unit_name="Công an phường Nghi Hải",
            campaign_title="Sơ kết 2023",
            deadline=self.deadline,
            opens=self.opens,
            receipt_no=f"BC-000001-{self.submitted}" if self.submitted else None,
            submitted_at=NOW if self.submitted else None,
            reopened=frozenset(self.reopened),
            needs_revision=frozenset(
                qid for qid, seen in self.reopened.items() if len(self.versions.get(qid, [])) <= seen
            ),
            submissions=self.submitted,
            return_comment=self.comment,
        )

    def return_for_revision(self, question_ids: set[str], comment: str | None = None) -> None:
        """What a supervisor's return does: reopen these questions until they are answered anew."""
        self.status = ReportStatus.RETURNED
        self.comment = comment
        self.reopened = {qid: len(self.versions.get(qid, [])) for qid in question_ids}

    def send(self, line: str) -> str:
        """Sends one line and returns everything the bot answered, joined. A typed line that names
        a button of the newest menu presses it, as the service does on every channel."""
        received = self.to_input(line)
        if isinstance(received, TextInput):
            received = resolve(self.state.menu, received.text) or received
        result = self.engine.open(self.context(), self.state, NOW) if line == "/baocao" else self.engine.handle(self.context(), self.state, received, NOW)
        for effect in result.effects:
            if isinstance(effect, SaveAnswers):
                for qid, value in effect.values.items():
                    self.versions.setdefault(qid, []).append(value)
            elif isinstance(effect, MoveReport):
                self.status = effect.transition.after
                self.submitted += effect.transition.receipt is not None
        state = replace(result.state, menu=menu_of(result.replies) or result.state.menu)
        # Saved and loaded as storage keeps it, between every turn.
        self.state = ConversationState.from_dict(json.loads(json.dumps(state.to_dict())))
        self.replies.extend(result.replies)
        return "\n".join(reply.text for reply in result.replies)

    def to_input(self, line: str) -> Input:
        if line.startswith("[") and line.endswith("]"):
            return self.press(line[1:-1])
        match = _FILE.match(line)
        if match:
            self.files_sent += 1
            size = int(match.group(2) or 1) * 1024 * 1024
            return FileInput(
                StoredFile(
                    kind=match.group(1),
                    ref=f"file-{self.files_sent}",
                    size=size,
                    path=None if size > 20 * 1024 * 1024 else f"/tmp/u{self.files_sent}.jpg",
                ),
                caption=match.group(3) or "",
            )
        if line == "<sticker>":
            return UnsupportedInput("sticker")
        return parse_typed(line)

    def press(self, spec: str) -> ButtonInput:
        step: int | None = None
        if spec.startswith("#"):
            step_text, _sep, spec = spec[1:].partition(":")
            step = int(step_text)
        return find_button(self.replies, spec, step)

    def keyboard(self) -> list[str]:
        return keyboard_of(self.replies)

    def run(self, transcript: list[tuple[str, str]]) -> None:
        """Plays a transcript; each answer must contain its expected fragment."""
        for number, (line, expected) in enumerate(transcript, start=1):
            answer = self.send(line)
            assert expected in answer, (
                f"line {number}: after {line!r} expected {expected!r} in:\n{answer}"
            )


def find_button(replies: list[Reply], label: str, step: int | None = None) -> ButtonInput:
    """The press of the button with this label: on the newest keyboard, or on the reply of `step`."""
    for reply in reversed(replies):
        if not reply.buttons or (step is not None and reply.step != step):
            continue
        for row in reply.buttons:
            for button in row:
                if button.label == label:
                    return ButtonInput(reply.step or 0, button.value)
        if step is None:
            break
    raise AssertionError(f"no button {label!r} on the newest keyboard: {keyboard_of(replies)}")


def keyboard_of(replies: list[Reply]) -> list[str]:
    """The labels on the newest reply that has buttons."""
    for reply in reversed(replies):
        if reply.buttons:
            return [button.label for row in reply.buttons for button in row]
    return []
