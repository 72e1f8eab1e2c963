"""`baocao usage`: each channel's messages this month against its quota, and with --plan what a
campaign will take, per channel, before it starts (bot/delivery/usage.py, bot/delivery/campaign_cost.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from app.cli_text import _
from app.organisation import form_name, unknown_campaign
from app.settings import Settings
from bot.base.forms import Form
from bot.base.i18n import Formatter
from bot.base.records import Role
from bot.delivery.campaign_cost import CampaignCost, campaign_cost, messages_per_report
from bot.delivery.usage import Quota, month_of, usage_line, usage_of

__all__ = ["usage"]

NOT_LINKED = ""
"""The channel of an enrolled unit nobody is linked to yet: one officer is assumed."""


async def usage(args: argparse.Namespace, settings: Settings) -> int:
    from app.channels import CHANNELS
    from app.runtime import runtime

    fmt = Formatter(settings.locale)
    async with runtime(settings) as rt, rt.unit_of_work() as uow:
        labels = {plugin.name: plugin.label for plugin in CHANNELS} | rt.usage.labels
        now = rt.service.clock.now()
        usages = usage_of(
            await uow.usage.sent(month_of(now, settings.zone)), await uow.usage.linked_users(), rt.usage.quotas,
            lambda name: labels.get(name, name), now, settings.zone,
        )  # fmt: skip
        plan = None
        if args.plan is not None:
            campaigns = {campaign.code: campaign for campaign in await uow.units.campaigns()}
            campaign = campaigns.get(args.plan)
            if campaign is None:
                print(unknown_campaign(args.plan, list(campaigns)), file=sys.stderr)
                return 1
            enrolled = await uow.reports.enrolments(campaign.code)
            officers = await uow.people.recipients(Role.REPORTER, [row.unit_id for row in enrolled])
            forms: dict[str, list[Form]] = {}
            for row in enrolled:
                for channel in [person.channel for person in officers.get(row.unit_id, ())] or [NOT_LINKED]:
                    forms.setdefault(channel, []).append(rt.catalog.form(row.form_id))
            plan = (campaign, campaign_cost(forms, campaign.reminders), sorted({row.form_id for row in enrolled}))
    print(_("Messages sent this month, against each platform's quota:"))
    for line in [usage_line(u, _, fmt) for u in usages] or [_("none counted yet")]:
        print(f"• {line}")
    if plan is None:
        return 0
    campaign, costs, form_ids = plan
    print()
    print(_("What {campaign} will take, if every officer files a whole report:").format(campaign=campaign.title.get(settings.locale)))
    per_report = [f"{form_name(rt.catalog.form(form_id), settings)}: {fmt.number(messages_per_report(rt.catalog.form(form_id)))}" for form_id in form_ids]
    print("   " + _("messages a report takes, by form: {forms}").format(forms=", ".join(per_report)))
    for cost in sorted(costs, key=lambda cost: (cost.channel == NOT_LINKED, labels.get(cost.channel, cost.channel))):
        print(f"• {cost_line(cost, labels, rt.usage.quotas, fmt)}")
    total = sum(cost.total for cost in costs)
    print(_("In all: {n} messages").format(n=fmt.number(total)))
    return 0


def cost_line(cost: CampaignCost, labels: Mapping[str, str], quotas: Mapping[str, Quota], fmt: Formatter) -> str:
    number = fmt.number
    who = (
        _("not yet linked: {n} units, one officer each").format(n=number(cost.officers))
        if cost.channel == NOT_LINKED
        else _("{channel}: {n} officers").format(channel=labels.get(cost.channel, cost.channel), n=number(cost.officers))
    )
    line = _("{who} · reports {answering} · reminders {reminders} · notices {notices} = {total} messages").format(
        who=who, answering=number(cost.answering), reminders=number(cost.reminders), notices=number(cost.notices), total=number(cost.total)
    )
    quota = quotas.get(cost.channel, Quota()).monthly
    return line + (" " + _("(the plan allows {quota} a month)").format(quota=number(quota)) if quota else "")
