"""The `baocao` command line (README, "Command line").

The layers that touch a database or a platform are imported inside the commands that use them,
so `baocao --help` answers at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import asdict, replace
from datetime import timedelta
from pathlib import Path

from app import exporting, organisation, reminder_plan, usage_report, zalo_oa_admin
from app.cli_errors import problem
from app.cli_text import Parser, _, argparse_speaking, cli_locale
from app.exporting import SUFFIXES
from app.settings import MAX_INVITE_DAYS, Settings
from bot.base.i18n import Formatter
from bot.base.records import Role
from bot.base.text import parse_whole_number
from bot.reporting.prompts import ROLE_LABELS

__all__ = ["build_parser", "main"]

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Runs one command; whatever goes wrong is one line in the user's language and a non-zero
    exit code (the traceback is logged with --verbose)."""
    cli_locale.cache_clear()  # BAOCAO_LOCALE as it is now, for every command run in this process
    with argparse_speaking():
        parser = build_parser()
        args = parser.parse_args(argv)
        if not hasattr(args, "command"):
            parser.print_help()
            return 2
    # The long-running bot logs what it does; one-shot commands and the console stay quiet.
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO if args.command is run_bot else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for chatty in ("httpx", "alembic"):  # a line per HTTP call, per migration plug-in: they drown the rest
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        return asyncio.run(args.command(args, Settings()))
    except (KeyboardInterrupt, BrokenPipeError):
        return 130
    except Exception as error:
        log.debug("baocao %s failed", " ".join(argv or sys.argv[1:]), exc_info=True)
        print(problem(error), file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="baocao", description=_("Field reporting bot: Zalo, Telegram and the terminal console."))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("log every step, and the details of an error"))
    commands = parser.add_subparsers(title=_("commands"), metavar=_("COMMAND"))

    db = command_group(commands, "db", _("database schema"))
    db.add_parser("upgrade", help=_("create or migrate the database")).set_defaults(command=db_upgrade)

    seed = command_group(commands, "seed", _("load example data"))
    demo_help = _("load the Nghệ An demo province: a rehearsal campaign dated around today, and the 2023 reviews as history")
    seed.add_parser("demo", help=demo_help).set_defaults(command=seed_demo)

    units = command_group(commands, "units", _("organisation units"))
    units_list = units.add_parser("list", help=_("list units with their kind, parent and forms"))
    units_list.add_argument("--json", action="store_true", help=_("print JSON"))
    units_list.set_defaults(command=list_units)
    units_import = units.add_parser("import", help=_("load the whole organisation from an XLSX or CSV file (code, name, kind, parent code)"))
    units_import.add_argument("file", type=Path)
    units_import.add_argument("--dry-run", action="store_true", help=_("only print what would change"))
    units_import.add_argument("--retire", action="store_true", help=_("also retire units the file leaves out that have reports"))
    units_import.set_defaults(command=organisation.import_units)
    units_export = units.add_parser("export", help=_("write the organisation to an XLSX or CSV file that units import reads"))
    units_export.add_argument("file", type=output_file)
    units_export.set_defaults(command=organisation.export_units)

    campaigns = command_group(commands, "campaigns", _("review campaigns"))
    campaigns_load = campaigns.add_parser("load", help=_("check and load a campaign file the province owns (YAML)"))
    campaigns_load.add_argument("file", type=Path)
    campaigns_load.set_defaults(command=organisation.load_campaign_file)
    campaigns.add_parser("list", help=_("list the campaigns with their dates")).set_defaults(command=organisation.list_campaigns)
    campaigns_show = campaigns.add_parser("show", help=_("one campaign: dates, reminders, enrolment"))
    campaigns_show.add_argument("code")
    campaigns_show.set_defaults(command=organisation.show_campaign)

    people = command_group(commands, "people", _("the province's officers"))
    people_import = people.add_parser("import", help=_("import officers from an XLSX or CSV file (name, phone, unit code, role) to invite them by name"))
    people_import.add_argument("file", type=Path)
    people_import.set_defaults(command=organisation.import_people)
    invites = command_group(commands, "invites", _("invites in bulk"))
    issue = invites.add_parser("issue", help=_("a sheet of fresh invites (codes, links, QR codes) for a unit and everything below it"))
    issue.add_argument("--scope", required=True, type=unit_code, help=_("unit code, e.g. NA-CL (any case)"))
    issue.add_argument("--role", choices=[Role.REPORTER.value, Role.SUPERVISOR.value], default=Role.REPORTER.value)
    issue.add_argument("--days", type=positive_days, default=None, help=_("days until the codes expire (default: until the open campaigns close)"))
    issue.add_argument("--out", required=True, action="append", type=output_file,
                       help=_("the file to write: .xlsx for a workbook, .pdf for printing; give --out twice for both, with the same codes"))
    issue.set_defaults(command=organisation.issue_invites)

    export = commands.add_parser("export", help=_("write a report, the area's summary, workbook or chart to a file"))
    export.add_argument("kind", choices=list(SUFFIXES), help=_("docx: a unit's report (--unit) or the summary of the scope; xlsx: the workbook; chart: a PNG"))
    export.add_argument("--scope", required=True, type=unit_code, help=_("unit code, e.g. NA-CL (any case)"))
    export.add_argument("--unit", type=unit_code, default=None, help=_("with docx: this unit's own report (within the scope)"))
    export.add_argument(
        "--campaign", default=None, help=_("campaign code (default: the open one whose deadline is nearest, else the next to open, else the last closed)")
    )
    export.add_argument("--out", required=True, type=output_file, help=_("the file to write"))
    export.set_defaults(command=exporting.export)

    invite = commands.add_parser("invite", help=_("make a one-time code that links a chat to a unit"))
    invite.add_argument("--unit", required=True, type=unit_code, help=_("unit code, e.g. CAP-CL-NGHIHAI (any case)"))
    invite.add_argument("--role", choices=[r.value for r in Role], default=Role.REPORTER.value)
    invite.add_argument("--days", type=positive_days, default=None, help=_("days until the code expires"))
    invite.add_argument("--json", action="store_true", help=_("print JSON"))
    invite.set_defaults(command=make_invite)

    run = commands.add_parser("run", help=_("run every configured channel, the reminder sender and the scheduler"))
    run.add_argument("--webhook", action="store_true", help=_("receive updates by webhook where a channel has webhook settings"))
    run.set_defaults(command=run_bot)

    console = commands.add_parser("console", help=_("chat with the bot in the terminal, no token needed"))
    console.add_argument("--as", dest="as_unit", metavar="CODE", type=unit_code, help=_("act as an officer of this unit"))
    console.add_argument("--role", choices=[r.value for r in Role], default=Role.REPORTER.value, help=_("the role to act in"))
    console.add_argument("--zalo", action="store_true", help=_("show the conversation as a Zalo officer sees it: no buttons, typed answers"))
    console.set_defaults(command=run_console)

    reminders = command_group(commands, "reminders", _("deadline reminders"))
    plan = reminders.add_parser("plan", help=_("list upcoming reminders: when, to whom and why"))
    plan.add_argument("--campaign", help=_("only this campaign (code)"))
    plan.add_argument("--json", action="store_true", help=_("print JSON"))
    plan.set_defaults(command=reminder_plan.reminders_plan)

    usage = commands.add_parser("usage", help=_("messages each messenger sent this month against its quota"))
    usage.add_argument("--plan", metavar="CAMPAIGN", help=_("also estimate the messages this campaign will take, per messenger"))
    usage.set_defaults(command=usage_report.usage)

    oa = command_group(commands, "zalo-oa", _("the province's Zalo Official Account"))
    authorize = oa.add_parser("authorize", help=_("store the Official Account's first token pair, from the refresh token on its admin page"))
    authorize.add_argument("--refresh-token", required=True, help=_("the refresh token the Official Account's admin page gives; write --refresh-token=TOKEN, as a token may start with “-”"))
    authorize.set_defaults(command=zalo_oa_admin.authorize)
    oa.add_parser("status", help=_("whether the bot holds a usable token for the Official Account")).set_defaults(command=zalo_oa_admin.status)

    forms = command_group(commands, "forms", _("report forms"))
    forms_list = forms.add_parser("list", help=_("list the forms and their questions count"))
    forms_list.add_argument("--json", action="store_true", help=_("print JSON"))
    forms_list.set_defaults(command=list_forms)
    forms_import = forms.add_parser("import", help=_("load official criterion texts from an XLSX or CSV file"))
    forms_import.add_argument("file", type=Path)
    forms_import.add_argument("--form", required=True, help=_("form id, e.g. cap-22"))
    forms_import.set_defaults(command=import_form)
    return parser


def command_group(commands: argparse._SubParsersAction, name: str, help: str) -> argparse._SubParsersAction:
    """`baocao NAME SUBCOMMAND`: NAME alone is an error that lists its subcommands."""
    return commands.add_parser(name, help=help).add_subparsers(title=_("commands"), required=True)


def positive_days(text: str) -> int:
    """--days: a whole number from 1 to MAX_INVITE_DAYS, as people write it ("7", "1.000")."""
    days = parse_whole_number(text)
    if days is None or not 1 <= days <= MAX_INVITE_DAYS:
        raise argparse.ArgumentTypeError(_("expected a whole number of days from 1 to {max}, not “{text}”").format(max=MAX_INVITE_DAYS, text=text))
    return days


def output_file(text: str) -> Path:
    """A file a command writes: its folder must exist, checked before anything is done (no code
    issued for a sheet that cannot be written), and named when it does not."""
    path = Path(text)
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(_("there is no folder {folder} to write {file} in").format(folder=path.parent, file=text))
    return path


def unit_code(text: str) -> str:
    """Unit codes are stored in capitals; people type them in any case, spaces around."""
    return text.strip().upper()


async def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from app.database import missing_folder, opened_database
    from storage.migrate import upgrade

    folder = missing_folder(settings.database_url)
    if folder is not None and folder.parent.is_dir():  # one folder is made, as for `data/baocao.db`; a deeper miss is a typo
        folder.mkdir()
        print(_("Created the folder {folder} for the database.").format(folder=folder))
    async with opened_database(settings.database_url):  # a wrong URL or a server that is down, said as such
        before, after = await upgrade(settings.database_url)
    if before is None:
        print(_("Database created (schema revision {after}).").format(after=after))
    elif before != after:
        print(_("Database migrated from revision {before} to {after}.").format(before=before, after=after))
    else:
        print(_("Database is up to date (revision {after}); nothing to do.").format(after=after))
    return 0


async def seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from app.organisation import closing
    from app.runtime import runtime
    from storage.demo_seed import load_demo
    from storage.seed import list_units as rows_of_units

    today = settings.clock().now().astimezone(settings.zone).date()
    async with runtime(settings) as rt:
        async with rt.unit_of_work() as uow:
            replayed = await load_demo(uow, rt.catalog, today, settings.zone)
        async with rt.unit_of_work() as uow:
            rows = await rows_of_units(uow)
    enrolments = sum(len(row.forms) for row in rows)
    print(_("Demo province loaded: {units} units, {enrolments} campaign enrolments.").format(units=len(rows), enrolments=enrolments))
    fmt = Formatter(settings.locale)
    if replayed is None:
        print(_("No rehearsal campaign: on {today} the catalog's own campaigns are the live ones.").format(today=fmt.date(today)))
    else:
        print(_("Rehearsal campaign {code}: opened {opens}, report due {due}, {closing}; some units' 2023 reports are filed.").format(
            code=replayed.code, opens=fmt.date(replayed.opens), due=fmt.date(replayed.report_due.due), closing=closing(replayed.closes, fmt),
        ))
    return 0


async def list_units(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import runtime
    from storage.seed import list_units as rows_of_units

    async with runtime(settings) as rt, rt.unit_of_work() as uow:
        rows = await rows_of_units(uow)
    if args.json:
        print(json.dumps([asdict(row) for row in rows], ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        forms = ", ".join(f"{campaign}: {form}" for campaign, form in row.forms.items())
        marks = (" [demo]" if row.demo else "") + (" [" + _("retired") + "]" if row.retired else "")
        print(f"{row.code:<20} {row.kind:<8} {row.parent_code or '-':<10} {row.name}{marks}  {forms}")
    return 0


async def make_invite(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import runtime

    async with runtime(settings) as rt:
        now = settings.clock().now()
        days = args.days or settings.invite_days
        try:
            async with rt.unit_of_work() as uow:
                invite = await uow.invites.create(args.unit, Role(args.role), now + timedelta(days=days), now)
        except LookupError:
            print(_("Unknown unit {code}. See `baocao units list`.").format(code=args.unit), file=sys.stderr)
            return 1
        links = rt.service.invite_links(invite.code)
    expires = invite.expires_at.astimezone(settings.zone)
    if args.json:
        print(json.dumps({
            "code": invite.code, "unit": invite.unit_code, "unit_name": invite.unit_name,
            "role": invite.role.value, "expires_at": expires.isoformat(),
            "links": [{"channel": link.channel, "url": link.url} for link in links],
            "deep_link": links[0].url if links else None,
        }, ensure_ascii=False))
        return 0
    print(_("Invite for {unit} ({role}): {code}").format(unit=invite.unit_name, role=_(ROLE_LABELS[invite.role]), code=invite.code))
    print(_("The officer sends: /start {code}").format(code=invite.code))
    for link in links:
        print(_("or opens on {channel}: {link}").format(channel=link.channel, link=link.url))
    if not links:
        print(_("For a link that opens the bot with the code, set TELEGRAM_BOT_TOKEN and TELEGRAM_BOT_USERNAME; "
                "otherwise (and always on Zalo) the officer sends the line above to the bot."))
    print(_("Valid once, until {time}.").format(time=Formatter(settings.locale).datetime(expires)))
    return 0


async def run_bot(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import runtime, serve

    async with runtime(settings) as rt:
        if not rt.channels:
            print(_("No channel is configured: set TELEGRAM_BOT_TOKEN or ZALO_BOT_TOKEN (or use `baocao console`)."), file=sys.stderr)
            return 2
        await serve(rt, webhook=args.webhook)
    return 0


async def run_console(args: argparse.Namespace, settings: Settings) -> int:
    from app.console import console_session

    return await console_session(settings, args.as_unit, Role(args.role), text_only=args.zalo)


async def list_forms(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import runtime

    async with runtime(settings) as rt:
        forms = [
            {"id": f.id, "version": f.version, "title": f.title.get(settings.locale), "questions": len(f), "criteria": f.criteria_count}
            for f in rt.catalog.forms.values()
        ]
    if args.json:
        print(json.dumps(forms, ensure_ascii=False, indent=2))
        return 0
    for form in forms:
        print(f"{form['id']:<10} v{form['version']:<6} {form['questions']:>3} {form['title']}")
    return 0


async def import_form(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import runtime
    from bot.catalog.form_import import read_criteria_sheet
    from storage.catalog_overrides import save_override

    async with runtime(settings) as rt:
        if args.form not in rt.catalog.forms:
            print(_("Unknown form {form}. Forms: {forms}.").format(form=args.form, forms=", ".join(rt.catalog.forms)), file=sys.stderr)
            return 1
        current = rt.catalog.criteria_set_of(args.form)
        if current is None:
            print(_("Form {form} has no criteria set to import into.").format(form=args.form), file=sys.stderr)
            return 1
        imported = read_criteria_sheet(args.file, current, _)
        if replace(imported, version=current.version) == current:
            print(_("The texts in {file} are those {form} already has; nothing changed.").format(file=args.file.name, form=args.form))
            return 0
        await save_override(rt.unit_of_work, imported, source=args.file.name, now=settings.clock().now())
    print(_("Imported {count} criterion texts into {form} (criteria set version {version}).").format(
        count=imported.total, form=args.form, version=imported.version
    ))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
