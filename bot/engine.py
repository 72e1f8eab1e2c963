"""The conversation engine: one input in; the new state, replies and answers to save out.

Pure, like goflow's session.Resume: it never sends, sleeps, stores or schedules. The caller
loads the report and the conversation state, calls `Engine.open` or `Engine.handle`, saves the
outcome in one transaction and only then shows the replies.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.answers import SKIPPED, AnswerValue, StoredFile, files_of
from bot.commands import canonical
from bot.conversation import ConversationState, Draft, Mode, Stage
from bot.events import Button, ButtonRole, Reply, Surface
from bot.forms import CriterionStatus, Question, QuestionKind
from bot.inputs import ButtonInput, CommandInput, FileInput, Input, TextInput, UnsupportedInput
from bot.prompts import CLEAR, DONE, KEEP, REPORT_STATUS_LABELS, Prompts
from bot.report import ReportContext
from bot.text import DateFormatError, ImpossibleDateError, fold, parse_date, parse_whole_number

ACTION = ButtonRole.ACTION

Buttons = tuple[tuple[Button, ...], ...]

YES_WORDS = frozenset({"co", "yes", "y", "dong y", "nop"})
NO_WORDS = frozenset({"khong", "no", "n", "chua", "chua nop"})
DONE_WORDS = frozenset({"xong", "done", "/xong", "/done"})


@dataclass(frozen=True)
class EngineSettings:
    zone: ZoneInfo
    max_file_bytes: int = 20 * 1024 * 1024
    review_page_size: int = 8


@dataclass
class Outcome:
    """What one input changed. `saves` are new answer versions; `submit` asks to lock the report."""

    state: ConversationState
    replies: list[Reply] = field(default_factory=list)
    saves: dict[str, AnswerValue] = field(default_factory=dict)
    submit: bool = False


def number_bounds(question: Question) -> tuple[int, int]:
    """A number question's range; unbounded ends default to 0 and a billion."""
    low = question.min_value if question.min_value is not None else 0
    high = question.max_value if question.max_value is not None else 10**9
    return low, high


class Engine:
    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings

    def open(self, ctx: ReportContext, state: ConversationState, now: datetime, surface: Surface = Surface()) -> Outcome:
        """/baocao: resume exactly where the officer stopped, or at the first open question."""
        return _Turn(self.settings, ctx, state, now, surface).open()

    def handle(
        self, ctx: ReportContext, state: ConversationState, received: Input, now: datetime, surface: Surface = Surface()
    ) -> Outcome:
        return _Turn(self.settings, ctx, state, now, surface).handle(received)


class _Turn:
    """The work of one input; collects the outcome as it goes."""

    def __init__(
        self, settings: EngineSettings, ctx: ReportContext, state: ConversationState, now: datetime, surface: Surface
    ) -> None:
        self.settings = settings
        self.ctx = ctx
        self.now = now
        self.p = Prompts(state.locale, settings.zone, surface)
        self._ = self.p._
        self.out = Outcome(state=state.evolve(report_id=ctx.report_id))

    # ----- state helpers -------------------------------------------------------------------

    @property
    def state(self) -> ConversationState:
        return self.out.state

    def set_state(self, **changes: object) -> None:
        self.out.state = self.out.state.evolve(**changes)

    def reply(self, text: str, buttons: Buttons = ()) -> None:
        self.out.replies.append(Reply(text=text, buttons=buttons, step=self.state.step if buttons else None))

    def current(self) -> Question | None:
        qid = self.state.question_id
        return self.ctx.form.question(qid) if qid and self.ctx.form.has(qid) else None

    def draft(self) -> Draft:
        question = self.current()
        draft = self.state.draft
        if draft is None or question is None or draft.question_id != question.id:
            return Draft(question_id=question.id if question else "")
        return draft

    def has_unsaved_input(self) -> bool:
        draft = self.state.draft
        return bool(draft and (draft.text_parts or (draft.files and draft.files != self._existing_files(draft))))

    def _existing_files(self, draft: Draft) -> tuple[dict, ...]:
        return tuple(f.to_dict() for f in files_of(self.ctx.answers.get(draft.question_id)))

    # ----- entry points --------------------------------------------------------------------

    def open(self) -> Outcome:
        ctx, state = self.ctx, self.state
        if ctx.locked:
            self.locked()
            return self.out
        question = self.current()
        if state.mode is Mode.ANSWERING and question is not None and ctx.editable(question):
            self.render(question, state.stage or self.first_stage(question), new_step=True)
            return self.out
        self.reply(self.intro())
        self.advance(after=None)
        return self.out

    def handle(self, received: Input) -> Outcome:
        if isinstance(received, CommandInput):
            self.command(received)
        elif isinstance(received, ButtonInput):
            if received.step != self.state.step:
                self.stale()
            else:
                self.press(received.value)
        elif self.state.mode is Mode.REVIEWING and isinstance(received, TextInput):
            self.review_text(received.text)
        elif self.state.mode is Mode.CONFIRMING and isinstance(received, TextInput):
            self.confirm_text(received.text)
        elif self.state.mode is Mode.ANSWERING and self.current() is not None:
            self.answer(received)
        elif isinstance(received, UnsupportedInput):
            self.reply(self.unsupported_text())
        elif self.ctx.locked:
            self.locked()
        else:
            self.reply(self._("Type /baocao to start or continue your report, or /trogiup for help."))
        return self.out

    def command(self, command: CommandInput) -> None:
        name = canonical(command.name)
        actions = {
            "baocao": self.open,
            "tiendo": lambda: self.reply(self.p.progress(self.ctx, self.now)),
            "xemlai": lambda: self.review(0),
            "sua": lambda: self.edit(command.args),
            "quaylai": self.back,
            "boqua": self.skip,
            "xong": lambda: self.press("done"),
            "nop": self.submit,
        }
        action = actions.get(name or "")
        if action is None:
            raise ValueError(f"not a report command: {command.name}")
        action()

    def press(self, value: str) -> None:
        kind, _sep, arg = value.partition(":")
        navigation = {
            "back": self.back,
            "skip": self.skip,
            "review": lambda: self.review(self.state.review_page),
            "submit": self.submit,
            "confirm": self.confirm,
            "cancel": self.cancel,
            "resume": self.resume,
        }
        if kind in navigation:
            navigation[kind]()
        elif kind == "page" and arg.isdigit():
            self.review(int(arg))
        elif self.state.mode is Mode.ANSWERING and self.current() is not None:
            self.answer(ButtonInput(step=self.state.step, value=value))
        elif self.ctx.locked:
            self.locked()
        else:
            self.stale()

    # ----- asking --------------------------------------------------------------------------

    @staticmethod
    def first_stage(question: Question) -> Stage:
        return Stage.STATUS if question.kind is QuestionKind.CRITERION else Stage.VALUE

    def intro(self) -> str:
        lines = [
            self._("Report of {unit} — {campaign}").format(
                unit=self.ctx.unit_name, campaign=self.ctx.campaign_title
            )
        ]
        deadline = self.p.deadline_line(self.ctx, self.now)
        if deadline:
            lines.append(deadline)
        lines.append(
            self._("Every answer is saved as soon as you give it; you can stop and come back with /baocao at any time.")
        )
        return "\n".join(lines)

    def ask(self, question: Question, stage: Stage | None = None) -> None:
        """Moves to a question (or a stage of it) and shows it with fresh buttons."""
        stage = stage or self.first_stage(question)
        draft = self.state.draft
        if draft is None or draft.question_id != question.id:
            existing = self._existing_files(Draft(question_id=question.id))
            draft = Draft(question_id=question.id, files=existing)
        self.set_state(mode=Mode.ANSWERING, question_id=question.id, stage=stage, draft=draft)
        self.render(question, stage, new_step=True)

    def render(self, question: Question, stage: Stage, new_step: bool) -> None:
        if new_step:
            self.set_state(step=self.state.step + 1)
        _ = self._
        lines = [self.p.question_header(self.ctx, question)]
        existing = self.ctx.answers.get(question.id)
        if existing and stage is self.first_stage(question):
            lines.append("")
            lines.append(_("Current answer: {answer}").format(answer=self.p.summary(question, existing, 200)))
        previous = self.previous_text(question)
        takes_text = stage is Stage.NARRATIVE or (question.kind is QuestionKind.TEXT and stage is Stage.VALUE)
        if previous and takes_text and not self.draft().text_parts:
            lines += ["", _("Text saved so far (send new text to replace it, or {keep}):").format(keep=self.p.act(KEEP)), previous]
        lines.append("")
        lines.append(self.instruction(question, stage))
        self.reply("\n".join(lines), self.stage_buttons(question, stage) + self.nav_buttons(question, stage))

    def instruction(self, question: Question, stage: Stage) -> str:
        _ = self._
        mb = self.settings.max_file_bytes // (1024 * 1024)
        if stage is Stage.STATUS:
            return _("Choose the unit's self-assessment for this criterion:")
        if stage is Stage.ELIGIBLE:
            return _("Does the unit meet the conditions and standards to be assessed as met?")
        if stage is Stage.NARRATIVE:
            return _("Describe what was done and the results achieved. You can send several messages; {done} when finished.").format(done=self.p.done)
        if stage is Stage.EVIDENCE:
            return self.with_files_so_far(
                _("Send {files} as evidence (optional, up to {mb} MB each); {done} when finished.").format(
                    files=self.p.files_wanted(), mb=mb, done=self.p.done
                )
            )
        kind = question.kind
        if kind is QuestionKind.CHOICE:
            return _("Choose one:")
        if kind is QuestionKind.NUMBER:
            low, high = number_bounds(question)
            return _("Type a whole number from {min} to {max}.").format(
                min=self.p.fmt.number(low), max=self.p.fmt.number(high)
            )
        if kind is QuestionKind.DATE:
            return _("Type a date as dd/mm/yyyy, for example 25/11/2023.")
        if kind is QuestionKind.ATTACHMENT:
            return self.with_files_so_far(
                _("Send {files} (up to {mb} MB each); {done} when finished.").format(
                    files=self.p.files_wanted(), mb=mb, done=self.p.done
                )
            )
        text = _("Type your answer. You can send several messages; {done} when finished.").format(done=self.p.done)
        if question.min_length:
            text += " " + _("At least {n} characters.").format(n=self.p.fmt.number(question.min_length))
        return text

    def with_files_so_far(self, instruction: str) -> str:
        files = self.draft().files
        if not files:
            return instruction
        return instruction + "\n" + self._("Attached so far: {files}.").format(files=self.p.files_count(len(files)))

    def stage_buttons(self, question: Question, stage: Stage) -> Buttons:
        _ = self._
        if stage is Stage.STATUS:
            return (
                (
                    Button(self.p.status_label(CriterionStatus.MET), f"s:{CriterionStatus.MET.value}"),
                    Button(self.p.status_label(CriterionStatus.NOT_MET), f"s:{CriterionStatus.NOT_MET.value}"),
                ),
                (Button(self.p.status_label(CriterionStatus.NOT_YET_DUE), f"s:{CriterionStatus.NOT_YET_DUE.value}"),),
            )
        if stage is Stage.ELIGIBLE:
            return ((Button(_("Yes"), "e:1"), Button(_("No"), "e:0")),)
        if question.kind is QuestionKind.CHOICE and stage is Stage.VALUE:
            return tuple((Button(o.label.get(self.state.locale), f"o:{o.code}"),) for o in question.options)
        if stage in (Stage.NARRATIVE, Stage.EVIDENCE) or question.kind in (QuestionKind.TEXT, QuestionKind.ATTACHMENT):
            return (self.done_row(question, stage),)
        return ()

    def done_row(self, question: Question, stage: Stage) -> tuple[Button, ...]:
        _ = self._
        draft = self.draft()
        row = [Button(_(DONE), "done", ACTION)]
        takes_text = stage is Stage.NARRATIVE or question.kind is QuestionKind.TEXT
        if takes_text and not draft.text_parts and self.previous_text(question):
            row.append(Button(_(KEEP), "keep", ACTION))
        if (takes_text and draft.text_parts) or (not takes_text and draft.files):
            row.append(Button(_(CLEAR), "clear", ACTION))
        return tuple(row)

    def nav_buttons(self, question: Question, stage: Stage) -> Buttons:
        _ = self._
        row = [Button(_("◀ Back"), "back", ACTION)]
        if not question.required and stage is self.first_stage(question):
            row.append(Button(_("Skip ▶"), "skip", ACTION))
        row.append(Button(_("Review"), "review", ACTION))
        return (tuple(row),)

    def previous_text(self, question: Question) -> str:
        value = self.ctx.answers.get(question.id) or {}
        return value.get("narrative" if question.kind is QuestionKind.CRITERION else "text", "")

    # ----- answering -----------------------------------------------------------------------

    def answer(self, received: Input) -> None:
        question = self.current()
        assert question is not None
        if not self.ctx.editable(question):
            self.locked()
            return
        stage = self.state.stage or self.first_stage(question)
        if isinstance(received, UnsupportedInput):
            self.reply(self.unsupported_text())
            self.render(question, stage, new_step=False)
            return
        if isinstance(received, TextInput) and not received.text.strip():
            self.reply(self._("That message was empty; nothing was saved."))
            self.render(question, stage, new_step=False)
            return
        if isinstance(received, FileInput):
            self.take_file(question, stage, received.file)
            return
        value = received.value if isinstance(received, ButtonInput) else None
        text = received.text if isinstance(received, TextInput) else None
        if value in ("done", "keep", "clear"):
            {"done": self.done, "keep": self.keep, "clear": self.clear}[value]()
            return
        if text is not None and fold(text) in DONE_WORDS and stage in (Stage.NARRATIVE, Stage.EVIDENCE, Stage.VALUE):
            if question.kind in (QuestionKind.TEXT, QuestionKind.ATTACHMENT, QuestionKind.CRITERION):
                self.done()
                return
        if stage is Stage.STATUS:
            self.take_status(question, value)
        elif stage is Stage.ELIGIBLE:
            self.take_eligible(question, value, text)
        elif stage is Stage.NARRATIVE or question.kind is QuestionKind.TEXT:
            self.take_text(question, stage, text)
        elif stage is Stage.EVIDENCE or question.kind is QuestionKind.ATTACHMENT:
            self.reply(self._("This step takes {files}. Send one, or {done}.").format(files=self.p.files_wanted(), done=self.p.done))
            self.render(question, stage, new_step=False)
        elif question.kind is QuestionKind.CHOICE:
            self.take_choice(question, value)
        elif question.kind is QuestionKind.NUMBER:
            self.take_number(question, text)
        elif question.kind is QuestionKind.DATE:
            self.take_date(question, text)

    def choose_again(self, question: Question, stage: Stage) -> None:
        if self.p.surface.buttons:
            self.reply(self._("Please choose one of the buttons below (or type its number)."))
        else:
            self.reply(self._("Please type the number of one of the choices below."))
        self.render(question, stage, new_step=False)

    def take_status(self, question: Question, value: str | None) -> None:
        if not value or not value.startswith("s:"):
            self.choose_again(question, Stage.STATUS)
            return
        status = CriterionStatus(value[2:])
        draft = replace(self.draft(), status=status.value, eligible=None)
        self.set_state(draft=draft)
        next_stage = Stage.ELIGIBLE if status is CriterionStatus.NOT_YET_DUE else Stage.NARRATIVE
        self.ask(question, next_stage)

    def take_eligible(self, question: Question, value: str | None, text: str | None) -> None:
        if value is None and text is not None:
            folded = fold(text)
            value = "e:1" if folded in YES_WORDS else "e:0" if folded in NO_WORDS else None
        if value not in ("e:1", "e:0"):
            self.choose_again(question, Stage.ELIGIBLE)
            return
        self.set_state(draft=replace(self.draft(), eligible=value == "e:1"))
        self.ask(question, Stage.NARRATIVE)

    def take_text(self, question: Question, stage: Stage, text: str | None) -> None:
        _ = self._
        if text is None:
            self.reply(_("Please type your answer as text."))
            self.render(question, stage, new_step=False)
            return
        draft = self.draft()
        have = len(draft.text)
        if have + len(text) + (1 if have else 0) > question.max_length:
            self.reply(
                _("Too long: this answer takes at most {max} characters and already has {have}; the {length} characters just sent were not added. Shorten them, or {done}.").format(
                    max=self.p.fmt.number(question.max_length),
                    have=self.p.fmt.number(have),
                    length=self.p.fmt.number(len(text)),
                    done=self.p.done,
                ),
                (self.done_row(question, stage),),
            )
            return
        draft = replace(draft, text_parts=(*draft.text_parts, text))
        self.set_state(draft=draft)
        self.reply(
            _("Added ({n} characters so far). Send more, or {done} to save.").format(
                n=self.p.fmt.number(len(draft.text)), done=self.p.done
            ),
            (self.done_row(question, stage),),
        )

    def take_file(self, question: Question, stage: Stage, file: StoredFile) -> None:
        _ = self._
        takes_files = stage in (Stage.NARRATIVE, Stage.EVIDENCE) or question.kind is QuestionKind.ATTACHMENT
        if not takes_files:
            self.reply(_("This question does not take files; please answer as asked."))
            self.render(question, stage, new_step=False)
            return
        if file.path is None or file.size > self.settings.max_file_bytes:
            self.reply(
                _("That file is too large ({size} MB). Each file can be at most {mb} MB; send a smaller file or a photo.").format(
                    size=self.p.fmt.number(round(file.size / (1024 * 1024), 1)),
                    mb=self.settings.max_file_bytes // (1024 * 1024),
                )
            )
            return
        draft = self.draft()
        if len(draft.files) >= question.max_files:
            self.reply(_("At most {n} files per question; {done} to continue.").format(n=question.max_files, done=self.p.done))
            return
        draft = replace(draft, files=(*draft.files, file.to_dict()))
        self.set_state(draft=draft)
        self.reply(
            _("Received: {files}. Send more, or {done}.").format(files=self.p.files_count(len(draft.files)), done=self.p.done),
            (self.done_row(question, stage),),
        )

    def take_choice(self, question: Question, value: str | None) -> None:
        if not value or not value.startswith("o:") or question.option(value[2:]) is None:
            self.choose_again(question, Stage.VALUE)
            return
        self.save(question, {"choice": value[2:]})

    def take_number(self, question: Question, text: str | None) -> None:
        _ = self._
        number = parse_whole_number(text) if text is not None else None
        low, high = number_bounds(question)
        if number is None:
            self.reply(_("That is not a whole number. Type digits only, for example 12."))
        elif not low <= number <= high:
            self.reply(
                _("{number} is out of range: type a whole number from {min} to {max}.").format(
                    number=self.p.fmt.number(number), min=self.p.fmt.number(low), max=self.p.fmt.number(high)
                )
            )
        else:
            self.save(question, {"number": number})
            return
        self.render(question, Stage.VALUE, new_step=False)

    def take_date(self, question: Question, text: str | None) -> None:
        _ = self._
        try:
            day = parse_date(text or "")
        except ImpossibleDateError:
            self.reply(_("There is no such day as {text}. Check the day and month.").format(text=(text or "").strip()))
        except DateFormatError:
            self.reply(_("Please write the date as dd/mm/yyyy, for example 25/11/2023."))
        else:
            self.save(question, {"date": day.isoformat()})
            return
        self.render(question, Stage.VALUE, new_step=False)

    def done(self) -> None:
        """«Done»: closes a multi-message text or a set of files."""
        _ = self._
        question = self.current()
        assert question is not None
        stage = self.state.stage or self.first_stage(question)
        draft = self.draft()
        if stage is Stage.NARRATIVE or question.kind is QuestionKind.TEXT:
            if not draft.text_parts:
                if self.previous_text(question):
                    self.keep()
                    return
                self.reply(_("Nothing written yet. Type your answer first."))
                return
            if len(draft.text) < question.min_length:
                self.reply(
                    _("Please write at least {n} characters (now {have}).").format(
                        n=self.p.fmt.number(question.min_length), have=self.p.fmt.number(len(draft.text))
                    )
                )
                return
            if question.kind is QuestionKind.TEXT:
                self.save(question, {"text": draft.text})
            else:
                self.ask(question, Stage.EVIDENCE)
            return
        if stage is Stage.EVIDENCE:
            self.save_criterion(question, draft)
            return
        if question.kind is QuestionKind.ATTACHMENT:
            if not draft.files:
                if question.required:
                    self.reply(_("Please send at least one file."))
                else:
                    self.save(question, SKIPPED)
                return
            self.save(question, {"files": list(draft.files)})
            return
        self.choose_again(question, stage)

    def keep(self) -> None:
        """Keeps the text already saved for this question while changing the rest of it."""
        question = self.current()
        assert question is not None
        previous = self.previous_text(question)
        if not previous:
            self.stale()
            return
        self.set_state(draft=replace(self.draft(), text_parts=(previous,)))
        self.done()

    def clear(self) -> None:
        question = self.current()
        assert question is not None
        stage = self.state.stage or self.first_stage(question)
        draft = self.draft()
        if stage is Stage.NARRATIVE or question.kind is QuestionKind.TEXT:
            draft = replace(draft, text_parts=())
        else:
            draft = replace(draft, files=())
        self.set_state(draft=draft)
        self.reply(self._("Cleared. Start again."))
        self.render(question, stage, new_step=True)

    def save_criterion(self, question: Question, draft: Draft) -> None:
        value: AnswerValue = {"status": draft.status, "narrative": draft.text}
        if draft.status == CriterionStatus.NOT_YET_DUE.value:
            value["eligible"] = draft.eligible
        if draft.files:
            value["files"] = list(draft.files)
        self.save(question, value)

    def save(self, question: Question, value: AnswerValue) -> None:
        self.out.saves[question.id] = value
        self.ctx = replace(
            self.ctx,
            answers={**self.ctx.answers, question.id: value},
            needs_revision=self.ctx.needs_revision - {question.id},
        )
        self.set_state(draft=None)
        label = (
            self.p.short_label(question)
            if question.kind is QuestionKind.CRITERION
            else self._("question {n}").format(n=self.ctx.number_of(question))
        )
        self.reply(self._("✓ Saved {label}: {answer}").format(label=label, answer=self.p.summary(question, value)))
        if self.state.return_to_review:
            self.set_state(return_to_review=False, question_id=None, stage=None)
            self.review(self.state.review_page)
            return
        self.advance(after=self.ctx.form.index_of(question.id))

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
        _ = self._
        self.reply(
            _("All questions are answered. Review your answers, then submit the report."),
            ((Button(_("Review"), "review", ACTION), Button(_("Submit report"), "submit", ACTION)),),
        )

    # ----- navigation ----------------------------------------------------------------------

    def back(self) -> None:
        _ = self._
        question = self.current()
        if self.state.mode is not Mode.ANSWERING or question is None:
            self.resume()
            return
        stage = self.state.stage or self.first_stage(question)
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
        earlier = next(
            (q for q in reversed(self.ctx.form.questions[:index]) if self.ctx.editable(q)), None
        )
        if earlier is None:
            self.reply(_("This is the first question."))
            self.render(question, stage, new_step=True)
            return
        self.set_state(draft=None)
        self.ask(earlier)

    def stages_of(self, question: Question) -> list[Stage]:
        if question.kind is not QuestionKind.CRITERION:
            return [Stage.VALUE]
        stages = [Stage.STATUS]
        if self.draft().status == CriterionStatus.NOT_YET_DUE.value:
            stages.append(Stage.ELIGIBLE)
        return [*stages, Stage.NARRATIVE, Stage.EVIDENCE]

    def skip(self) -> None:
        _ = self._
        question = self.current()
        if self.state.mode is not Mode.ANSWERING or question is None:
            self.resume()
            return
        stage = self.state.stage or self.first_stage(question)
        if stage is Stage.EVIDENCE:
            self.save_criterion(question, replace(self.draft(), files=()))
            return
        if question.required:
            self.reply(_("This question is required and cannot be skipped."))
            self.render(question, stage, new_step=False)
            return
        self.save(question, SKIPPED)

    def resume(self) -> None:
        if self.ctx.locked:
            self.locked()
            return
        question = self.current()
        if question is not None and self.ctx.editable(question):
            self.ask(question, self.state.stage)
            return
        self.advance(after=None)

    def stale(self) -> None:
        self.reply(self._("That button belongs to an earlier message and no longer works."))
        question = self.current()
        if self.state.mode is Mode.ANSWERING and question is not None and not self.ctx.locked:
            self.render(question, self.state.stage or self.first_stage(question), new_step=False)

    def locked(self) -> None:
        _ = self._
        text = _("This report is {status} and can no longer be changed.").format(
            status=_(REPORT_STATUS_LABELS[self.ctx.status])
        )
        if self.ctx.receipt_no and self.ctx.submitted_at:
            text += "\n" + self.p.receipt(self.ctx.receipt_no, self.ctx.submitted_at)
        text += "\n" + _("If something must be corrected, ask your supervisor to return it for revision.")
        self.set_state(mode=Mode.IDLE, question_id=None, stage=None, draft=None, step=self.state.step + 1)
        self.reply(text, ((Button(_("Review"), "review", ACTION),),))

    def unsupported_text(self) -> str:
        if self.p.surface.buttons:
            return self._("Stickers, voice and similar messages cannot be read. Please answer with text, a button, a photo or a document.")
        return self._("Stickers, voice and similar messages cannot be read. Please answer with text or a photo.")

    # ----- review, edit, submit ------------------------------------------------------------

    def review(self, page: int) -> None:
        _ = self._
        size = self.settings.review_page_size
        questions = self.ctx.form.questions
        pages = max(1, -(-len(questions) // size))
        page = min(max(page, 0), pages - 1)
        if self.has_unsaved_input():
            self.reply(_("Note: the text or files you were adding to question {n} are kept until you return to it.").format(
                n=self.ctx.number_of(self.current()) if self.current() else "?"
            ))
        lines = [
            _("Review — {unit} — page {page}/{pages}").format(unit=self.ctx.unit_name, page=page + 1, pages=pages),
            "",
        ]
        lines += [self.p.review_item(self.ctx, q) for q in questions[page * size : (page + 1) * size]]
        if not self.ctx.locked:
            lines += ["", _("To change an answer, type its number (for example 5).")]
        self.set_state(mode=Mode.REVIEWING, review_page=page, step=self.state.step + 1)
        pager = []
        if page > 0:
            pager.append(Button(_("◀ Previous"), f"page:{page - 1}", ACTION))
        if page < pages - 1:
            pager.append(Button(_("Next ▶"), f"page:{page + 1}", ACTION))
        actions = [] if self.ctx.locked else [Button(_("Continue"), "resume", ACTION), Button(_("Submit report"), "submit", ACTION)]
        self.reply("\n".join(lines), tuple(row for row in (tuple(pager), tuple(actions)) if row))

    def review_text(self, text: str) -> None:
        if parse_whole_number(text) is not None:
            self.edit(text)
            return
        self.reply(self._("Type the number of the question to change."))
        self.review(self.state.review_page)

    def edit(self, args: str) -> None:
        _ = self._
        number = parse_whole_number(args)
        total = len(self.ctx.form)
        if number is None or not 1 <= number <= total:
            self.reply(_("Give the number of the question to change, from 1 to {total}, for example /sua 5.").format(total=total))
            return
        question = self.ctx.form.questions[number - 1]
        if self.ctx.locked or not self.ctx.editable(question):
            self.locked() if self.ctx.locked else self.reply(_("Question {n} is not open for revision.").format(n=number))
            return
        current = self.current()
        if self.has_unsaved_input() and current is not None and current.id != question.id:
            self.reply(_("You have unsaved text or files in question {n}: {done} or {clear} there first.").format(
                n=self.ctx.number_of(current), done=self.p.done, clear=self.p.act(CLEAR)
            ))
            self.render(current, self.state.stage or self.first_stage(current), new_step=True)
            return
        came_from_review = self.state.mode is Mode.REVIEWING
        self.set_state(draft=None, return_to_review=came_from_review)
        self.ask(question)

    def submit(self) -> None:
        _ = self._
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
                ).format(
                    n=len(missing), numbers=self.p.numbers(self.ctx, missing)
                ),
                ((Button(_("Answer what is missing"), "resume", ACTION),),),
            )
            return
        if self.has_unsaved_input():
            question = self.current()
            self.reply(_("Finish the question you are on first ({done}).").format(done=self.p.done))
            if question is not None:
                self.render(question, self.state.stage or self.first_stage(question), new_step=True)
            return
        self.set_state(mode=Mode.CONFIRMING, step=self.state.step + 1)
        self.reply(
            _("Submit the report of {unit} now? After submitting it is locked; only your supervisor can return it for revision.").format(
                unit=self.ctx.unit_name
            ),
            ((Button(_("Yes, submit"), "confirm"), Button(_("Not yet"), "cancel")),),
        )

    def confirm(self) -> None:
        if self.state.mode is not Mode.CONFIRMING:
            self.stale()
            return
        if self.ctx.missing_required():
            self.submit()
            return
        self.out.submit = True
        self.set_state(mode=Mode.IDLE, question_id=None, stage=None, draft=None, step=self.state.step + 1)

    def cancel(self) -> None:
        _ = self._
        self.set_state(mode=Mode.IDLE, step=self.state.step + 1)
        self.reply(
            _("Not submitted. You can review or submit later."),
            ((Button(_("Review"), "review", ACTION), Button(_("Submit report"), "submit", ACTION)),),
        )

    def confirm_text(self, text: str) -> None:
        folded = fold(text)
        if folded in YES_WORDS:
            self.confirm()
        elif folded in NO_WORDS:
            self.cancel()
        else:
            self.submit()
