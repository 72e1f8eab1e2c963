"""Answering the question the officer is on, by its kind: a criterion's status, whether the unit
meets the conditions, text over several messages, files, a choice, a number, a date; «Done»,
keeping the previous text, starting again; and saving the whole answer."""

from __future__ import annotations

from dataclasses import replace

from bot.answers import SKIPPED, AnswerValue, StoredFile
from bot.buttons import Kind, Pressed, unpack
from bot.conversation import Draft, Stage
from bot.effects import SaveAnswers
from bot.forms import CriterionStatus, Question, QuestionKind
from bot.inputs import ButtonInput, FileInput, Input, TextInput, UnsupportedInput
from bot.screens import number_bounds, takes_text
from bot.text import (
    DateFormatError,
    ImpossibleDateError,
    fold,
    parse_date,
    parse_whole_number,
)
from bot.turn import ReportTurn

__all__ = ["Answering"]

YES_WORDS = frozenset({"co", "yes", "y", "dong y", "nop"})
NO_WORDS = frozenset({"khong", "no", "n", "chua", "chua nop"})
DONE_WORDS = frozenset({"xong", "done", "/xong", "/done"})


class Answering(ReportTurn):
    def answer(self, received: Input) -> None:
        question = self.current()
        assert question is not None
        if not self.ctx.editable(question):
            self.locked()
            return
        stage = self.stage(question)
        if isinstance(received, UnsupportedInput):
            self.reply(self.screens.unsupported())
            self.render(question, stage, new_step=False)
            return
        if isinstance(received, TextInput) and not received.text.strip():
            self.reply(self._("That message was empty; nothing was saved."))
            self.render(question, stage, new_step=False)
            return
        if isinstance(received, FileInput):
            self.take_file(question, stage, received.file)
            return
        pressed = unpack(received.value) if isinstance(received, ButtonInput) else None
        text = received.text if isinstance(received, TextInput) else None
        actions = {Kind.DONE: self.done, Kind.KEEP: self.keep, Kind.CLEAR: self.clear}
        if pressed is not None and pressed.kind in actions:
            actions[pressed.kind]()
            return
        if text is not None and fold(text) in DONE_WORDS and stage in (Stage.NARRATIVE, Stage.EVIDENCE, Stage.VALUE):
            if question.kind in (QuestionKind.TEXT, QuestionKind.ATTACHMENT, QuestionKind.CRITERION):
                self.done()
                return
        if stage is Stage.STATUS:
            self.take_status(question, pressed)
        elif stage is Stage.ELIGIBLE:
            self.take_eligible(question, pressed, text)
        elif takes_text(question, stage):
            self.take_text(question, stage, text)
        elif stage is Stage.EVIDENCE or question.kind is QuestionKind.ATTACHMENT:
            self.reply(self._("This step takes {files}. Send one, or {done}.").format(files=self.p.files_wanted(), done=self.p.done))
            self.render(question, stage, new_step=False)
        elif question.kind is QuestionKind.CHOICE:
            self.take_choice(question, pressed)
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

    def take_status(self, question: Question, pressed: Pressed | None) -> None:
        if pressed is None or pressed.kind is not Kind.STATUS or pressed.arg not in CriterionStatus.__members__.values():
            self.choose_again(question, Stage.STATUS)
            return
        status = CriterionStatus(pressed.arg)
        self.set_state(draft=replace(self.draft(), status=status.value, eligible=None))
        self.ask(question, Stage.ELIGIBLE if status is CriterionStatus.NOT_YET_DUE else Stage.NARRATIVE)

    def take_eligible(self, question: Question, pressed: Pressed | None, text: str | None) -> None:
        eligible: bool | None = None
        if pressed is not None and pressed.kind is Kind.ELIGIBLE:
            eligible = pressed.arg == "1"
        elif text is not None:
            folded = fold(text)
            eligible = True if folded in YES_WORDS else False if folded in NO_WORDS else None
        if eligible is None:
            self.choose_again(question, Stage.ELIGIBLE)
            return
        self.set_state(draft=replace(self.draft(), eligible=eligible))
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
                (self.screens.done_row(question, stage, draft),),
            )
            return
        draft = replace(draft, text_parts=(*draft.text_parts, text))
        self.set_state(draft=draft)
        self.reply(
            _("Added ({n} characters so far). Send more, or {done} to save.").format(
                n=self.p.fmt.number(len(draft.text)), done=self.p.done
            ),
            (self.screens.done_row(question, stage, draft),),
        )

    def take_file(self, question: Question, stage: Stage, file: StoredFile) -> None:
        _ = self._
        if not (stage in (Stage.NARRATIVE, Stage.EVIDENCE) or question.kind is QuestionKind.ATTACHMENT):
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
            (self.screens.done_row(question, stage, draft),),
        )

    def take_choice(self, question: Question, pressed: Pressed | None) -> None:
        if pressed is None or pressed.kind is not Kind.OPTION or question.option(pressed.arg) is None:
            self.choose_again(question, Stage.VALUE)
            return
        self.save(question, {"choice": pressed.arg})

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
        stage = self.stage(question)
        draft = self.draft()
        if takes_text(question, stage):
            if not draft.text_parts:
                if self.screens.previous_text(question):
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
        previous = self.screens.previous_text(question)
        if not previous:
            self.stale()
            return
        self.set_state(draft=replace(self.draft(), text_parts=(previous,)))
        self.done()

    def clear(self) -> None:
        question = self.current()
        assert question is not None
        stage = self.stage(question)
        draft = self.draft()
        draft = replace(draft, text_parts=()) if takes_text(question, stage) else replace(draft, files=())
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
        self.out.effects.append(SaveAnswers(self.ctx.report_id, {question.id: value}, self.actor))
        self.ctx = replace(
            self.ctx,
            answers={**self.ctx.answers, question.id: value},
            needs_revision=self.ctx.needs_revision - {question.id},
        )
        self.screens.ctx = self.ctx
        self.set_state(draft=None)
        label = (
            self.p.short_label(question)
            if question.kind is QuestionKind.CRITERION
            else self._("question {n}").format(n=self.ctx.number_of(question))
        )
        self.reply(self._("✓ Saved {label}: {answer}").format(label=label, answer=self.p.summary(question, value)))
        if self.r.return_to_review:
            self.set_state(return_to_review=False, question_id=None, stage=None)
            self.review(self.r.review_page)
            return
        self.advance(after=self.ctx.form.index_of(question.id))
