"""Extending one unit's deadline: /giahan Nghi Hải 05/12/2023 [campaign]. From then on the unit
answers to its own date (what its officers see, its reminders, whether it is late) and the other
units keep the campaign's. Giving the campaign's own date puts the unit back on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.base.commands import CommandSpec
from bot.base.effects import ExtendDeadline
from bot.base.i18n import N_
from bot.base.records import CampaignRecord, Enrolment
from bot.base.text import DateFormatError, ImpossibleDateError, parse_date
from bot.supervision.desk import Desk
from bot.supervision.registry import command

__all__ = ["EXTEND", "extend"]

EXTEND = CommandSpec("giahan", ("extend",), N_("Extend one unit's deadline, e.g. /giahan Nghi Hải 05/12/2023"), "gia hạn")


@command(EXTEND, menu=120)
async def extend(desk: Desk, args: str) -> None:
    _ = desk._
    found = await desk.campaign_after(args)
    if found is None:
        return
    rest, campaign = found
    if campaign.report_due is None:
        desk.say(_("{campaign} has no report deadline to extend.").format(campaign=desk.title(campaign)))
        return
    *unit_words, written = rest.split() or [""]
    usage = _("Name the unit and the new deadline, for example /giahan Nghi Hải 05/12/2023.")
    try:
        day = parse_date(written, years=(campaign.report_due.year, campaign.report_due.year + 1))
    except ImpossibleDateError:
        desk.say(_("There is no such day as {text}. Check the day and month.").format(text=written))
        return
    except DateFormatError:
        desk.say(usage)
        return
    if not unit_words:
        desk.say(usage)
        return
    unit = desk.resolve(" ".join(unit_words), EXTEND, campaign)
    standing = await desk.report_of(unit, campaign) if unit else None
    if unit is None or standing is None:
        return
    enrolment, report = standing
    current = enrolment.report_due(campaign.report_due)
    assert current is not None
    problem = refusal(desk, campaign, day, current)
    if problem:
        desk.say(problem)
        return
    desk.out.effects.append(ExtendDeadline(campaign.code, unit.id, None if day == campaign.report_due else day))
    desk.audit("deadline_extended", unit, report.id if report else None, campaign=campaign.code, due=day.isoformat(), previous=current.isoformat())

    def notice(gettext: Callable[[str], str], title: str) -> str:
        return gettext("⏳ The deadline of {unit} for “{campaign}” is now {day}.").format(
            unit=unit.name, campaign=title, day=desk.p.fmt.date(day)
        )

    told = await desk.tell_reporters(unit, campaign.code, campaign.title, f"deadline/{campaign.code}/{unit.id}", notice)
    lines = [
        _("⏳ The deadline of {unit} — {campaign} is now {day} (it was {before}; the campaign's is {common}).").format(
            unit=unit.name, campaign=desk.title(campaign), day=desk.p.fmt.date(day),
            before=desk.p.fmt.date(current), common=desk.p.fmt.date(campaign.report_due),
        ),
        submitted_note(desk, enrolment) or _("Its reminders follow the new date."),
        desk.notified(told),
    ]  # fmt: skip
    desk.say("\n".join(lines))


def refusal(desk: Desk, campaign: CampaignRecord, day: date, current: date) -> str | None:
    """Why the unit cannot be given this deadline, or None. A deadline is extended, never
    brought forward past the campaign's, never into the past, never past the closing day."""
    _ = desk._
    fmt = desk.p.fmt.date
    assert campaign.report_due is not None
    if campaign.closed(desk.today()):
        assert campaign.closes is not None
        return _("“{campaign}” closed on {closes}; its deadlines can no longer be changed.").format(
            campaign=desk.title(campaign), closes=fmt(campaign.closes)
        )
    if day == current:
        return _("The deadline of this unit is already {day}; nothing was changed.").format(day=fmt(day))
    if day < campaign.report_due:
        return _("A deadline can only be extended: {day} is before the campaign's deadline of {common}.").format(
            day=fmt(day), common=fmt(campaign.report_due)
        )
    if day < desk.today() and day != campaign.report_due:
        return _("{day} has already passed; give a later date.").format(day=fmt(day))
    if campaign.closes is not None and day > campaign.closes:
        return _("{campaign} closes on {closes}; a deadline can be extended to that day at the latest.").format(
            campaign=desk.title(campaign), closes=fmt(campaign.closes)
        )
    return None


def submitted_note(desk: Desk, enrolment: Enrolment) -> str | None:
    if enrolment.submitted_at is None:
        return None
    return desk._("The unit has already submitted; the new date counts if its report is returned.")
