"""The conversation engine: one input in; the new state, replies and effects out.

Pure, like goflow's session.Resume: it never sends, sleeps, stores or schedules. The caller
loads the report and the conversation state, calls `Engine.open` or `Engine.handle`, applies
the effects in one transaction and only then shows the replies. This module holds the
navigation (which question, review, edit, submit); answering a question by its kind is in
bot/reporting/answering.py, and what each screen shows in bot/reporting/screens.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.base import commands
from bot.base.answers import SKIPPED
from bot.base.buttons import ButtonKind, Kind, Pressed, pack
from bot.base.commands import CommandSpec
from bot.base.conversation import ConversationState, Mode, Stage
from bot.base.effects import MoveReport, RecordAudit, TurnResult
from bot.base.events import Button, ButtonRole, Surface
from bot.base.forms import CriterionStatus, Question, QuestionKind
from bot.base.inputs import ButtonInput, CommandInput, Input, TextInput, UnsupportedInput
from bot.base.records import AuditEntry
from bot.base.report_status import ReportStatus, submission
from bot.base.text import fold, parse_whole_number
from bot.reporting.answering import NO_WORDS, YES_WORDS, Answering
from bot.reporting.prompts import CLEAR, REPORT_STATUS_LABELS
from bot.reporting.report import ReportContext
from bot.reporting.turn import EngineSettings

__all__ = ["ENGINE_COMMANDS", "Engine", "EngineSettings"]

ACTION = ButtonRole.ACTION
ENGINE_COMMANDS = frozenset(
    {commands.REPORT, commands.PROGRESS, commands.REVIEW, commands.EDIT, commands.BACK, commands.SKIP, commands.DONE, commands.SUBMIT}
)
"""The commands an officer gives about their report."""


class Engine:
    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings

    def open(
        self, ctx: ReportContext, state: ConversationState, now: datetime, surface: Surface = Surface(), actor: int | None = None
    ) -> TurnResult:
        """/baocao: resume exactly where the officer stopped, or at the first open question."""
        turn = _Turn(self.settings, ctx, state, now, surface, actor)
        turn.open()
        return turn.out

    def handle(
        self,
        ctx: ReportContext,
        state: ConversationState,
        received: Input,
        now: datetime,
        surface: Surface = Surface(),
        actor: int | None = None,
    ) -> TurnResult:
        turn = _Turn(self.settings, ctx, state, now, surface, actor)
        turn.handle(received)
        return turn.out


class _Turn(Answering):
    """The work of one input; collects the result as it goes."""

    def open(self) -> None:
        if self.ctx.locked:
            self.locked()
            return
        question = self.current()
        if self.r.mode is Mode.ANSWERING and question is not None and self.ctx.editable(question):
            self.render(question, self.stage(question), new_step=True)
            return
        self.reply(self.screens.intro(self.now))
        self.advance(after=None)

    def handle(self, received: Input) -> None:
        if isinstance(received, CommandInput):
            self.command(received)
        elif isinstance(received, ButtonInput):
            if received.step != self.state.step:
                self.stale()
            else:
                self.press(received)
        elif self.r.mode is Mode.REVIEWING and isinstance(received, TextInput):
            self.review_text(received.text)
        elif self.r.mode is Mode.CONFIRMING and isinstance(received, TextInput):
            self.confirm_text(received.text)
        elif self.r.mode is Mode.ANSWERING and self.current() is not None:
            self.answer(received)
        elif isinstance(received, UnsupportedInput):
            self.reply(self.screens.unsupported())
        elif self.ctx.locked:
            self.locked()
        else:
            self.reply(self._("Type /baocao to start or continue your report, or /trogiup for help."))

    def command(self, command: CommandInput) -> None:
        actions: dict[CommandSpec, Callable[[], None]] = {
            commands.REPORT: self.open,
            commands.PROGRESS: lambda: self.reply(self.p.progress(self.ctx, self.now)),
            commands.REVIEW: lambda: self.review(0),
            commands.EDIT: lambda: self.edit(command.args),
            commands.BACK: self.back,
            commands.SKIP: self.skip,
            commands.DONE: lambda: self.press(ButtonInput(self.state.step, pack(Kind.DONE))),
            commands.SUBMIT: self.submit,
        }
        action = actions.get(command.spec) if command.spec is not None else None
        if action is None:
            raise ValueError(f"not a report command: {command.name}")
        action()

    def press(self, received: ButtonInput) -> None:
        pressed = received.pressed
        navigation: dict[ButtonKind, Callable[[Pressed], None]] = {
            Kind.BACK: lambda _: self.back(),
            Kind.SKIP: lambda _: self.skip(),
            Kind.REVIEW: lambda _: self.review(self.r.review_page),
            Kind.PAGE: lambda page: self.review(page.number),
            Kind.SUBMIT: lambda _: self.submit(),
            Kind.CONFIRM: lambda _: self.confirm(),
            Kind.CANCEL: lambda _: self.cancel(),
            Kind.RESUME: lambda _: self.resume(),
            Kind.APPEND: lambda pressed: self.write_more(pressed.arg),
        }
        if pressed is not None and pressed.kind in navigation:
            navigation[pressed.kind](pressed)
        elif pressed is not None and self.r.mode is Mode.ANSWERING and self.current() is not None:
            self.answer(received)
        elif self.ctx.locked:
            self.locked()
        else:
            self.stale()

    # ----- where to go next ---------------------------------------------------------------------

    def advance(self, after: int | None) -> None:
        """To the next open question after `after`, wrapping to earlier gaps, else to the end."""
        questions = self.ctx.form.questions
        start = 0 if after is None else after + 1
        ordered = questions[start:] + questions[:start]
        following = next((q for q in ordered if self.ctx.pending(q)), None)
        if following is not None:
            self.ask(following)
            return
        self.set_state(mode=Mode.IDLE, question_id=None, stage=None, draft=None, step=self.state.step + 1)
        self.reply(self._("All questions are answered. Review your answers, then submit the report."), self.screens.review_and_submit())

    def back(self) -> None:
        _ = self._
        question = self.current()
        if self.r.mode is not Mode.ANSWERING or question is None:
            self.resume()
            return
        stage = self.stage(question)
        stages = self.stages_of(question)
        if stage in stages and stages.index(stage) > 0:
            self.ask(question, stages[stages.index(stage) - 1])
            return
        if self.has_unsaved_input():
            self.reply(_("You have unsaved text or files here: {done} to save them, or {clear}, before going back.").format(
                done=self.p.done, clear=self.p.act(CLEAR)
            ))
            return
        index = self.ctx.form.index_of(question.id)
        earlier = next((q for q in reversed(self.ctx.form.questions[:index]) if self.ctx.editable(q)), None)
        if earlier is None:
            self.reply(_("This is the first question."))
            self.render(question, stage, new_step=True)
            return
        self.set_state(draft=None)
        self.ask(earlier)

    def stages_of(self, question: Question) -> list[Stage]:
        stages = [Stage.CARRY] if self.ctx.carried(question) is not None else []
        if question.kind is not QuestionKind.CRITERION:
            return [*stages, Stage.VALUE]
        stages.append(Stage.STATUS)
        if self.draft().status == CriterionStatus.NOT_YET_DUE.value:
            stages.append(Stage.ELIGIBLE)
        return [*stages, Stage.NARRATIVE]

    def skip(self) -> None:
        question = self.current()
        if self.r.mode is not Mode.ANSWERING or question is None:
            self.resume()
            return
        stage = self.stage(question)
        if question.required:
            self.reply(self._("This question is required and cannot be skipped."))
            self.render(question, stage, new_step=False)
            return
        self.save(question, SKIPPED)

    def write_more(self, question_id: str) -> None:
        if self.ctx.locked:
            self.locked()
            return
        question = self.ctx.form.question(question_id) if self.ctx.form.has(question_id) else None
        if question is None or not self.ctx.editable(question) or not self.screens.previous_text(question):
            self.stale()
            return
        if self.has_unsaved_input():
            current = self.current()
            self.reply(self._("You have unsaved text or files in question {n}: {done} or {clear} there first.").format(
                n=self.ctx.number_of(current) if current else "?", done=self.p.done, clear=self.p.act(CLEAR)
            ))
            return
        self.add_to(question)

    def resume(self) -> None:
        if self.ctx.locked:
            self.locked()
            return
        question = self.current()
        if question is not None and self.ctx.editable(question):
            self.ask(question, self.r.stage)
            return
        self.advance(after=None)

    def stale(self) -> None:
        self.reply(self._("That button belongs to an earlier message and no longer works."))
        question = self.current()
        if self.r.mode is Mode.ANSWERING and question is not None and not self.ctx.locked:
            self.render(question, self.stage(question), new_step=False)

    def locked(self) -> None:
        _ = self._
        text = _("This report is {status} and can no longer be changed.").format(status=_(REPORT_STATUS_LABELS[self.ctx.status]))
        if self.ctx.receipt_no and self.ctx.submitted_at:
            text += "\n" + self.p.receipt(self.ctx.receipt_no, self.ctx.submitted_at)
        if self.ctx.status is ReportStatus.APPROVED:
            text += "\n" + _("If something must still be corrected, ask your supervisor to reopen it for revision.")
        else:
            text += "\n" + _("If something must be corrected, ask your supervisor to return it for revision.")
        self.set_state(mode=Mode.IDLE, question_id=None, stage=None, draft=None, step=self.state.step + 1)
        self.reply(text, ((Button(_("Review"), pack(Kind.REVIEW), ACTION),),))

    # ----- review, edit, submit -----------------------------------------------------------------

    def review(self, page: int) -> None:
        page = min(max(page, 0), self.screens.pages() - 1)
        if self.has_unsaved_input():
            current = self.current()
            self.reply(self._("Note: the text or files you were adding to question {n} are kept until you return to it.").format(
                n=self.ctx.number_of(current) if current else "?"
            ))
        self.set_state(mode=Mode.REVIEWING, review_page=page, step=self.state.step + 1)
        self.out.say(self.screens.review(page, self.state.step))

    def review_text(self, text: str) -> None:
        if parse_whole_number(text) is not None:
            self.edit(text)
            return
        self.reply(self._("Type the number of the question to change."))
        self.review(self.r.review_page)

    def edit(self, args: str) -> None:
        _ = self._
        number = parse_whole_number(args)
        total = len(self.ctx.form)
        if number is None or not 1 <= number <= total:
            self.reply(_("Give the number of the question to change, from 1 to {total}, for example /sua 5.").format(total=total))
            return
        question = self.ctx.form.questions[number - 1]
        if self.ctx.locked:
            self.locked()
            return
        if not self.ctx.editable(question):
            self.reply(_("Question {n} is not open for revision.").format(n=number))
            return
        current = self.current()
        if self.has_unsaved_input() and current is not None and current.id != question.id:
            self.reply(_("You have unsaved text or files in question {n}: {done} or {clear} there first.").format(
                n=self.ctx.number_of(current), done=self.p.done, clear=self.p.act(CLEAR)
            ))
            self.render(current, self.stage(current), new_step=True)
            return
        self.set_state(draft=None, return_to_review=self.r.mode is Mode.REVIEWING)
        self.ask(question)

    def submit(self) -> None:
        _ = self._
        if self.ctx.status in (ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED) and self.ctx.receipt_no:
            self.reply(_("The report was already submitted (receipt number {receipt}); there is no need to submit it again.").format(
                receipt=self.ctx.receipt_no
            ))
            return
        if self.ctx.locked:
            self.locked()
            return
        missing = self.ctx.missing_required()
        if missing:
            self.set_state(step=self.state.step + 1)
            self.reply(
                self.p.ngettext(
                    "The report cannot be submitted yet: {n} required question is not answered: {numbers}.",
                    "The report cannot be submitted yet: {n} required questions are not answered: {numbers}.",
                    len(missing),
                ).format(n=len(missing), numbers=self.p.numbers(self.ctx, missing)),
                ((Button(_("Answer what is missing"), pack(Kind.RESUME), ACTION),),),
            )
            return
        if self.has_unsaved_input():
            question = self.current()
            self.reply(_("Finish the question you are on first ({done}).").format(done=self.p.done))
            if question is not None:
                self.render(question, self.stage(question), new_step=True)
            return
        self.set_state(mode=Mode.CONFIRMING, step=self.state.step + 1)
        self.reply(
            _("Submit the report of {unit} now? After submitting it is locked; only your supervisor can return it for revision.").format(
                unit=self.ctx.unit_name
            ),
            ((Button(_("Yes, submit"), pack(Kind.CONFIRM)), Button(_("Not yet"), pack(Kind.CANCEL))),),
        )

    def confirm(self) -> None:
        if self.r.mode is not Mode.CONFIRMING:
            self.stale()
            return
        if self.ctx.missing_required():
            self.submit()
            return
        move = submission(self.ctx.report_id, self.ctx.status, self.ctx.submissions, self.actor, self.now)
        assert move.receipt is not None
        action = "resubmitted" if self.ctx.status is ReportStatus.RETURNED else "submitted"
        self.out.effects += [
            MoveReport(self.ctx.report_id, move),
            RecordAudit(AuditEntry(self.now, action, self.actor, report_id=self.ctx.report_id, details={"receipt": move.receipt.number})),
        ]
        self.set_state(mode=Mode.IDLE, question_id=None, stage=None, draft=None, step=self.state.step + 1)
        self.reply(
            self._("✅ The report of {unit} has been submitted.").format(unit=self.ctx.unit_name)
            + "\n"
            + self.p.receipt(move.receipt.number, move.receipt.at)
        )

    def cancel(self) -> None:
        self.set_state(mode=Mode.IDLE, step=self.state.step + 1)
        self.reply(self._("Not submitted. You can review or submit later."), self.screens.review_and_submit())

    def confirm_text(self, text: str) -> None:
        folded = fold(text)
        if folded in YES_WORDS:
            self.confirm()
        elif folded in NO_WORDS:
            self.cancel()
        else:
            self.submit()
