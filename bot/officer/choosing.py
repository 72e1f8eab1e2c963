"""The officer's turn: which report an input is for (the one on hand, one a button names, the one
left to file, or a choice among several), read with its answers and made the engine's context;
then the engine answers. And /xuatbaocao, the officer's report as a document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.base import commands
from bot.base.answers import AnswerValue
from bot.base.buttons import Kind, pack
from bot.base.conversation import Mode, Reporting
from bot.base.effects import TurnResult
from bot.base.events import Button
from bot.base.exports import ExportKind
from bot.base.inputs import ButtonInput, CommandInput
from bot.base.records import CampaignRecord, ReportRecord
from bot.base.report_status import LOCKED_STATUSES, ReportStatus
from bot.documents.export_requests import ask_for, export_request
from bot.feature.turn import Turn
from bot.officer.context import report_context
from bot.reporting.engine import Engine
from bot.reporting.no_report import closed_campaign_of, nothing_open
from bot.reporting.prompts import Prompts
from bot.reporting.report import ReportContext

__all__ = ["export_own_report", "report"]


async def report(turn: Turn, engine: Engine) -> TurnResult:
    """The officer's input, to the report it is for."""
    choosing = _Choosing(turn, engine)
    await choosing.route()
    return choosing.out


async def export_own_report(turn: Turn) -> TurnResult:
    """/xuatbaocao from an officer: the report they are on (or would open), as a document to come."""
    assert turn.person_id is not None
    result = turn.result()
    reports = await turn.reads.reports.open_for(turn.person_id, turn.today(), turn.now)
    report = next((r for r in reports if r.id == turn.state.reporting.report_id), reports[0] if reports else None)
    if report is None:
        result.reply(turn.prompts._("There is no report to file for your unit at the moment."))
        return result
    request = export_request(ExportKind.REPORT, report.unit_id, report.campaign_code, turn.chat, turn.prompts)
    for text, effect in await ask_for(turn.reads, [request], turn.prompts):
        result.effects.append(effect)
        result.reply(text)
    return result


class _Choosing:
    def __init__(self, turn: Turn, engine: Engine) -> None:
        self.turn = turn
        self.engine = engine
        self.out = turn.result()

    @property
    def state(self) -> Reporting:
        return self.out.state.reporting

    @property
    def prompts(self) -> Prompts:
        return Prompts(self.out.state.locale, self.turn.zone, self.turn.surface)

    async def route(self) -> None:
        turn, received = self.turn, self.turn.received
        person_id = turn.person_id
        assert person_id is not None
        if self.out.state.supervising.return_draft is not None:  # turning to a report leaves a return unfinished
            self.out.state = replace(self.out.state, supervising=replace(self.out.state.supervising, return_draft=None))
        pressed = received.pressed if isinstance(received, ButtonInput) else None
        if isinstance(received, ButtonInput) and pressed is not None and pressed.kind is Kind.REPORT:
            await self.choose(received.step, pressed.number)
            return
        wants_report = (pressed is not None and pressed.kind is Kind.OPEN) or (
            isinstance(received, CommandInput) and received.spec is commands.REPORT
        )
        on_hand = self.state.report_id
        if on_hand is not None and self.state.mode is not Mode.CHOOSING_REPORT and not wants_report:
            # an answer to the report already open: one query finds it
            with_answers = await turn.reads.reports.current_for(person_id, on_hand, turn.today())
            if with_answers is not None:
                await self.go_on(with_answers.report, with_answers.answers)
                return
        reports = await turn.reads.reports.open_for(person_id, turn.today(), turn.now)
        current = next((r for r in reports if r.id == on_hand), None)
        named = int(pressed.arg) if pressed is not None and pressed.kind is Kind.OPEN and pressed.arg else None
        named_report = next((r for r in reports if r.id == named), None)
        if named_report is not None:
            await self.start(named_report)
            return
        closed = None
        if current is None and on_hand is not None:  # the report on hand is no longer open
            campaigns = (await turn.organisation()).campaigns
            if closed := await closed_campaign_of(turn.reads, campaigns, on_hand, turn.today()):
                self.out.reply(self.prompts.campaign_closed(closed))
            self.out.state = replace(self.out.state, reporting=Reporting())
        if wants_report or current is None or self.state.mode is Mode.CHOOSING_REPORT:
            await self.open(reports, current, closed)
            return
        await self.go_on(current)

    async def go_on(self, report: ReportRecord, answers: Mapping[str, AnswerValue] | None = None) -> None:
        """The officer's input to the report they are on (its answers, if already read)."""
        ctx = await self.context(report, answers)
        self.take(self.engine.handle(ctx, self.out.state, self.turn.received, self.turn.now, self.turn.surface, self.turn.person_id))

    async def open(self, reports: Sequence[ReportRecord], current: ReportRecord | None, closed: CampaignRecord | None) -> None:
        """Opens the one report still to be filed; offers a choice when there are several;
        with none left, shows the current (locked) one so the officer sees its receipt; with
        none at all, what is opening next or what closed (`closed`: already said)."""
        unlocked = [r for r in reports if r.status not in LOCKED_STATUSES]
        if len(unlocked) > 1:
            self.offer(unlocked)
            return
        report = unlocked[0] if unlocked else current or (reports[0] if reports else None)
        if report is None:
            campaigns = (await self.turn.organisation()).campaigns
            self.out.reply(nothing_open(campaigns, self.turn.today(), self.prompts, closed))
            return
        await self.start(report)

    async def start(self, report: ReportRecord) -> None:
        ctx = await self.context(report)
        if self.state.report_id != report.id:
            self.out.state = replace(self.out.state, reporting=Reporting())
        self.take(self.engine.open(ctx, self.out.state, self.turn.now, self.turn.surface, self.turn.person_id))

    def offer(self, reports: list[ReportRecord]) -> None:
        self.out.state = self.out.state.evolve(mode=Mode.CHOOSING_REPORT, report_choices=tuple(r.id for r in reports))
        locale = self.out.state.locale
        rows = tuple((Button(f"{r.campaign_title.get(locale)} — {r.unit_name}", pack(Kind.REPORT, r.id)),) for r in reports)
        self.out.reply(self.prompts._("Which report do you want to work on?"), rows)

    async def choose(self, step: int, chosen: int) -> None:
        if step != self.out.state.step or chosen not in self.state.report_choices:
            self.out.reply(self.prompts._("That button belongs to an earlier message and no longer works."))
            return
        report = await self.turn.reads.reports.get(chosen)
        self.out.state = self.out.state.evolve(report_choices=())
        if report is None:
            self.out.reply(self.prompts._("There is no report to file for your unit at the moment."))
            return
        await self.start(report)

    async def context(self, report: ReportRecord, answers: Mapping[str, AnswerValue] | None = None) -> ReportContext:
        """The report with its answers and, while a first draft still has questions open, last
        campaign's answers (looked for once for a report that has none)."""
        form = self.turn.settings.forms[report.form_id]
        if answers is None:
            answers = await self.turn.reads.reports.answers(report.id)
        previous = None
        if report.status is ReportStatus.DRAFT and len(answers) < len(form) and self.state.without_previous != report.id:
            previous = await self.turn.reads.reports.previous_answers(report.id)
            if previous is None:
                self.out.state = replace(self.out.state, reporting=replace(self.state, without_previous=report.id))
        return report_context(report, form, answers, previous, self.out.state.locale, self.turn.zone)

    def take(self, result: TurnResult) -> None:
        """What the engine produced becomes this turn's."""
        self.out.state = result.state
        self.out.replies += result.replies
        self.out.effects += result.effects
