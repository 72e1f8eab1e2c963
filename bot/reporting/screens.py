"""What the officer sees: a question with its instruction and buttons, a review page, the
report's opening lines. Built from data alone, so the engine only decides which screen comes
next."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.base.answers import files_of
from bot.base.buttons import Kind, pack
from bot.base.conversation import Draft, Stage
from bot.base.events import Button, ButtonRole, Reply
from bot.base.forms import CriterionStatus, Question, QuestionKind, number_bounds
from bot.base.i18n import N_
from bot.reporting.prompts import CLEAR, DONE, KEEP, WRITE_MORE, Prompts
from bot.reporting.report import ReportContext

__all__ = ["Buttons", "Screens", "first_stage", "takes_files", "takes_text"]

Buttons = tuple[tuple[Button, ...], ...]
ACTION = ButtonRole.ACTION
REVIEW_PAGE_SIZE = 8


def first_stage(question: Question) -> Stage:
    return Stage.STATUS if question.kind is QuestionKind.CRITERION else Stage.VALUE


def takes_text(question: Question, stage: Stage) -> bool:
    return stage is Stage.NARRATIVE or question.kind is QuestionKind.TEXT


def takes_files(question: Question, stage: Stage) -> bool:
    """A criterion takes its evidence with its text; an attachment question takes only files."""
    return stage is Stage.NARRATIVE or question.kind is QuestionKind.ATTACHMENT


NARRATIVE_ASKS = {
    CriterionStatus.MET: N_("Describe what was done and the results achieved, in one message."),
    CriterionStatus.NOT_MET: N_("Describe what was done, what is not achieved yet and why, in one message."),
    CriterionStatus.NOT_YET_DUE: N_("Describe what was done and why the criterion cannot be assessed yet, in one message."),
}
"""What a criterion's text must say, by the status the officer chose."""


class Screens:
    """The screens of one report, in one language, for one messenger."""

    def __init__(self, p: Prompts, ctx: ReportContext, max_file_bytes: int) -> None:
        self.p = p
        self._ = p._
        self.ctx = ctx
        self.max_file_bytes = max_file_bytes

    def intro(self, now: datetime) -> str:
        _ = self._
        lines = [_("Report of {unit} — {campaign}").format(unit=self.ctx.unit_name, campaign=self.ctx.campaign_title)]
        deadline = self.p.deadline_line(self.ctx, now)
        if deadline:
            lines.append(deadline)
        lines += self.p.revision_lines(self.ctx)
        lines.append(_("Every answer is saved as soon as you give it; you can stop and come back with /baocao at any time."))
        return "\n".join(lines)

    def question(self, question: Question, stage: Stage, draft: Draft, step: int, just_saved: Question | None = None) -> Reply:
        """The question at `stage`; `just_saved`, a text answer saved a moment ago, gets a button
        to write more to it."""
        _ = self._
        lines = [self.p.question_header(self.ctx, question)]
        if question.id in self.ctx.needs_revision and self.ctx.return_comment:
            lines += ["", _("✏️ To revise, as your supervisor asked: “{comment}”").format(comment=self.ctx.return_comment)]
        existing = self.ctx.answers.get(question.id)
        if existing and stage is first_stage(question):
            lines += ["", _("Current answer: {answer}").format(answer=self.p.summary(question, existing, 200))]
        previous = self.previous_text(question)
        if previous and takes_text(question, stage) and not draft.text_parts:
            heading = (
                _("Text saved so far; what you send now is added after it:")
                if draft.appending
                else _("Text saved so far (send new text to replace it, or {keep}):").format(keep=self.p.act(KEEP))
            )
            lines += ["", heading, previous]
        lines += ["", self.instruction(question, stage, draft)]
        buttons = self.stage_buttons(question, stage, draft) + self.nav_buttons(question, stage, just_saved)
        return Reply("\n".join(lines), buttons, step)

    def instruction(self, question: Question, stage: Stage, draft: Draft) -> str:
        _ = self._
        mb = self.max_file_bytes // (1024 * 1024)
        if stage is Stage.CARRY:
            carried = self.ctx.carried(question)
            return _("In the previous review ({campaign}) the unit answered:\n{answer}\n\nKeep this answer for this review, or change it?").format(
                campaign=self.ctx.previous_title, answer=self.p.summary(question, carried, 600)
            )
        if stage is Stage.STATUS:
            return _("Choose the unit's self-assessment for this criterion:")
        if stage is Stage.ELIGIBLE:
            return _("Does the unit meet the conditions and standards to be assessed as met?")
        if stage is Stage.NARRATIVE:
            status = CriterionStatus(draft.status) if draft.status in tuple(CriterionStatus) else CriterionStatus.MET
            text = _(NARRATIVE_ASKS[status]) + " " + _("Send {files} as evidence with it or right after it, if there are any (up to {mb} MB each).").format(
                files=self.p.files_wanted(), mb=mb
            )
            return self.with_files_so_far(text, draft)
        kind = question.kind
        if kind is QuestionKind.CHOICE:
            return _("Choose one:")
        if kind is QuestionKind.NUMBER:
            low, high = number_bounds(question)
            return _("Type a whole number from {min} to {max}.").format(min=self.p.fmt.number(low), max=self.p.fmt.number(high))
        if kind is QuestionKind.DATE:
            return _("Type a date as dd/mm/yyyy, for example 25/11/2023.")
        if kind is QuestionKind.ATTACHMENT:
            return self.with_files_so_far(
                _("Send {files} (up to {mb} MB each); {done} when finished.").format(files=self.p.files_wanted(), mb=mb, done=self.p.done),
                draft,
            )
        text = _("Type your answer in one message.")
        if question.min_length:
            text += " " + _("At least {n} characters.").format(n=self.p.fmt.number(question.min_length))
        return text

    def with_files_so_far(self, instruction: str, draft: Draft) -> str:
        if not draft.files:
            return instruction
        return instruction + "\n" + self._("Attached so far: {files}.").format(files=self.p.files_count(len(draft.files)))

    def stage_buttons(self, question: Question, stage: Stage, draft: Draft) -> Buttons:
        _ = self._
        if stage is Stage.CARRY:
            return ((Button(_("Keep as it was"), pack(Kind.CARRY)), Button(_("Change"), pack(Kind.CHANGE))),)
        if stage is Stage.STATUS:
            met, not_met, not_yet = (
                Button(self.p.status_label(status), pack(Kind.STATUS, status.value)) for status in CriterionStatus
            )
            return ((met, not_met), (not_yet,), *self.keep_rows(question, stage, draft))
        if stage is Stage.ELIGIBLE:
            return ((Button(_("Yes"), pack(Kind.ELIGIBLE, 1)), Button(_("No"), pack(Kind.ELIGIBLE, 0))),)
        if question.kind is QuestionKind.CHOICE and stage is Stage.VALUE:
            options = tuple((Button(o.label.get(self.p.locale), pack(Kind.OPTION, o.code)),) for o in question.options)
            return options + self.keep_rows(question, stage, draft)
        return self.done_rows(question, stage, draft) or self.keep_rows(question, stage, draft)

    def keep_rows(self, question: Question, stage: Stage, draft: Draft) -> Buttons:
        """“Keep as it is” (and, for a text, “Write more”) where an answer is saved and nothing new is given."""
        _ = self._
        if not self.ctx.answers.get(question.id) or draft.text_parts or draft.appending:
            return ()
        if stage is not first_stage(question) and not (takes_text(question, stage) and self.previous_text(question)):
            return ()
        row = [Button(_(KEEP), pack(Kind.KEEP), ACTION)]
        if takes_text(question, stage) and self.previous_text(question):
            row.append(Button(_(WRITE_MORE), pack(Kind.APPEND, question.id), ACTION))
        return (tuple(row),)

    def done_rows(self, question: Question, stage: Stage, draft: Draft) -> Buttons:
        """“Done” and “Clear” while something is held that is not saved yet: a text in pieces, or files."""
        _ = self._
        held_text = takes_text(question, stage) and bool(draft.text_parts)
        held_files = question.kind is QuestionKind.ATTACHMENT or bool(draft.files and draft.files != self.existing_files(question.id))
        if not held_text and not held_files:
            return ()
        row = [Button(_(DONE), pack(Kind.DONE), ACTION)] if held_text or question.kind is QuestionKind.ATTACHMENT else []
        if held_text or draft.files:
            row.append(Button(_(CLEAR), pack(Kind.CLEAR), ACTION))
        return (tuple(row),) if row else ()

    def nav_buttons(self, question: Question, stage: Stage, just_saved: Question | None = None) -> Buttons:
        _ = self._
        row = [Button(_("◀ Back"), pack(Kind.BACK), ACTION)]
        if not question.required and stage is first_stage(question):
            row.append(Button(_("Skip ▶"), pack(Kind.SKIP), ACTION))
        row.append(Button(_("Review"), pack(Kind.REVIEW), ACTION))
        rows: Buttons = (tuple(row),)
        if just_saved is not None and just_saved.kind in (QuestionKind.TEXT, QuestionKind.CRITERION) and self.ctx.editable(just_saved):
            label = _("✏️ Write more to {label}").format(label=self.p.ref(self.ctx, just_saved))
            rows += ((Button(label, pack(Kind.APPEND, just_saved.id), ACTION),),)
        return rows

    def review_and_submit(self) -> Buttons:
        _ = self._
        return ((Button(_("Review"), pack(Kind.REVIEW), ACTION), Button(_("Submit report"), pack(Kind.SUBMIT), ACTION)),)

    def previous_text(self, question: Question) -> str:
        value = self.ctx.answers.get(question.id) or {}
        return str(value.get("narrative" if question.kind is QuestionKind.CRITERION else "text", ""))

    def existing_files(self, question_id: str) -> tuple[dict[str, Any], ...]:
        return tuple(f.to_dict() for f in files_of(self.ctx.answers.get(question_id)))

    def pages(self) -> int:
        return max(1, -(-len(self.ctx.form.questions) // REVIEW_PAGE_SIZE))

    def review(self, page: int, step: int) -> Reply:
        """Page `page` (counted from 0, within range) of every answer, with its pager."""
        _ = self._
        questions = self.ctx.form.questions
        pages = self.pages()
        lines = [_("Review — {unit} — page {page}/{pages}").format(unit=self.ctx.unit_name, page=page + 1, pages=pages)]
        lines += [*self.p.revision_lines(self.ctx), ""]
        lines += [self.p.review_item(self.ctx, q) for q in questions[page * REVIEW_PAGE_SIZE : (page + 1) * REVIEW_PAGE_SIZE]]
        if not self.ctx.locked:
            lines += ["", _("To change an answer, type its number (for example 5).")]
        pager = []
        if page > 0:
            pager.append(Button(_("◀ Previous"), pack(Kind.PAGE, page - 1), ACTION))
        if page < pages - 1:
            pager.append(Button(_("Next ▶"), pack(Kind.PAGE, page + 1), ACTION))
        actions = [] if self.ctx.locked else [
            Button(_("Continue"), pack(Kind.RESUME), ACTION), Button(_("Submit report"), pack(Kind.SUBMIT), ACTION),
        ]  # fmt: skip
        return Reply("\n".join(lines), tuple(row for row in (tuple(pager), tuple(actions)) if row), step)

    def unsupported(self) -> str:
        if self.p.surface.buttons:
            return self._("Stickers, voice and similar messages cannot be read. Please answer with text, a button, a photo or a document.")
        return self._("Stickers, voice and similar messages cannot be read. Please answer with text or a photo.")
