"""`baocao reminders plan [--campaign C] [--json]`: the reminders not yet sent, each with when it
goes out, why (how long before which deadline) and to how many officers and supervisors, as the
scheduler will send them (bot/reminders/plan.py, bot/reminders/composing.py)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from app.cli_text import _, ngettext
from app.organisation import unknown_campaign
from app.settings import Settings
from bot.base.i18n import Formatter
from bot.base.outbox import MessageKind

__all__ = ["reminders_plan"]


async def reminders_plan(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import runtime
    from bot.reminders.composing import ReminderService
    from bot.reminders.plan import SlotKind, sending_times

    fmt = Formatter(settings.locale)
    rows: list[dict[str, Any]] = []  # what --json prints
    async with runtime(settings) as rt:
        service = ReminderService(rt.unit_of_work, rt.catalog.form, settings.zone)
        now = rt.service.clock.now()
        slots = await service.slots(now)
        async with rt.unit_of_work() as uow:
            campaigns = {c.code: c for c in await uow.units.campaigns()}
        if args.campaign and args.campaign not in campaigns:
            print(unknown_campaign(args.campaign, sorted(campaigns)), file=sys.stderr)
            return 1
        named = campaigns.get(args.campaign or "")
        if named is not None and named.closes is not None and named.closed(now.astimezone(settings.zone).date()):
            print(_("{campaign} closed on {day}; nothing is planned for it any more.").format(campaign=named.code, day=fmt.date(named.closes)))
            return 0
        planned = [(c, s) for c, s in slots if not args.campaign or c.code == args.campaign]
        unfired = [(c, s) for c, s in planned if not await service.was_fired(s.key)]
        times = sending_times([s for _c, s in unfired], now, settings.zone)
        for campaign, slot in unfired:
            when = times[slot.key]
            if when is None:
                continue
            messages = await service.preview(slot, campaign, now)
            to_officers = [m for m in messages if m.kind is not MessageKind.DIGEST]
            to_supervisors = [m for m in messages if m.kind is MessageKind.DIGEST]
            if slot.kind is SlotKind.OVERDUE:
                why = _("overdue notice, the day after the deadline of {day}").format(day=fmt.date(slot.due))
            elif slot.days_before:
                why = ngettext(
                    "{n} day before the deadline of {day}", "{n} days before the deadline of {day}", slot.days_before
                ).format(n=slot.days_before, day=fmt.date(slot.due))
            else:
                why = _("on the day of the deadline, {day}").format(day=fmt.date(slot.due))
            rows.append({
                "key": slot.key, "campaign": campaign.code, "kind": slot.kind.value,
                "at": when.astimezone(settings.zone).isoformat(), "why": why,
                "officers": len(to_officers), "supervisors": len(to_supervisors),
                "units": len({m.unit_id for m in to_officers}),
                "names": sorted({m.person_name for m in messages}),
            })
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_("No reminder is planned."))
    for row in rows:
        at = datetime.fromisoformat(row["at"])
        print(f"{fmt.time(at)} {fmt.weekday_date(at)} — {row['campaign']} — {row['why']}")
        print("   " + _("messages to officers: {officers} (units: {units}) · digests to supervisors: {supervisors}").format(**row))
        if row["names"]:
            shown = ", ".join(row["names"][:10])
            more = len(row["names"]) - 10
            print("   " + shown + (" " + _("and {n} more people").format(n=more) if more > 0 else ""))
    return 0
