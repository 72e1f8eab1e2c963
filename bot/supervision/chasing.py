"""Chasing the units that have not reported: /chuanop lists them (paged, closest to done first:
a nudge finishes those soonest), /nhacnho reminds them now (once per unit a day), /guitin tells
what the outbox delivered, what it is still trying to deliver, and who was not reached."""

from __future__ import annotations

from collections.abc import Collection

from bot.base.buttons import Pressed, pack
from bot.base.commands import CommandSpec
from bot.base.effects import Send
from bot.base.events import Button, ButtonRole
from bot.base.i18n import N_
from bot.base.outbox import REMINDER_KINDS, DeliveryState, Ledger, MessageKind, Retrying, Unreached
from bot.base.records import CampaignRecord, Role
from bot.base.report_status import ReportStatus
from bot.base.text import fold
from bot.delivery.lifetimes import end_of_day
from bot.delivery.usage import month_of, usage_line, usage_of
from bot.reminders.composing import Composer, Pending, pending_units
from bot.reporting.prompts import NOT_STARTED, REPORT_STATUS_LABELS
from bot.reporting.standing import UnitStanding, percent
from bot.supervision.desk import LISTED, Desk
from bot.supervision.registry import button, command
from bot.supervision.status import MISSING_PAGE

__all__ = ["DELIVERIES", "MISSING", "REMIND", "deliveries", "missing", "missing_page", "remind"]

MISSING = CommandSpec("chuanop", ("missing",), N_("Units that have not submitted yet: /chuanop [CAMPAIGN]"), "chưa nộp")
REMIND = CommandSpec("nhacnho", ("remind",), N_("Remind every unit that has not submitted, now"), "nhắc nhở")
DELIVERIES = CommandSpec("guitin", ("deliveries",), N_("What reminders were sent, delivered or failed"), "gửi tin")

PAGE_SIZE = 10
ACTION = ButtonRole.ACTION


@command(MISSING, menu=20)
async def missing(desk: Desk, args: str, page: int = 0) -> None:
    _ = desk._
    campaign = await desk.campaign(args)
    if campaign is None:
        return
    questions = desk.questions()
    found = await desk.reads.standing.pending(campaign.code, desk.access.roots, questions, page * PAGE_SIZE, PAGE_SIZE)
    title = desk.title(campaign)
    closed = campaign.closed(desk.today())
    if not found.total:
        desk.say(_("Every enrolled unit in your area has submitted ({campaign}).").format(campaign=title))
        return
    pages = -(-found.total // PAGE_SIZE)
    if not 0 <= page < pages:  # a button of an older message, the list shorter since
        page = min(max(page, 0), pages - 1)
        found = await desk.reads.standing.pending(campaign.code, desk.access.roots, questions, page * PAGE_SIZE, PAGE_SIZE)
    heading = (
        _("Never submitted — {campaign} (closed on {closes}): {n} units (page {page}/{pages})")
        if closed
        else _("Not yet submitted — {campaign}: {n} units (page {page}/{pages})")
    )
    lines = [
        heading.format(campaign=title, closes=desk.p.fmt.date(campaign.closes) if campaign.closes else "", n=found.total, page=page + 1, pages=pages),
        "",
    ]
    officers = await linked_officers(desk, [row.unit_id for row in found.rows])
    for number, row in enumerate(found.rows, start=page * PAGE_SIZE + 1):
        unit = UnitStanding(row, questions[row.form_id], tuple(officers.get(row.unit_id, ())))
        lines.append(f"{number}. {missing_line(desk, unit)}")
    pager = []
    if page > 0:
        pager.append(Button(_("◀ Previous"), pack(MISSING_PAGE, page - 1, campaign.code), ACTION))
    if page < pages - 1:
        pager.append(Button(_("Next ▶"), pack(MISSING_PAGE, page + 1, campaign.code), ACTION))
    desk.say("\n".join(lines), (tuple(pager),) if pager else ())


@button(MISSING_PAGE)
async def missing_page(desk: Desk, pressed: Pressed) -> None:
    await missing(desk, pressed.campaign, pressed.number)


async def linked_officers(desk: Desk, unit_ids: Collection[int]) -> dict[int, list[str]]:
    """The names of the officers with a chat who report for each of these units."""
    named: dict[int, list[str]] = {}
    for person in await desk.reads.people.linked(unit_ids):
        if person.role is Role.REPORTER and person.linked_chats:
            named.setdefault(person.unit_id, []).append(person.full_name)
    return named


def missing_line(desk: Desk, unit: UnitStanding) -> str:
    _ = desk._
    record = desk.tree.get(unit.row.unit_id)
    parent = desk.tree.get(record.parent_id).name if record.parent_id is not None and record.parent_id in desk.tree else ""
    parts = [
        f"{record.name}" + (f" ({parent})" if parent else ""),
        _("{percent}% ({answered}/{total})").format(percent=percent(unit.progress), answered=unit.row.answered, total=unit.questions)
        if unit.started
        else _(NOT_STARTED),
    ]
    if unit.row.status is ReportStatus.RETURNED:
        parts.append(_(REPORT_STATUS_LABELS[ReportStatus.RETURNED]))
    if unit.row.last_activity:
        parts.append(_("last activity {time}").format(time=desk.p.when(unit.row.last_activity)))
    parts.append(_("officer: {names}").format(names=", ".join(unit.linked_names)) if unit.linked_names else _("no officer linked"))
    return " — ".join(parts[:2]) + " · " + " · ".join(parts[2:])


@command(REMIND, menu=110)
async def remind(desk: Desk, args: str) -> None:
    """Reminds the pending units in scope now; a unit at most once a day."""
    _ = desk._
    campaign = await desk.campaign(args)
    if campaign is None or campaign.report_due is None:
        return
    if campaign.closed(desk.today()):
        assert campaign.closes is not None
        desk.say(_("“{campaign}” closed on {day}; its units are no longer reminded.").format(
            campaign=desk.title(campaign), day=desk.p.fmt.date(campaign.closes)
        ))
        return
    day_key = f"manual/{campaign.code}/{desk.today().isoformat()}/"
    pending = await pending_units(desk.reads, campaign.code, desk.access.unit_ids)
    already = await desk.reads.outbox.units_with_key([u.row.unit_id for u in pending], day_key)
    todo = [unit for unit in pending if unit.row.unit_id not in already]
    composer = Composer(campaign, {u.row.unit_id: desk.tree.get(u.row.unit_id).name for u in pending}, desk.forms, desk.p.zone, desk.now,
        end_of_day(desk.now, desk.p.zone),
    )  # fmt: skip
    messages = [
        composer.to_reporter(f"{day_key}{unit.row.unit_id}", MessageKind.MANUAL, unit, person, overdue(desk, unit, campaign))
        for unit in todo
        for person in unit.reporters
    ]
    desk.out.effects += [Send(message) for message in messages]
    reached = [unit for unit in todo if unit.reporters]
    unlinked = [desk.tree.get(unit.row.unit_id).name for unit in todo if not unit.reporters]
    for unit in reached:
        desk.audit("reminded", desk.tree.get(unit.row.unit_id), unit.row.report_id)
    lines = [_("Reminders queued — {campaign}: {messages} messages to {units} units that have not submitted.").format(
        campaign=desk.title(campaign), messages=len(messages), units=len(reached)
    )]
    if already:
        lines.append(desk.p.ngettext(
            "{n} unit was already reminded today and is not reminded again.",
            "{n} units were already reminded today and are not reminded again.",
            len(already),
        ).format(n=len(already)))
    if unlinked:
        lines.append(desk.p.ngettext(
            "{n} unit has nobody linked, so nobody can be reminded there:",
            "{n} units have nobody linked, so nobody can be reminded there:",
            len(unlinked),
        ).format(n=len(unlinked)))
        lines += [f"• {name}" for name in sorted(unlinked, key=fold)]
    lines.append(_("See what was delivered with /guitin."))
    desk.say("\n".join(lines))


def overdue(desk: Desk, unit: Pending, campaign: CampaignRecord) -> bool:
    due = unit.row.report_due(campaign.report_due)
    return due is not None and desk.today() > due


@command(DELIVERIES, menu=130)
async def deliveries(desk: Desk, args: str) -> None:
    _ = desk._
    campaign = await desk.campaign(args)
    if campaign is None:
        return
    ledger = await desk.reads.outbox.ledger(campaign.code, desk.access.unit_ids)
    reminders = totals(ledger, REMINDER_KINDS)
    notices = totals(ledger, {MessageKind.NOTICE})
    lines = [
        _("Reminders — {campaign}").format(campaign=desk.title(campaign)),
        _("Reminders in all: {n}").format(n=sum(reminders.values())),
        _("Delivered: {n}").format(n=reminders[DeliveryState.SENT]),
        _("Waiting to be sent: {n}").format(n=reminders[DeliveryState.PENDING] + reminders[DeliveryState.SENDING]),
        _("Failed: {n}").format(n=reminders[DeliveryState.FAILED]),
        _("Bot blocked by the person: {n}").format(n=reminders[DeliveryState.BLOCKED]),
        _("Never started the bot: {n}").format(n=reminders[DeliveryState.NEVER_STARTED]),
    ]
    if reminders[DeliveryState.OUTSIDE_WINDOW]:
        lines.append(_("Outside the messenger's window (the person has not written to the bot lately): {n}").format(n=reminders[DeliveryState.OUTSIDE_WINDOW]))
    if reminders[DeliveryState.EXPIRED]:
        lines.append(_("No longer sent (its deadline passed, or a newer reminder took its place): {n}").format(n=reminders[DeliveryState.EXPIRED]))
    unreachable = sum(notices[state] for state in (DeliveryState.BLOCKED, DeliveryState.NEVER_STARTED, DeliveryState.OUTSIDE_WINDOW))
    notices_line = _("Notices to officers (returned, approved): {n} · delivered {sent} · waiting {waiting} · unreachable {unreachable} · other failures {failed}").format(
        n=sum(notices.values()),
        sent=notices[DeliveryState.SENT],
        waiting=notices[DeliveryState.PENDING] + notices[DeliveryState.SENDING],
        unreachable=unreachable,
        failed=notices[DeliveryState.FAILED],
    )
    if notices[DeliveryState.EXPIRED]:
        notices_line += " · " + _("expired unsent {n}").format(n=notices[DeliveryState.EXPIRED])
    lines += ["", notices_line]
    retrying = await desk.reads.outbox.retrying(campaign.code, desk.access.unit_ids)
    if retrying:
        heading = _("Being tried again after the messenger failed ({n}):").format(n=len(retrying))
        lines += ["", heading, *listed(desk, [retrying_line(desk, message) for message in retrying])]
    unreached = await desk.reads.outbox.unreached(campaign.code, desk.access.unit_ids)
    if unreached:
        heading = _("Not reached by the latest message ({n}):").format(n=len(unreached))
        lines += ["", heading, *listed(desk, [unreached_line(desk, person) for person in unreached])]
    if desk.access.administers and (usage := await usage_lines(desk)):
        lines += ["", *usage]
    desk.say("\n".join(lines))


async def usage_lines(desk: Desk) -> list[str]:
    """What each channel sent this month against its plan, for the administrators who pay it."""
    month = month_of(desk.now, desk.p.zone)
    usages = usage_of(
        await desk.reads.usage.sent(month), await desk.reads.usage.linked_users(), desk.settings.quotas,
        desk.settings.channel_label, desk.now, desk.p.zone,
    )  # fmt: skip
    if not usages:
        return []
    return [desk._("Messages sent this month, against each platform's quota:"), *(f"• {usage_line(u, desk._, desk.p.fmt)}" for u in usages)]


UNREACHED_REASONS = {
    DeliveryState.FAILED: N_("sending failed"),
    DeliveryState.BLOCKED: N_("has blocked the bot"),
    DeliveryState.NEVER_STARTED: N_("never started the bot"),
    DeliveryState.OUTSIDE_WINDOW: N_("has not written to the bot lately, so the messenger does not let it write"),
    DeliveryState.EXPIRED: N_("could not be sent before it stopped mattering"),
}


def listed(desk: Desk, lines: list[str]) -> list[str]:
    """The first LISTED lines, and how many more there are."""
    more = [desk._("and {n} more").format(n=len(lines) - LISTED)] if len(lines) > LISTED else []
    return lines[:LISTED] + more


def unreached_line(desk: Desk, person: Unreached) -> str:
    return "• " + desk._("{name} ({unit}): {reason}, {time}").format(
        name=person.person_name, unit=desk.tree.get(person.unit_id).name,
        reason=desk._(UNREACHED_REASONS[person.state]), time=desk.p.when(person.at),
    )


ERROR_SHOWN = 120
"""Characters of a platform's error shown in /guitin: enough to tell a timeout from an outage."""


def retrying_line(desk: Desk, message: Retrying) -> str:
    """"• Name (unit): retrying since 09:14, last error: …"; the day too when it is not today's."""
    since = message.since.astimezone(desk.p.zone)
    time = desk.p.fmt.time(since) if since.date() == desk.today() else desk.p.when(since)
    return "• " + desk._("{name} ({unit}): retrying since {time}, last error: {error}").format(
        name=message.person_name, unit=desk.tree.get(message.unit_id).name, time=time, error=message.error[:ERROR_SHOWN],
    )


def totals(ledger: Ledger, kinds: Collection[MessageKind]) -> dict[DeliveryState, int]:
    """The ledger's counts per state, summed over these kinds of message."""
    return {state: sum(ledger[kind][state] for kind in kinds) for state in DeliveryState}
