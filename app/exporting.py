"""`baocao export docx|xlsx|chart --scope CODE [--unit CODE] [--campaign C] --out FILE`: the files
the bot sends in chat, written for a script or an office without a messenger. The same builders
make them (bot/documents/exports.py); only the destination differs."""

from __future__ import annotations

import argparse
import shutil
import sys

from app.cli_text import _
from app.organisation import unknown_campaign
from app.settings import Settings

__all__ = ["SUFFIXES", "export"]

SUFFIXES = {"docx": ".docx", "xlsx": ".xlsx", "chart": ".png"}


async def export(args: argparse.Namespace, settings: Settings) -> int:
    from app.export_context import export_context
    from bot.base.exports import ExportKind
    from bot.catalog.campaign_time import default_campaign
    from bot.documents.export_jobs import build_file
    from bot.reporting.prompts import Prompts

    if args.out.suffix.lower() != SUFFIXES[args.kind]:
        print(_("A {kind} export is written to a {suffix} file.").format(kind=args.kind, suffix=SUFFIXES[args.kind]), file=sys.stderr)
        return 1
    async with export_context(settings) as context:
        today = settings.clock().now().astimezone(settings.zone).date()
        p = Prompts(settings.locale, settings.zone)
        tree = context.tree
        root = tree.by_code(args.scope)
        unit = tree.by_code(args.unit) if args.unit else None
        scope = tree.subtree([root.id]) if root else frozenset()
        if root is None or (args.unit and (unit is None or unit.id not in scope)):
            print(_("Unknown unit {code}. See `baocao units list`.").format(code=args.unit if root else args.scope), file=sys.stderr)
            return 1
        campaigns = context.campaigns
        campaign = next((c for c in campaigns if c.code == args.campaign), None) if args.campaign else default_campaign(campaigns, today)
        if campaign is None:
            print(unknown_campaign(args.campaign or "", [c.code for c in campaigns]), file=sys.stderr)
            return 1
        kind = {"docx": ExportKind.REPORT if unit else ExportKind.SUMMARY, "xlsx": ExportKind.WORKBOOK, "chart": ExportKind.CHART}[args.kind]
        text, attachment = await build_file(kind, unit or root, campaign, context.reads, tree, context.layout, p, today)
    if attachment is None:
        print(text, file=sys.stderr)
        return 1
    shutil.move(attachment.path, args.out)
    print(text)
    if not args.campaign:
        print(p.campaign_chosen(campaign, today))
    print(_("Written to {file}.").format(file=args.out))
    return 0
