"""Answering the question the officer is on, by its kind: a criterion's status, whether the unit
meets the conditions, text, files, a choice, a number, a date; keeping or adding to what was
saved; and saving the whole answer.

One message stands as a whole answer: a text is saved as soon as it is long enough, and the
files that prove a criterion go with its text, before it or right after it, or in the same
message (a photo with the text as its caption). “Done” is needed
only for a set of files or a text the messenger may have cut in pieces."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.base.answers import SKIPPED, AnswerValue, StoredFile, is_skipped
from bot.base.buttons import Kind, Pressed
from bot.base.conversation import Draft, Stage
from bot.base.effects import RecordAudit, SaveAnswers
from bot.base.forms import CriterionStatus, Question, QuestionKind, number_bounds
from bot.base.inputs import ButtonInput, FileInput, Input, TextInput, UnsupportedInput
from bot.base.records import CARRIED_ACTION, AuditEntry
from bot.base.text import (
    DateFormatError,
    ImpossibleDateError,
    fold,
    parse_date,
    parse_whole_number,
)
from bot.reporting.screens import first_stage, takes_files, takes_text
from bot.reporting.turn import ReportTurn

__all__ = ["LONG_MESSAGE", "NO_WORDS", "YES_WORDS", "Answering"]

YES_WORDS = frozenset({"co", "yes", "y", "dong y", "nop"})
NO_WORDS = frozenset({"khong", "no", "n", "chua", "chua nop"})
DONE_WORDS = frozenset({"xong", "done", "/xong", "/done"})
LONG_MESSAGE = 3500
"""A message this long may be the first piece of a longer paste the messenger cut (some cut at
4,096 characters), so it waits for the rest or “Done” instead of being saved at once."""


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
            self.take_file(question, stage, received.file, received.caption.strip())
            return
        pressed = received.pressed if isinstance(received, ButtonInput) else None
        text = received.text if isinstance(received, TextInput) else None
        actions = {Kind.DONE: self.done, Kind.KEEP: self.keep, Kind.CLEAR: self.clear}
        if pressed is not None and pressed.kind in actions:
            actions[pressed.kind]()
        elif text is not None and fold(text) in DONE_WORDS and (takes_text(question, stage) or takes_files(question, stage)):
            self.done()
        elif stage is Stage.CARRY:
            self.take_carried(question, pressed, text)
        elif stage is Stage.STATUS:
            self.take_status(question, pressed)
        elif stage is Stage.ELIGIBLE:
            self.take_eligible(question, pressed, text)
        elif takes_text(question, stage):
            self.take_text(question, stage, text)
        elif question.kind is QuestionKind.ATTACHMENT:
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

    def take_carried(self, question: Question, pressed: Pressed | None, text: str | None) -> None:
        """Last campaign's answer: kept as it was (a deliberate choice, audited), or answered
        anew; a text question also takes a new text typed straight away."""
        carried = self.ctx.carried(question)
        if carried is not None and pressed is not None and pressed.kind is Kind.CARRY:
            self.out.effects.append(RecordAudit(AuditEntry(
                self.now, CARRIED_ACTION, self.actor, report_id=self.ctx.report_id,
                details={"questions": [question.id], "campaign": self.ctx.previous_campaign},
            )))  # fmt: skip
            self.save(question, dict(carried), carried=True)
        elif pressed is not None and pressed.kind is Kind.CHANGE:
            self.ask(question, first_stage(question))
        elif text is not None and question.kind is QuestionKind.TEXT:
            self.set_state(stage=Stage.VALUE)
            self.take_text(question, Stage.VALUE, text)
        else:
            self.choose_again(question, Stage.CARRY)

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
        """Saves the answer as soon as the text is long enough; holds it while it is too short,
        or while it may be the first piece of a paste the messenger cut."""
        _ = self._
        if text is None:
            self.reply(_("Please type your answer as text."))
            self.render(question, stage, new_step=False)
            return
        draft = self.draft()
        have = len(self.full_text(question, draft))
        if have + len(text) + (1 if have else 0) > question.max_length:
            self.reply(
                _("Too long: this answer takes at most {max} characters and already has {have}; the {length} characters just sent were not added. Shorten them.").format(
                    max=self.p.fmt.number(question.max_length), have=self.p.fmt.number(have), length=self.p.fmt.number(len(text))
                ),
                self.screens.done_rows(question, stage, draft),
            )
            return
        draft = replace(draft, text_parts=(*draft.text_parts, text))
        self.set_state(draft=draft)
        written = len(self.full_text(question, draft))
        if len(text) >= LONG_MESSAGE:
            self.reply(
                _("Received ({n} characters so far). A long text may arrive in several messages: send the rest, or {done} to save.").format(
                    n=self.p.fmt.number(written), done=self.p.done
                ),
                self.screens.done_rows(question, stage, draft),
            )
        elif written < question.min_length:
            self.reply(
                _("Please write at least {n} characters (now {have}); send more and it is added.").format(
                    n=self.p.fmt.number(question.min_length), have=self.p.fmt.number(written)
                ),
                self.screens.done_rows(question, stage, draft),
            )
        else:
            self.finish(question, draft)

    def full_text(self, question: Question, draft: Draft) -> str:
        """The text the answer would hold: what was saved before, when adding to it, then the new."""
        parts = (self.screens.previous_text(question), *draft.text_parts) if draft.appending else draft.text_parts
        return "\n".join(part for part in parts if part)

    def finish(self, question: Question, draft: Draft) -> None:
        text = self.full_text(question, draft)
        if question.kind is QuestionKind.CRITERION:
            self.save_criterion(question, replace(draft, text_parts=(text,), appending=False))
        else:
            self.save(question, {"text": text})

    def take_file(self, question: Question, stage: Stage, file: StoredFile, caption: str = "") -> None:
        """A file, and the words sent with it: the answer's text where the step takes files and
        text together (a criterion's evidence and what was done, in one message); elsewhere the
        person is told the words were not kept."""
        if not caption:
            self.take_one_file(question, stage, file)
        elif takes_files(question, stage) and takes_text(question, stage):
            self.take_one_file(question, stage, file, announce=False)
            self.take_text(question, stage, caption)
        else:
            self.reply(self._("The words sent with the file were not saved: only a criterion's text goes with its files in one message. Send them as a message of their own if they belong to an answer."))
            self.take_one_file(question, stage, file)

    def take_one_file(self, question: Question, stage: Stage, file: StoredFile, announce: bool = True) -> None:
        """Adds the file to the answer being written (saying so, when `announce`), or to the
        answer just saved, or says why it cannot be taken."""
        _ = self._
        if file.path is None or file.size > self.settings.max_file_bytes:
            self.reply(
                _("That file is too large ({size} MB). Each file can be at most {mb} MB; send a smaller file or a photo.").format(
                    size=self.p.fmt.number(round(file.size / (1024 * 1024), 1)),
                    mb=self.settings.max_file_bytes // (1024 * 1024),
                )
            )
            return
        if not takes_files(question, stage):
            if not self.attach_to_just_saved(file):
                self.reply(_("This question does not take files; please answer as asked."))
                self.render(question, stage, new_step=False)
            return
        draft = self.draft()
        if len(draft.files) >= question.max_files:
            self.reply(_("At most {n} files per question.").format(n=question.max_files))
            return
        draft = replace(draft, files=(*draft.files, file.to_dict()))
        self.set_state(draft=draft)
        if not announce:
            return
        received = self.p.files_count(len(draft.files))
        if question.kind is QuestionKind.ATTACHMENT:
            text = _("Received: {files}. Send more, or {done}.").format(files=received, done=self.p.done)
        elif draft.text_parts:
            text = _("Received: {files}. Send the rest of the text, or {done}.").format(files=received, done=self.p.done)
        else:
            text = _("Received: {files}. Now write what was done, in one message, and the criterion is saved with them.").format(files=received)
        self.reply(text, self.screens.done_rows(question, stage, draft))

    def attach_to_just_saved(self, file: StoredFile) -> bool:
        """A file sent right after an answer was saved belongs to that answer when it takes files
        (a photo sent after a criterion's text): it is added there. False when there is none."""
        qid = self.just_saved
        question = self.ctx.form.question(qid) if qid and self.ctx.form.has(qid) else None
        value = self.ctx.answers.get(qid or "")
        if question is None or not value or is_skipped(value) or not self.ctx.editable(question):
            return False
        if question.kind not in (QuestionKind.CRITERION, QuestionKind.ATTACHMENT):
            return False
        files = list(value.get("files", ()))
        if len(files) >= question.max_files:
            self.reply(self._("At most {n} files per question.").format(n=question.max_files))
            return True
        self.record(question, {**value, "files": [*files, file.to_dict()]})
        self.set_state(last_saved=question.id)
        self.reply(self._("📎 Attached to {label}: {files} in all.").format(
            label=self.p.ref(self.ctx, question), files=self.p.files_count(len(files) + 1)
        ))
        return True

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
        """A date as written (a day and month alone take the campaign's year); a review date must
        fall between the campaign's opening and today."""
        _ = self._
        today = self.now.astimezone(self.settings.zone).date()
        year = (self.ctx.deadline.year if self.ctx.deadline else today.year)
        try:
            day = parse_date(text or "", years=(year, year - 1) if question.within_campaign else (year,))
        except ImpossibleDateError:
            self.reply(_("There is no such day as {text}. Check the day and month.").format(text=(text or "").strip()))
        except DateFormatError:
            self.reply(_("Please write the date as dd/mm/yyyy, for example 25/11/2023."))
        else:
            problem = self.outside_campaign(day, today) if question.within_campaign else None
            if problem is None:
                self.save(question, {"date": day.isoformat()})
                return
            self.reply(problem)
        self.render(question, Stage.VALUE, new_step=False)

    def outside_campaign(self, day: date, today: date) -> str | None:
        _ = self._
        if day > today:
            return _("{day} has not come yet; give the date on which it took place.").format(day=self.p.fmt.date(day))
        if self.ctx.opens and day < self.ctx.opens:
            return _("{day} is before the review began on {opens}; check the year.").format(
                day=self.p.fmt.date(day), opens=self.p.fmt.date(self.ctx.opens)
            )
        return None

    def done(self) -> None:
        """“Done”: closes a text held in pieces, or a set of files."""
        _ = self._
        question = self.current()
        assert question is not None
        stage = self.stage(question)
        draft = self.draft()
        if takes_text(question, stage):
            if not draft.text_parts:
                if self.screens.previous_text(question) and not draft.appending:
                    self.keep()
                    return
                self.reply(_("Nothing written yet. Type your answer first."))
                return
            if len(self.full_text(question, draft)) < question.min_length:
                self.reply(
                    _("Please write at least {n} characters (now {have}).").format(
                        n=self.p.fmt.number(question.min_length), have=self.p.fmt.number(len(self.full_text(question, draft)))
                    )
                )
                return
            self.finish(question, draft)
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
        """“Keep as it is”: the saved answer stays; on a criterion's text, with the status and
        files just given."""
        question = self.current()
        assert question is not None
        existing = self.ctx.answers.get(question.id)
        if takes_text(question, self.stage(question)) and question.kind is QuestionKind.CRITERION and self.screens.previous_text(question):
            self.save_criterion(question, replace(self.draft(), text_parts=(self.screens.previous_text(question),), appending=False))
        elif existing:
            self.save(question, dict(existing))
        else:
            self.stale()

    def clear(self) -> None:
        question = self.current()
        assert question is not None
        stage = self.stage(question)
        draft = self.draft()
        draft = replace(draft, text_parts=()) if takes_text(question, stage) and draft.text_parts else replace(draft, files=())
        self.set_state(draft=draft)
        self.reply(self._("Cleared what you had just entered. Please enter the answer again."))
        self.render(question, stage, new_step=True)

    def save_criterion(self, question: Question, draft: Draft) -> None:
        value: AnswerValue = {"status": draft.status, "narrative": draft.text}
        if draft.status == CriterionStatus.NOT_YET_DUE.value:
            value["eligible"] = draft.eligible
        if draft.files:
            value["files"] = list(draft.files)
        self.save(question, value)

    def save(self, question: Question, value: AnswerValue, carried: bool = False) -> None:
        """Saves the answer and moves on. An answer equal to the saved one is kept, not edited: it
        adds no version, unless the question was sent back for revision, where keeping it is the
        officer's answer and its new version marks it revised (bot.base.report_status.needs_revision)."""
        kept = value == self.ctx.answers.get(question.id)
        if not kept or question.id in self.ctx.needs_revision:
            self.record(question, value)
        self.ctx = replace(self.ctx, needs_revision=self.ctx.needs_revision - {question.id})
        self.screens.ctx = self.ctx
        self.set_state(draft=None, last_saved=question.id)
        if carried:
            template = self._("✓ Kept as in the previous review — {label}: {answer}")
        else:
            template = self._("✓ Kept {label}: {answer}") if kept else self._("✓ Saved {label}: {answer}")
        self.reply(template.format(label=self.p.ref(self.ctx, question), answer=self.p.summary(question, value)))
        if self.r.return_to_review:
            self.set_state(return_to_review=False, question_id=None, stage=None)
            self.review(self.r.review_page)
            return
        self.advance(after=self.ctx.form.index_of(question.id))

    def record(self, question: Question, value: AnswerValue) -> None:
        """A new version of the answer: an effect to apply, and what this turn reads from now on."""
        self.out.effects.append(SaveAnswers(self.ctx.report_id, {question.id: value}, self.actor))
        self.ctx = replace(self.ctx, answers={**self.ctx.answers, question.id: value})
        self.screens.ctx = self.ctx
