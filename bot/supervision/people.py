"""Who has access: /moi makes an invite code for a unit in scope (“/moi tất cả [UNIT]”: a sheet of
codes for every unit still without an officer and every person the province named), /canbo
lists the people linked (with the messengers each uses) and the invites not yet used, /thuhoi
takes someone's access away once confirmed."""

from __future__ import annotations

from datetime import timedelta

from bot.base.buttons import Pressed, Shape, button_kind, pack
from bot.base.commands import CommandSpec
from bot.base.effects import CreateInvite, RevokeGrant, WithdrawInvites
from bot.base.events import Button, ButtonRole
from bot.base.i18n import N_
from bot.base.records import IssuedInvite, LinkedPerson, Role
from bot.base.text import fold, parse_whole_number
from bot.organisation.bulk_invites import bulk_expiry, plan_bulk
from bot.reporting.prompts import ROLE_LABELS
from bot.supervision.desk import DISMISS, Desk
from bot.supervision.registry import Fresh, button, command

__all__ = ["INVITE", "PEOPLE", "REVOKE", "invite", "invite_every_unit", "people", "revoke", "revoke_confirmed"]

ACTION = ButtonRole.ACTION
INVITE = CommandSpec("moi", ("invite",), N_("Invite an officer of a unit: /moi UNIT, or every unit: /moi tất cả"), "mời")
PEOPLE = CommandSpec("canbo", ("people",), N_("People linked in your area: /canbo [UNIT]"), "cán bộ")
REVOKE = CommandSpec("thuhoi", ("revoke",), N_("Revoke a person's access: /thuhoi NUMBER"), "thu hồi")
REVOKE_CONFIRM = button_kind("rv", Shape.NUMBER)
"""A revocation confirmed (the grant's id)."""


EVERY_UNIT = ("tat ca", "all")
"""The first words of “/moi tất cả”, folded."""


@command(INVITE, menu=80)
async def invite(desk: Desk, args: str) -> None:
    _ = desk._
    folded = fold(args)
    every = next((words for words in EVERY_UNIT if folded == words or folded.startswith(words + " ")), None)
    if every is not None:
        await invite_every_unit(desk, " ".join(args.split()[len(every.split()) :]))
        return
    unit = desk.resolve(args, INVITE)
    if unit is None:
        return
    code = desk.settings.new_code()
    expires = desk.now + timedelta(days=desk.settings.invite_days)
    desk.out.effects.append(CreateInvite(code, unit.code, Role.REPORTER, expires, desk.access.person_id))
    desk.audit("invited", unit, None, unit=unit.name)
    lines = [_("Invite for {unit}: {code}").format(unit=unit.name, code=code), _("The officer sends: /start {code}").format(code=code)]
    lines += [_("or opens on {channel}: {link}").format(channel=link.channel, link=link.url) for link in desk.settings.invite_links(code)]
    lines.append(_("Valid once, until {time}.").format(time=desk.p.when(expires)))
    desk.say("\n".join(lines))


async def invite_every_unit(desk: Desk, within: str) -> None:
    """The bulk sheet for the supervisor's area (or the part of it named): the codes issued
    before there are withdrawn, so only the newest sheet works."""
    _ = desk._
    root = desk.resolve(within, INVITE) if within else None
    if within and root is None:
        return
    roots = [root] if root else [desk.tree.get(unit_id) for unit_id in desk.access.roots]
    scope = desk.tree.subtree([unit.id for unit in roots]) & desk.access.unit_ids
    units = {unit_id: desk.tree.get(unit_id) for unit_id in scope}
    plan = await plan_bulk(desk.reads, desk.campaigns, units, Role.REPORTER, desk.now, desk.p.zone)
    area = ", ".join(unit.name for unit in roots)
    if not plan.wanted:
        desk.say(_("No invite is needed in {area}: every unit taking part has an officer linked.").format(area=area))
        return
    expires = bulk_expiry(desk.campaigns, desk.now, desk.p.zone, desk.settings.invite_days)
    codes = [desk.settings.new_code() for _wanted in plan.wanted]
    if plan.withdraw:
        desk.out.effects.append(WithdrawInvites(plan.withdraw))
    desk.out.effects += [
        CreateInvite(code, wanted.unit.code, Role.REPORTER, expires, desk.access.person_id, wanted.full_name, wanted.phone)
        for code, wanted in zip(codes, plan.wanted, strict=True)
    ]
    desk.audit("invited_every_unit", roots[0], None, unit=area, issued=len(codes), withdrawn=len(plan.withdraw))
    role = _(ROLE_LABELS[Role.REPORTER])
    sheet = [
        IssuedInvite(wanted.unit.code, wanted.unit.name, wanted.full_name, wanted.phone, role, code,
                     tuple(desk.settings.invite_links(code)), expires.astimezone(desk.p.zone))
        for code, wanted in zip(codes, plan.wanted, strict=True)
    ]
    lines = [_("{n} invites for {area} ({named} for people the province named), valid until {time}.").format(
        n=len(sheet), area=area, named=plan.named, time=desk.p.when(expires)
    )]
    if plan.withdraw:
        lines.append(_("The {n} codes issued before there no longer work.").format(n=len(plan.withdraw)))
    if desk.p.surface.documents:
        lines.append(_("The sheet to print or forward is attached."))
        desk.say("\n".join(lines), attachment=await desk.settings.documents.invite_sheet(area, sheet, desk.locale))
        return
    lines.append(_("Each officer sends the bot /start and the code of their unit:"))
    lines += [f"• {invite.unit_name}" + (f" — {invite.full_name}" if invite.full_name else "") + f": {invite.code}" for invite in sheet]
    desk.say("\n".join(lines))


@command(PEOPLE, menu=90)
async def people(desk: Desk, args: str) -> None:
    _ = desk._
    scope = desk.access.unit_ids
    if args:
        unit = desk.resolve(args, PEOPLE)
        if unit is None:
            return
        scope = desk.tree.subtree([unit.id]) & desk.access.unit_ids
    linked = sorted(await desk.reads.people.linked(scope), key=lambda p: (desk.tree.name_key(p.unit_id), fold(p.full_name)))
    invites = await desk.reads.invites.pending(scope, desk.now)
    if not linked and not invites:
        desk.say(_("Nobody is linked in this area yet. Make an invite with /moi UNIT."))
        return
    lines = [_("People with access ({n}):").format(n=len(linked))] if linked else [_("Nobody is linked in this area yet.")]
    for person in linked:
        seen = _("last seen {time}").format(time=desk.p.when(person.last_seen)) if person.last_seen else _("no chat linked")
        channels = ", ".join(desk.settings.channel_label(name) for name in person.channels)
        lines.append(
            f"#{person.grant_id} {person.full_name} — {_(ROLE_LABELS[person.role])} — {desk.tree.get(person.unit_id).name} · {seen}"
            + (f" ({channels})" if channels else "")
        )
    if invites:
        lines += ["", _("Invites not yet used ({n}):").format(n=len(invites))]
        lines += [
            "• " + _("{unit}: {code} ({role}), valid until {time}").format(
                unit=desk.tree.get(invite.unit_id).name, code=invite.code, role=_(ROLE_LABELS[invite.role]), time=desk.p.when(invite.expires_at)
            )
            for invite in sorted(invites, key=lambda i: (desk.tree.name_key(i.unit_id), i.expires_at))
        ]
    if linked:
        lines += ["", _("To revoke someone's access: /thuhoi NUMBER (the number after #).")]
    desk.say("\n".join(lines))


@command(REVOKE, menu=100)
async def revoke(desk: Desk, args: str) -> None:
    """Asks to confirm, naming who loses access to what."""
    _ = desk._
    number = parse_whole_number(args.lstrip("#"))
    if number is None:
        desk.say(_("Give the number shown by /canbo, for example /thuhoi 12."))
        return
    person = await revocable(desk, number)
    if person is None:
        return
    unit = desk.tree.get(person.unit_id)
    desk.say(
        _("Revoke the access of {name} ({role}) to {unit}? They will no longer see or file its reports; their chats stay linked for any other unit.").format(
            name=person.full_name, role=_(ROLE_LABELS[person.role]), unit=unit.name
        ),
        ((Button(_("Confirm the revocation"), pack(REVOKE_CONFIRM, number), ACTION), Button(_("Cancel"), pack(DISMISS), ACTION)),),
    )


@button(REVOKE_CONFIRM, Fresh.NEWEST)
async def revoke_confirmed(desk: Desk, pressed: Pressed) -> None:
    person = await revocable(desk, pressed.number)
    if person is None:
        return
    unit = desk.tree.get(person.unit_id)
    desk.out.effects.append(RevokeGrant(person.grant_id))
    desk.audit("revoked", unit, None, name=person.full_name, unit=unit.name)
    desk.say(desk._("Access of {name} to {unit} is revoked.").format(name=person.full_name, unit=unit.name))


async def revocable(desk: Desk, grant_id: int) -> LinkedPerson | None:
    """The grant in force in scope that this supervisor may end; else says there is none."""
    person = next((p for p in await desk.reads.people.linked(desk.access.unit_ids) if p.grant_id == grant_id), None)
    if person is None or (person.role is not Role.REPORTER and not desk.access.administers):
        desk.say(desk._("No such access in your area (see /canbo)."))
        return None
    return person
