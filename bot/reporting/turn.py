"""One input's work on a report, as the engine's parts share it: the report, the state as it
changes, the result being collected, and moving to a question. The engine (navigation) and
answering (bot/reporting/answering.py) build on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.base.conversation import ConversationState, Draft, Mode, Reporting, Stage
from bot.base.effects import TurnResult
from bot.base.events import Reply, Surface
from bot.base.forms import Question, QuestionKind
from bot.reporting.prompts import Prompts
from bot.reporting.report import ReportContext
from bot.reporting.screens import Buttons, Screens, first_stage

__all__ = ["EngineSettings", "ReportTurn"]


@dataclass(frozen=True)
class EngineSettings:
    zone: ZoneInfo
    max_file_bytes: int = 20 * 1024 * 1024


class ReportTurn:
    def __init__(
        self,
        settings: EngineSettings,
        ctx: ReportContext,
        state: ConversationState,
        now: datetime,
        surface: Surface,
        actor: int | None,
    ) -> None:
        self.settings = settings
        self.ctx = ctx
        self.now = now
        self.actor = actor  # who is answering: the author of what is saved
        self.p = Prompts(state.locale, settings.zone, surface)
        self._ = self.p._
        self.screens = Screens(self.p, ctx, settings.max_file_bytes)
        self.just_saved = state.reporting.last_saved  # by the previous input; this one may add files to it
        self.out = TurnResult(state=state.evolve(report_id=ctx.report_id, last_saved=None), locale=state.locale)

    @property
    def state(self) -> ConversationState:
        return self.out.state

    @property
    def r(self) -> Reporting:
        """The officer's slice of the state."""
        return self.out.state.reporting

    def set_state(self, **changes: object) -> None:
        self.out.state = self.out.state.evolve(**changes)

    def reply(self, text: str, buttons: Buttons = ()) -> None:
        self.out.say(Reply(text=text, buttons=buttons, step=self.state.step if buttons else None))

    def current(self) -> Question | None:
        qid = self.r.question_id
        return self.ctx.form.question(qid) if qid and self.ctx.form.has(qid) else None

    def stage(self, question: Question) -> Stage:
        return self.r.stage or self.entry_stage(question)

    def entry_stage(self, question: Question) -> Stage:
        """Where a question starts: last campaign's answer first, when there is one to keep."""
        return Stage.CARRY if self.ctx.carried(question) is not None else first_stage(question)

    def draft(self) -> Draft:
        question = self.current()
        draft = self.r.draft
        if draft is None or question is None or draft.question_id != question.id:
            return Draft(question_id=question.id if question else "")
        return draft

    def has_unsaved_input(self) -> bool:
        draft = self.r.draft
        return bool(draft and (draft.text_parts or (draft.files and draft.files != self.screens.existing_files(draft.question_id))))

    def add_to(self, question: Question) -> None:
        """“Write more”: back to a saved text answer, so that the next message is added to it."""
        existing = self.ctx.answers.get(question.id) or {}
        draft = Draft(
            question_id=question.id,
            status=existing.get("status"),
            eligible=existing.get("eligible"),
            files=self.screens.existing_files(question.id),
            appending=True,
        )
        self.set_state(draft=draft)
        self.ask(question, Stage.NARRATIVE if question.kind is QuestionKind.CRITERION else Stage.VALUE)

    def ask(self, question: Question, stage: Stage | None = None) -> None:
        """Moves to a question (or a stage of it) and shows it with fresh buttons."""
        stage = stage or self.entry_stage(question)
        draft = self.r.draft
        if draft is None or draft.question_id != question.id:
            draft = Draft(question_id=question.id, files=self.screens.existing_files(question.id))
        self.set_state(mode=Mode.ANSWERING, question_id=question.id, stage=stage, draft=draft)
        self.render(question, stage, new_step=True)

    def render(self, question: Question, stage: Stage, new_step: bool) -> None:
        if new_step:
            self.set_state(step=self.state.step + 1)
        saved = self.r.last_saved
        just_saved = self.ctx.form.question(saved) if saved and saved != question.id and self.ctx.form.has(saved) else None
        self.out.say(self.screens.question(question, stage, self.draft(), self.state.step, just_saved))

    # What answering needs of navigation (bot/reporting/engine.py).

    def advance(self, after: int | None) -> None:
        raise NotImplementedError

    def review(self, page: int) -> None:
        raise NotImplementedError

    def stale(self) -> None:
        raise NotImplementedError

    def locked(self) -> None:
        raise NotImplementedError
