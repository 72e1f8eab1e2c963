"""The commands that set a province up from its own files: its organisation (units import and
export), its campaigns (load, list, show), its people and their invites (people import, invites
issue)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

from app.cli_text import _
from app.progress import Progress
from app.settings import Settings
from bot.base.forms import Form
from bot.base.i18n import Formatter
from bot.base.records import IssuedInvite, Role
from bot.base.text import fold
from bot.organisation.bulk_invites import bulk_expiry, plan_bulk
from bot.organisation.units import UnitTree
from bot.reporting.prompts import ROLE_LABELS, Prompts

__all__ = [
    "export_units", "form_name", "import_people", "import_units", "issue_invites", "list_campaigns", "load_campaign_file",
    "nobody_to_invite", "show_campaign", "unknown_campaign",
]


async def import_units(args: argparse.Namespace, settings: Settings) -> int:
    """Checks the whole file, prints what changes, and writes it all or nothing."""
    from app.runtime import runtime
    from bot.organisation.unit_import import keeping_demo_marks, plan_changes, read_units_sheet
    from storage.seed import load_units, loaded_units, retire_units

    async with runtime(settings) as rt:
        with Progress(Formatter(settings.locale).number) as progress:
            specs = read_units_sheet(args.file, rt.catalog.unit_kinds.keys(), _, progress.reading(args.file.name))
        async with rt.unit_of_work() as uow:
            loaded = await loaded_units(uow)
        specs, changes = keeping_demo_marks(loaded, specs), plan_changes(loaded, specs)
        for line in changes.lines(_):
            print(line)
        if changes.empty:
            print(_("The organisation already matches {file}; nothing changed.").format(file=args.file.name))
            return 0
        if changes.retires_most and not args.retire:
            print(_("Not imported: the file leaves out {n} of the {active} units in use, more than half. "
                    "Check that it is the whole organisation, or pass --retire to retire them.").format(
                n=len(changes.retired), active=changes.active
            ), file=sys.stderr)
            return 1
        if changes.retired_with_reports and not args.retire:
            print(_("Not imported: {n} units left out of the file have reports ({codes}). Add them back, or pass --retire to retire them.").format(
                n=len(changes.retired_with_reports), codes=", ".join(changes.retired_with_reports)
            ), file=sys.stderr)
            return 1
        if args.dry_run:
            print(_("Dry run: nothing was written."))
            return 0
        with Progress() as progress:
            written = progress.writing(changes.units)
            async with rt.unit_of_work() as uow:
                await load_units(uow, specs, written)
                await retire_units(uow, changes.retired, settings.clock().now(), written)
    print(_("Imported {file}: {units} units, {changed} changes.").format(file=args.file.name, units=len(specs), changed=changes.count))
    return 0


async def export_units(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import runtime
    from app.sheet_files import write_sheet
    from bot.catalog.model import UnitSpec
    from bot.organisation.unit_import import units_sheet_rows
    from storage.seed import list_units as rows_of_units

    async with runtime(settings) as rt, rt.unit_of_work() as uow:
        rows = [row for row in await rows_of_units(uow) if not row.retired]
    write_sheet(args.file, units_sheet_rows([UnitSpec(row.code, row.name, row.kind, row.parent_code, row.demo, row.letterhead) for row in rows]))
    print(_("Wrote {n} units to {file}.").format(n=len(rows), file=args.file))
    return 0


async def load_campaign_file(args: argparse.Namespace, settings: Settings) -> int:
    """Checks the file against the forms and unit kinds, loads it (enrolling the units its rules
    match) and warns of a rule that matches no unit."""
    from app.runtime import runtime
    from bot.catalog.loading import load_campaign
    from bot.catalog.model import CatalogError
    from storage.seed import list_units
    from storage.seed import load_campaign as store_campaign

    async with runtime(settings) as rt:
        spec = load_campaign(args.file, rt.catalog.forms.keys())
        for index, rule in enumerate(spec.enrol):
            if rule.unit_kind not in rt.catalog.unit_kinds:
                raise CatalogError(str(args.file), f"enrol[{index}].unit_kind", _("unknown kind “{kind}”; the kinds are: {kinds}").format(
                    kind=rule.unit_kind, kinds=", ".join(sorted(rt.catalog.unit_kinds))
                ))
        async with rt.unit_of_work() as uow:
            units = [unit for unit in await list_units(uow) if not unit.retired]
            await store_campaign(uow, spec)
            enrolled = len(await uow.reports.enrolments(spec.code))
    for index, rule in enumerate(spec.enrol):
        matched = sum(1 for unit in units if spec.rule_for(unit.kind, unit.code) is rule)
        if not matched:
            print(_("Warning: enrolment rule {n} ({kind} → {form}) matches no unit.").format(
                n=index + 1, kind=rt.catalog.kind_label(rule.unit_kind).get(settings.locale), form=form_name(rt.catalog.form(rule.form_id), settings)
            ))
    fmt = Formatter(settings.locale)
    print(_("Loaded campaign {code}: {n} units enrolled; opens {opens}, report due {due}, {closing}.").format(
        code=spec.code, n=enrolled, opens=fmt.date(spec.opens), due=fmt.date(spec.report_due.due), closing=closing(spec.closes, fmt),
    ))
    return 0


async def list_campaigns(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import runtime

    fmt = Formatter(settings.locale)
    async with runtime(settings) as rt, rt.unit_of_work() as uow:
        campaigns = await uow.units.campaigns()
        counts = {c.code: len(await uow.reports.enrolments(c.code)) for c in campaigns}
    if not campaigns:
        print(_("No campaign is loaded yet: `baocao campaigns load FILE.yaml`."))
    for c in campaigns:
        due = fmt.date(c.report_due) if c.report_due else "–"
        closes = fmt.date(c.closes) if c.closes else "–"
        print(f"{c.code:<24} {fmt.date(c.opens)} → {due} → {closes}  {counts[c.code]:>4}  {c.title.get(settings.locale)}")
    return 0


def closing(closes: date | None, fmt: Formatter) -> str:
    """How a campaign's end reads in a sentence: the day it closes, or that it has none."""
    return _("closes {day}").format(day=fmt.date(closes)) if closes else _("has no closing day")


def form_name(form: Form, settings: Settings) -> str:
    """A form as the administrator reads it (“the 22-criteria form”), not its id."""
    return Prompts(settings.locale, settings.zone).form_name(form)


def unknown_campaign(code: str, codes: Sequence[str]) -> str:
    """The error for a campaign code that names none of `codes`, saying which there are."""
    if not codes:
        return _("Unknown campaign {code}: no campaign is loaded yet (`baocao campaigns load FILE.yaml`).").format(code=code)
    return _("Unknown campaign {code}. Campaigns: {codes}.").format(code=code, codes=", ".join(codes))


async def show_campaign(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import runtime

    fmt = Formatter(settings.locale)
    async with runtime(settings) as rt, rt.unit_of_work() as uow:
        campaigns = {c.code: c for c in await uow.units.campaigns()}
        campaign = campaigns.get(args.code)
        if campaign is None:
            print(unknown_campaign(args.code, list(campaigns)), file=sys.stderr)
            return 1
        forms = Counter(row.form_id for row in await uow.reports.enrolments(campaign.code))
    plan = campaign.reminders
    print(campaign.title.get(settings.locale))
    print(_("Opens {opens}; report due {due}; {closing}.").format(
        opens=fmt.date(campaign.opens), due=fmt.date(campaign.report_due) if campaign.report_due else "–",
        closing=closing(campaign.closes, fmt),
    ))
    print(_("Reminders {days} days before the deadline, at {at}.").format(
        days=", ".join(str(day) for day in plan.days_before), at=plan.at.strftime("%H:%M")
    ))
    for form_id, count in sorted(forms.items()):
        print("   " + _("{form}: {n} units").format(form=form_name(rt.catalog.form(form_id), settings), n=count))
    return 0


async def import_people(args: argparse.Namespace, settings: Settings) -> int:
    """One named invite per person not yet invited or linked on that unit in that role; running
    it again adds only who is new."""
    from app.runtime import runtime
    from bot.organisation.people_import import read_people_sheet
    from storage.seed import list_units, name_signers

    async with runtime(settings) as rt:
        now = settings.clock().now()
        async with rt.unit_of_work() as uow:
            codes = {row.code for row in await list_units(uow) if not row.retired}
        with Progress(Formatter(settings.locale).number) as progress:
            people = read_people_sheet(args.file, codes, _, progress.reading(args.file.name))
        async with rt.unit_of_work() as uow:
            expires = bulk_expiry(await uow.units.campaigns(), now, settings.zone, settings.invite_days)
            ids = {unit.code: unit.id for unit in await uow.units.units()}
            everywhere = list(ids.values())
            known = {(fold(p.full_name), p.unit_id, p.role) for p in await uow.invites.pending(everywhere, now) if p.full_name}
            known |= {(fold(p.full_name), p.unit_id, p.role) for p in await uow.people.linked(everywhere)}
            new = [p for p in people if (fold(p.full_name), ids[p.unit_code], p.role) not in known]
            for person in new:
                await uow.invites.create(person.unit_code, person.role, expires, now, full_name=person.full_name, phone=person.phone)
            signers = {person.unit_code: (person.full_name, person.signs_as) for person in people if person.signs_as}
            await name_signers(uow, signers)
    print(_("Imported {file}: {new} people to invite, {known} already invited or linked.").format(
        file=args.file.name, new=len(new), known=len(people) - len(new)
    ))
    if signers:
        print(_("The reports of {n} units will name who signs them.").format(n=len(signers)))
    print(_("Print or send their invites with `baocao invites issue --scope CODE --out FILE.pdf` (or FILE.xlsx for a workbook)."))
    return 0


async def issue_invites(args: argparse.Namespace, settings: Settings) -> int:
    """Fresh codes for the scope as bot.organisation.bulk_invites plans them, written to every file asked for
    (a PDF to print and a workbook to forward carry the same codes); the codes issued before in
    the scope are withdrawn, so only the newest run's sheets work."""
    from app.invite_sheet import sheet_writer
    from app.runtime import runtime
    from storage.seed import list_units

    outs = list(dict.fromkeys(args.out))  # a file named twice is written once
    writers = [sheet_writer(out, _) for out in outs]  # an unknown suffix is refused before any code is issued or withdrawn
    role = Role(args.role)
    async with runtime(settings) as rt:
        now = settings.clock().now()
        async with rt.unit_of_work() as uow:
            campaigns = await uow.units.campaigns()
            expires = now + timedelta(days=args.days) if args.days else bulk_expiry(campaigns, now, settings.zone, settings.invite_days)
            retired = {row.code for row in await list_units(uow) if row.retired}
            tree = UnitTree(await uow.units.units())
            root = tree.by_code(args.scope)
            if root is None or root.code in retired:
                print(_("Unknown unit {code}. See `baocao units list`.").format(code=args.scope), file=sys.stderr)
                return 1
            units = {unit_id: tree.get(unit_id) for unit_id in tree.subtree([root.id]) if tree.get(unit_id).code not in retired}
            plan = await plan_bulk(uow, campaigns, units, role, now, settings.zone)
            if not plan.wanted:
                print(nobody_to_invite(role, f"{root.name} ({root.code})"), file=sys.stderr)
                return 1
            withdrawn = await uow.invites.withdraw(plan.withdraw, now)
            issued = [
                await uow.invites.create(w.unit.code, role, expires, now, full_name=w.full_name, phone=w.phone) for w in plan.wanted
            ]
        entrances = tuple(entrance for channel in rt.channels if (entrance := channel.entrance()))
    sheet = [
        IssuedInvite(new.unit_code, new.unit_name, w.full_name, w.phone, _(ROLE_LABELS[role]), new.code,
                     tuple(rt.service.invite_links(new.code)), expires.astimezone(settings.zone), entrances)
        for new, w in zip(issued, plan.wanted, strict=True)
    ]
    for out, write_sheet in zip(outs, writers, strict=True):
        write_sheet(out, f"{root.name} ({root.code})", sheet, _)
    print(_("Wrote {n} invites to {file} ({named} for named people); {withdrawn} codes issued before are withdrawn.").format(
        n=len(sheet), file=", ".join(str(out) for out in outs), named=plan.named, withdrawn=withdrawn
    ))
    if not any(invite.qr_link for invite in sheet):
        print(_("Warning: no messenger configured here gives a link, so each QR code holds only “/start CODE”, which no phone opens. "
                "Set TELEGRAM_BOT_TOKEN and TELEGRAM_BOT_USERNAME (a link that carries the code), "
                "or ZALO_BOT_LINK (the Zalo bot's chat, where the code is sent)."), file=sys.stderr)  # fmt: skip
    return 0


def nobody_to_invite(role: Role, scope: str) -> str:
    """Why a sheet would be empty: for officers, every unit that reports has one linked and no
    named person waits; for supervisors (invited only by name), no named person waits."""
    if role is Role.REPORTER:
        return _("Nobody is left to invite in {scope}: every unit that reports in an open campaign has its officer linked "
                 "and nobody named waits for a code. Nothing was written and no code withdrawn.").format(scope=scope)
    return _("No supervisor waits for a code in {scope} (supervisors are invited by name: `baocao people import FILE`). "
             "Nothing was written and no code withdrawn.").format(scope=scope)
