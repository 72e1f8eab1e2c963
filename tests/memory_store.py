"""Every port of bot/base/ports.py in memory, so supervisor and service tests run the real
ReportingService without a database or a process.

It does what the SQL store (storage/) documents: the same ordering, de-duplication and
refusals; tests/storage/test_port_contract.py runs the same assertions against both, so it cannot
drift. Rows are plain dataclasses, ids count from 1 per table, and JSON columns go through
json on the way in and out, so what comes back is what a database would give. A unit of work
holds the store's lock (transactions take turns, as on SQLite, so never open one inside
another) and, if its block raises, puts back the copy of the tables taken when it began.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any

from bot.base.answers import AnswerValue
from bot.catalog.model import CampaignSpec, UnitSpec
from bot.base.codes import new_code
from bot.base.forms import CRITERION_PREFIX
from bot.base.i18n import DEFAULT_LOCALE
from bot.delivery.lifetimes import UNDATED_LIFETIME
from bot.base.phones import international
from bot.base.ports import ReportMoved
from bot.base.records import (
    ANSWER_ACTION,
    AuditEntry,
    CampaignRecord,
    ChatRecord,
    ChatRoute,
    Contact,
    Enrolment,
    Grant,
    InviteProblem,
    LinkedPerson,
    NewInvite,
    PendingInvite,
    PreviousAnswers,
    Recipient,
    Redemption,
    ReportRecord,
    ReportWithAnswers,
    Role,
    UnitRecord,
)
from bot.base.outbox import (
    DEFAULT_LEASE,
    FINAL_STATES,
    REFUSED_STATES,
    UNDELIVERED,
    DeliveryState,
    Ledger,
    MessageKind,
    OutboxItem,
    OutboxMessage,
    Retrying,
    Unreached,
)
from bot.base.inbox import InboxItem
from bot.base.deadline import REPORT_DUE
from bot.base.report_status import LOCKED_STATUSES, ReportStatus, Transition
from bot.organisation.units import parents_first

__all__ = ["MemoryStore", "MemoryUnitOfWork"]



def _json(value: Any) -> Any:
    """The value as a JSON column gives it back: a copy, with lists for tuples."""
    return json.loads(json.dumps(value))


# ----- rows (units are UnitRecords and campaigns their CampaignSpecs, both immutable) ------------


@dataclass
class _Enrolment:
    """A unit enrolled in a campaign, and its report's columns once someone opened it."""

    id: int
    campaign_code: str
    unit_id: int
    form_id: str
    report_id: int | None = None
    status: ReportStatus = ReportStatus.DRAFT
    submission_count: int = 0
    receipt_no: str | None = None
    submitted_at: datetime | None = None
    returned_at: datetime | None = None
    reopened: tuple[str, ...] = ()
    reopened_versions: dict[str, int] = field(default_factory=dict)
    return_comment: str | None = None
    extended_to: date | None = None


@dataclass(frozen=True)
class _Answer:
    report_id: int
    question_id: str
    version: int
    value: AnswerValue
    author_id: int | None
    created_at: datetime


@dataclass
class _Person:
    id: int
    full_name: str
    locale: str | None = None
    state: dict[str, Any] | None = None


@dataclass
class _Grant:
    id: int
    person_id: int
    unit_id: int
    role: Role
    revoked_at: datetime | None = None


@dataclass
class _Chat:
    id: int
    channel: str
    chat_id: str
    updated_at: datetime
    person_id: int | None = None
    user_id: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    blocked_at: datetime | None = None  # it refused the bot
    phone: str | None = None


@dataclass
class _Invite:
    """An invite (a unit and role, perhaps for a named person) or a link code (a person)."""

    expires_at: datetime
    unit_id: int | None = None
    role: Role | None = None
    person_id: int | None = None
    used_at: datetime | None = None
    full_name: str = ""
    phone: str = ""
    revoked_at: datetime | None = None
    used_by: int | None = None


@dataclass
class _Outgoing:
    id: int
    message: OutboxMessage
    queued_at: datetime
    next_attempt_at: datetime
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    claimed_at: datetime | None = None
    error: str | None = None
    retrying_since: datetime | None = None

    @property
    def expires_at(self) -> datetime:
        return self.message.expires_at or self.queued_at + UNDATED_LIFETIME


@dataclass
class _Tables:
    """Every table, keyed as its rows are looked up (append-only ones are lists: a row's place is
    its id); `ids` holds each table's last id."""

    units: dict[int, UnitRecord] = field(default_factory=dict)
    campaigns: dict[str, CampaignSpec] = field(default_factory=dict)
    enrolments: dict[int, _Enrolment] = field(default_factory=dict)
    answers: list[_Answer] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    people: dict[int, _Person] = field(default_factory=dict)
    grants: dict[int, _Grant] = field(default_factory=dict)
    chats: dict[tuple[str, str], _Chat] = field(default_factory=dict)  # by (channel, chat id)
    invites: dict[str, _Invite] = field(default_factory=dict)  # by code
    outbox: dict[int, _Outgoing] = field(default_factory=dict)
    inbox: dict[tuple[str, str], tuple[InboxItem, datetime]] = field(default_factory=dict)  # in order of arrival
    processed: dict[tuple[str, str], tuple[str, datetime]] = field(default_factory=dict)  # (outcome, when)
    reminder_runs: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    usage: dict[tuple[str, str], int] = field(default_factory=dict)  # messages sent by (channel, month)
    wrong_codes: list[tuple[str, datetime]] = field(default_factory=list)  # (channel, typed at)
    ids: dict[str, int] = field(default_factory=dict)

    def new_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def unit_by_code(self, code: str) -> UnitRecord | None:
        return next((unit for unit in self.units.values() if unit.code == code), None)

    def due(self, campaign_code: str) -> date | None:
        return next((m.due for m in self.campaigns[campaign_code].milestones if m.kind == REPORT_DUE), None)

    def enrolled(self, campaign_code: str, unit_ids: Collection[int] | None = None) -> list[_Enrolment]:
        ids = None if unit_ids is None else set(unit_ids)
        return [e for e in self.enrolments.values() if e.campaign_code == campaign_code and (ids is None or e.unit_id in ids)]

    def report(self, report_id: int) -> _Enrolment | None:
        return next((e for e in self.enrolments.values() if e.report_id == report_id), None)

    def versions(self, report_id: int | None) -> list[tuple[int, _Answer]]:
        """The report's answer versions with their ids, by question then version."""
        found = [(i, answer) for i, answer in enumerate(self.answers, start=1) if answer.report_id == report_id]
        return sorted(found, key=lambda row: (row[1].question_id, row[1].version))

    def newest(self, report_id: int | None) -> dict[str, _Answer]:
        return {answer.question_id: answer for _, answer in self.versions(report_id)}

    def chats_of(self, person_id: int) -> list[_Chat]:
        return [chat for chat in self.chats.values() if chat.person_id == person_id]

    def in_force(self, unit_ids: Collection[int] | None = None, person_id: int | None = None) -> list[_Grant]:
        return [
            g for g in self.grants.values()
            if g.revoked_at is None and (unit_ids is None or g.unit_id in unit_ids) and person_id in (None, g.person_id)
        ]  # fmt: skip

    def conversation(self, person_id: int) -> dict[str, Any] | None:
        person = self.people.get(person_id)
        return _json(person.state) if person is not None and person.state else None

    def grant(self, person_id: int, unit_id: int, role: Role) -> None:
        """Gives the role, or gives it back if it had been revoked."""
        for row in self.grants.values():
            if (row.person_id, row.unit_id, row.role) == (person_id, unit_id, role):
                row.revoked_at = None
                return
        grant_id = self.new_id("grants")
        self.grants[grant_id] = _Grant(grant_id, person_id, unit_id, role)

    def drafts(self, enrolments: list[_Enrolment]) -> list[_Enrolment]:
        """These enrolments, each with a report: a draft where nobody opened it yet."""
        for enrolment in enrolments:
            enrolment.report_id = enrolment.report_id or self.new_id("reports")
        return enrolments

    def record(self, report: _Enrolment) -> ReportRecord:
        """The report of an enrolment someone opened."""
        assert report.report_id is not None
        unit, campaign = self.units[report.unit_id], self.campaigns[report.campaign_code]
        reopened = frozenset(report.reopened)
        versions = {q: answer.version for q, answer in self.newest(report.report_id).items() if q in reopened}
        return ReportRecord(
            id=report.report_id, unit_id=unit.id, unit_code=unit.code, unit_name=unit.name,
            campaign_code=campaign.code, campaign_title=campaign.title, form_id=report.form_id,
            status=report.status, report_due=report.extended_to or self.due(campaign.code), campaign_opens=campaign.opens,
            receipt_no=report.receipt_no,
            submitted_at=report.submitted_at, submissions=report.submission_count, reopened=reopened,
            returned_at=report.returned_at, returned_versions=dict(report.reopened_versions), versions=versions,
            return_comment=report.return_comment,
        )  # fmt: skip

    def log(self, channel: str, update_id: str, outcome: str, now: datetime) -> bool:
        """Logs the update unless it is logged already; True when this call logged it."""
        if (channel, update_id) in self.processed:
            return False
        self.processed[channel, update_id] = (outcome, now)
        return True


class _Repository:
    def __init__(self, tables: _Tables) -> None:
        self.t = tables


# ----- the ports ---------------------------------------------------------------------------------


class _UpdateLog(_Repository):
    async def claim(self, channel: str, update_id: str, now: datetime) -> bool:
        return self.t.log(channel, update_id, "ok", now)


class _Inbox(_Repository):
    async def store(self, channel: str, items: Sequence[InboxItem], now: datetime, held_until: datetime | None = None) -> list[str]:
        stored = set()
        for item in items:
            if (channel, item.update_id) not in self.t.inbox:
                self.t.inbox[channel, item.update_id] = (replace(item, payload=_json(item.payload), held_until=held_until), now)
                stored.add(item.update_id)
        return [item.update_id for item in items if item.update_id in stored]

    async def pending(self, channel: str) -> list[InboxItem]:
        return [
            replace(item, payload=_json(item.payload))
            for key, (item, _at) in self.t.inbox.items()  # in the order stored
            if key[0] == channel and key not in self.t.processed
        ]

    async def hold(self, channel: str, update_ids: Collection[str], until: datetime) -> None:
        for update_id in update_ids:
            if (channel, update_id) in self.t.inbox:
                item, at = self.t.inbox[channel, update_id]
                self.t.inbox[channel, update_id] = (replace(item, held_until=until), at)

    async def let_go(self, channel: str, since: datetime, now: datetime) -> list[InboxItem]:
        return [item for item in await self.pending(channel) if item.held_until is not None and since <= item.held_until < now]

    async def earlier_unhandled(self, channel: str, update_id: str, chat_key: str) -> list[InboxItem]:
        keys = list(self.t.inbox)  # in the order stored
        if (channel, update_id) not in self.t.inbox:
            return []
        earlier = set(keys[: keys.index((channel, update_id))])
        return [item for item in await self.pending(channel) if (channel, item.update_id) in earlier and item.chat_key == chat_key]

    async def mark_processed(self, channel: str, update_id: str, outcome: str, now: datetime) -> None:
        self.t.log(channel, update_id, outcome, now)

    async def prune(self, channel: str, older_than: datetime) -> int:
        """Handled updates received before `older_than` go; log entries only once their inbox row has."""
        items = [key for key, (_, at) in self.t.inbox.items() if key[0] == channel and at < older_than and key in self.t.processed]
        for key in items:
            del self.t.inbox[key]
        log = [key for key, (_, at) in self.t.processed.items() if key[0] == channel and at < older_than and key not in self.t.inbox]
        for key in log:
            del self.t.processed[key]
        return len(items) + len(log)


class _Chats(_Repository):
    async def get(self, channel: str, chat_id: str) -> ChatRecord | None:
        chat = self.t.chats.get((channel, chat_id))
        if chat is None:
            return None
        state = _json(chat.state)
        if chat.person_id is not None:
            state = self.t.conversation(chat.person_id) or state
        return ChatRecord(channel, chat_id, chat.person_id, state, chat.user_id)

    async def save(self, record: ChatRecord, now: datetime) -> None:
        """The conversation goes to the person once linked; a refusal mark is cleared."""
        key = (record.channel, record.chat_id)
        chat = self.t.chats.get(key)
        if chat is None:
            chat = self.t.chats[key] = _Chat(self.t.new_id("chats"), *key, now)
        linked = record.person_id is not None
        chat.person_id, chat.state, chat.updated_at = record.person_id, {} if linked else _json(record.state), now
        chat.blocked_at = None
        if record.user_id is not None:
            chat.user_id = record.user_id
        if record.phone is not None:
            chat.phone = record.phone
        if record.person_id is not None and record.person_id in self.t.people:
            self.t.people[record.person_id].state = _json(record.state)


class _Invites(_Repository):
    async def create(
        self, unit_code: str, role: Role, expires_at: datetime, now: datetime, created_by: int | None = None, code: str | None = None,
        full_name: str = "", phone: str = "",
    ) -> NewInvite:  # fmt: skip
        """LookupError for an unknown unit (storage.invites.UnknownUnit is one)."""
        unit = self.t.unit_by_code(unit_code)
        if unit is None:
            raise LookupError(unit_code)
        code = self._add(code, _Invite(expires_at, unit.id, role, full_name=full_name, phone=phone))
        return NewInvite(code, unit_code, unit.name, role, expires_at)

    async def link_code(self, person_id: int, expires_at: datetime, now: datetime) -> str:
        return self._add(None, _Invite(expires_at, person_id=person_id))

    async def pending(self, unit_ids: Collection[int], now: datetime) -> list[PendingInvite]:
        ids = set(unit_ids)
        open_ = [
            PendingInvite(code, invite.unit_id, invite.role, invite.expires_at, invite.full_name, invite.phone)
            for code, invite in self.t.invites.items()
            if invite.unit_id in ids and invite.role is not None and invite.used_at is None and invite.revoked_at is None
            and invite.expires_at > now
        ]  # fmt: skip
        return sorted(open_, key=lambda invite: (invite.expires_at, invite.code))

    async def withdraw(self, codes: Collection[str], now: datetime) -> int:
        withdrawn = [self.t.invites[c] for c in set(codes) if c in self.t.invites]
        withdrawn = [invite for invite in withdrawn if invite.used_at is None and invite.revoked_at is None]
        for invite in withdrawn:
            invite.revoked_at = now
        return len(withdrawn)

    def _add(self, code: str | None, invite: _Invite) -> str:
        """Keeps the invite under `code`, or under a new code no invite has."""
        if code is not None and code in self.t.invites:
            raise ValueError(f"invite code {code} is taken")
        while code is None or code in self.t.invites:
            code = new_code()
        self.t.invites[code] = invite
        return code

    async def redeem(self, code: str, display_name: str, person_id: int | None, now: datetime) -> Redemption:
        invite = self.t.invites.get(code)
        if invite is None:
            return Redemption(problem=InviteProblem.UNKNOWN)
        if invite.revoked_at is not None:
            return Redemption(problem=InviteProblem.REVOKED)
        if invite.used_at is not None:
            return Redemption(problem=InviteProblem.USED)
        if invite.expires_at <= now:
            return Redemption(problem=InviteProblem.EXPIRED)
        joined = invite.person_id is not None and invite.person_id != person_id
        if invite.person_id is not None:
            if person_id is not None and person_id != invite.person_id:
                self._merge(person_id, invite.person_id, now)
            person_id = invite.person_id
        elif person_id is None:
            person_id = self.t.new_id("people")
            self.t.people[person_id] = _Person(person_id, invite.full_name or display_name)
        invite.used_at, invite.used_by = now, person_id
        if invite.unit_id is None or invite.role is None:
            return Redemption(person_id=person_id, joined_existing=joined)
        self.t.grant(person_id, invite.unit_id, invite.role)
        unit = self.t.units[invite.unit_id]
        grant = Grant(person_id, unit.id, unit.code, unit.name, invite.role)
        return Redemption(person_id=person_id, grant=grant, joined_existing=joined)

    def _merge(self, duplicate: int, person_id: int, now: datetime) -> None:
        """The duplicate's chats and roles in force go to `person_id`; the duplicate row stays."""
        for chat in self.t.chats_of(duplicate):
            chat.person_id = person_id
        for row in self.t.in_force(person_id=duplicate):
            self.t.grant(person_id, row.unit_id, row.role)
            row.revoked_at = now


class _People(_Repository):
    async def grants(self, person_id: int) -> list[Grant]:
        units = self.t.units
        rows = sorted(self.t.in_force(person_id=person_id), key=lambda row: (units[row.unit_id].code, row.role.value))
        return [Grant(person_id, row.unit_id, units[row.unit_id].code, units[row.unit_id].name, row.role) for row in rows]

    async def set_locale(self, person_id: int, locale: str) -> None:
        if person_id in self.t.people:
            self.t.people[person_id].locale = locale

    async def conversation(self, person_id: int) -> dict[str, Any] | None:
        return self.t.conversation(person_id)

    async def linked(self, unit_ids: Collection[int]) -> list[LinkedPerson]:
        """By unit code, role and name."""
        rows = self.t.in_force(set(unit_ids))
        rows.sort(key=lambda row: (self.t.units[row.unit_id].code, row.role.value, self.t.people[row.person_id].full_name, row.id))
        return [self._linked(row) for row in rows]

    async def revoke(self, grant_id: int, now: datetime) -> LinkedPerson | None:
        row = self.t.grants.get(grant_id)
        if row is None or row.revoked_at is not None:
            return None
        found = self._linked(row)
        row.revoked_at = now
        return found

    async def recipients(
        self, role: Role, unit_ids: Collection[int], including_refusing: bool = False
    ) -> dict[int, list[Recipient]]:
        """Per unit, its holders of `role` by name, each in their chats that have not refused the
        bot first, then from the most recently active."""
        people = self.t.people
        rows = [row for row in self.t.in_force(set(unit_ids)) if row.role is role]
        rows.sort(key=lambda row: (row.unit_id, people[row.person_id].full_name, row.person_id))
        found: dict[int, list[Recipient]] = {}
        for row in rows:
            reachable = found.setdefault(row.unit_id, [])
            chat = max(self.t.chats_of(row.person_id), key=lambda c: (c.blocked_at is None, c.updated_at, c.id), default=None)
            if chat is not None and (chat.blocked_at is None or including_refusing):
                person = people[row.person_id]
                refusing = chat.blocked_at is not None
                reachable.append(Recipient(person.id, person.full_name, chat.channel, chat.chat_id, person.locale or DEFAULT_LOCALE, refusing))
        return found

    async def chats_of(self, person_id: int) -> list[ChatRoute]:
        chats = sorted(self.t.chats_of(person_id), key=lambda c: (c.blocked_at is not None, -c.updated_at.timestamp(), -c.id))
        return [ChatRoute(chat.channel, chat.chat_id, chat.blocked_at is not None) for chat in chats]

    async def contact_of(self, person_id: int) -> Contact:
        """The number shared last from a chat, else the one the person's invite carried."""
        shared = sorted((c for c in self.t.chats_of(person_id) if c.phone), key=lambda c: c.updated_at, reverse=True)
        imported = sorted((i for i in self.t.invites.values() if i.used_by == person_id and i.phone and i.used_at), key=lambda i: (i.used_at is not None, i.used_at), reverse=True)
        numbers = [international(phone) for phone in [c.phone or "" for c in shared] + [i.phone for i in imported]]
        person = self.t.people.get(person_id)
        return Contact(person.full_name if person else "", next((n for n in numbers if n is not None), None))

    def _linked(self, row: _Grant) -> LinkedPerson:
        chats = self.t.chats_of(row.person_id)
        latest: dict[str, datetime] = {}
        for chat in chats:
            latest[chat.channel] = max(latest.get(chat.channel, chat.updated_at), chat.updated_at)
        return LinkedPerson(
            grant_id=row.id, person_id=row.person_id, full_name=self.t.people[row.person_id].full_name, role=row.role,
            unit_id=row.unit_id, linked_chats=len(chats), last_seen=max(latest.values(), default=None),
            channels=tuple(sorted(latest, key=lambda channel: latest[channel], reverse=True)),
        )  # fmt: skip


class _Units(_Repository):
    async def units(self) -> list[UnitRecord]:
        units = sorted(self.t.units.values(), key=lambda unit: unit.code)
        return parents_first(units, lambda unit: unit.id, lambda unit: unit.parent_id)

    async def campaigns(self) -> list[CampaignRecord]:
        specs = sorted(self.t.campaigns.values(), key=lambda spec: (spec.opens, spec.code))
        return [CampaignRecord(s.code, s.title, s.opens, self.t.due(s.code), s.reminders, s.closes, s.issuer) for s in specs]


class _Reports(_Repository):
    async def open_for(self, person_id: int, today: date, now: datetime) -> list[ReportRecord]:
        units = {row.unit_id for row in self.t.in_force(person_id=person_id) if row.role is Role.REPORTER}
        enrolments = [e for e in self.t.enrolments.values() if e.unit_id in units and self.t.campaigns[e.campaign_code].opens <= today
                      and (self.t.campaigns[e.campaign_code].closes or today) >= today]  # fmt: skip
        records = [self.t.record(report) for report in self.t.drafts(enrolments)]
        return sorted(records, key=lambda r: (r.status in LOCKED_STATUSES, r.report_due is None, r.report_due or date.min, r.id))

    async def current_for(self, person_id: int, report_id: int, today: date) -> ReportWithAnswers | None:
        units = {row.unit_id for row in self.t.in_force(person_id=person_id) if row.role is Role.REPORTER}
        report = self.t.report(report_id)
        if report is None:
            return None
        record = self.t.record(report)
        campaign = self.t.campaigns[record.campaign_code]
        open_today = campaign.opens <= today and (campaign.closes or today) >= today
        return ReportWithAnswers(record, await self.answers(report_id)) if record.unit_id in units and open_today else None

    async def open_unit(self, campaign_code: str, unit_id: int, now: datetime) -> ReportRecord | None:
        """As SqlReports.open_unit: the unit's report, its draft created if nobody opened it yet."""
        self.t.drafts(self.t.enrolled(campaign_code, {unit_id}))
        return await self.of_unit(campaign_code, unit_id)

    async def get(self, report_id: int) -> ReportRecord | None:
        report = self.t.report(report_id)
        return self.t.record(report) if report is not None else None

    async def of_unit(self, campaign_code: str, unit_id: int) -> ReportRecord | None:
        opened = [e for e in self.t.enrolled(campaign_code, {unit_id}) if e.report_id is not None]
        return self.t.record(opened[0]) if opened else None

    async def answers(self, report_id: int) -> dict[str, AnswerValue]:
        return {q: _json(answer.value) for q, answer in self.t.newest(report_id).items()}

    async def answers_of(self, report_ids: Collection[int]) -> dict[int, dict[str, AnswerValue]]:
        return {report_id: await self.answers(report_id) for report_id in report_ids}

    async def answers_to(self, campaign_code: str, question_id: str, unit_ids: Collection[int]) -> dict[int, AnswerValue]:
        found = {}
        for enrolment in self.t.enrolled(campaign_code, unit_ids):
            if (answer := self.t.newest(enrolment.report_id).get(question_id)) is not None:
                found[enrolment.unit_id] = _json(answer.value)
        return found

    async def enrolments(self, campaign_code: str, unit_ids: Collection[int] | None = None) -> list[Enrolment]:
        rows = sorted(self.t.enrolled(campaign_code, unit_ids), key=lambda e: self.t.units[e.unit_id].code)
        return [self._enrolment(row) for row in rows]

    def _enrolment(self, row: _Enrolment) -> Enrolment:
        if row.report_id is None:
            return Enrolment(row.unit_id, row.form_id, None, None, 0, 0, None, extended_to=row.extended_to)
        questions = self.t.newest(row.report_id)
        last_answer = max((answer.created_at for _, answer in self.t.versions(row.report_id)), default=None)
        return Enrolment(
            unit_id=row.unit_id, form_id=row.form_id, report_id=row.report_id, status=row.status, answered=len(questions),
            answered_criteria=sum(1 for q in questions if q.startswith(CRITERION_PREFIX)),
            # The officer's own doings only: a supervisor opening the unit is no activity.
            last_activity=max((t for t in (last_answer, row.submitted_at) if t is not None), default=None),
            submitted_at=row.submitted_at, receipt_no=row.receipt_no, extended_to=row.extended_to,
        )  # fmt: skip

    async def extensions(self) -> list[tuple[str, date]]:
        found = {(e.campaign_code, e.extended_to) for e in self.t.enrolments.values() if e.extended_to is not None}
        return sorted((code, due) for code, due in found if due is not None)

    async def extend(self, campaign_code: str, unit_id: int, due: date | None) -> None:
        for enrolment in self.t.enrolled(campaign_code, {unit_id}):
            enrolment.extended_to = due

    async def previous_answers(self, report_id: int) -> PreviousAnswers | None:
        current = self.t.report(report_id)
        if current is None:
            return None
        opens = self.t.campaigns[current.campaign_code].opens
        earlier = [
            e for e in self.t.enrolments.values()
            if e.unit_id == current.unit_id and e.form_id == current.form_id and e.submitted_at is not None
            and self.t.campaigns[e.campaign_code].opens < opens
        ]  # fmt: skip
        if not earlier:
            return None
        latest = max(earlier, key=lambda e: self.t.campaigns[e.campaign_code].opens)
        campaign = self.t.campaigns[latest.campaign_code]
        return PreviousAnswers(campaign.code, campaign.title, await self.answers(latest.report_id or 0))

    async def save_answers(self, report_id: int, values: Mapping[str, AnswerValue], author_id: int | None, now: datetime) -> None:
        if not values:
            return
        if self.t.report(report_id) is None:
            raise LookupError(f"no report {report_id}")
        newest = self.t.newest(report_id)
        for question_id, value in values.items():
            version = newest[question_id].version + 1 if question_id in newest else 1
            self.t.answers.append(_Answer(report_id, question_id, version, _json(dict(value)), author_id, now))

    async def move(self, report_id: int, transition: Transition, now: datetime) -> None:
        report = self.t.report(report_id)
        if report is None or report.status != transition.before:
            raise ReportMoved(f"report {report_id} is no longer {transition.before}")
        report.status = transition.after
        if transition.receipt is not None:
            report.submission_count += 1
            report.receipt_no, report.submitted_at = transition.receipt.number, transition.receipt.at
        if transition.reopened is not None:
            report.returned_at, report.reopened, report.return_comment = now, tuple(sorted(transition.reopened)), transition.comment
            stood_at = self.t.newest(report_id)
            report.reopened_versions = {q: stood_at[q].version for q in transition.reopened if q in stood_at}


class _Audit(_Repository):
    async def record(self, entry: AuditEntry) -> None:
        """The actor's name is not kept: history reads it from the people."""
        self.t.audit.append(replace(entry, actor_name=None, details=_json(dict(entry.details))))

    async def history(self, report_id: int) -> list[AuditEntry]:
        """Audit entries and answer versions, oldest first; answers first at the same instant."""
        keyed: list[tuple[datetime, int, int, AuditEntry]] = []
        previous: dict[str, AnswerValue] = {}
        report = self.t.report(report_id)
        unit_id = report.unit_id if report is not None else None
        for answer_id, answer in self.t.versions(report_id):
            before, previous[answer.question_id] = previous.get(answer.question_id), answer.value
            details = {"question_id": answer.question_id, "version": answer.version, "before": before, "after": answer.value}
            entry = AuditEntry(answer.created_at, ANSWER_ACTION, answer.author_id, None, unit_id, report_id, details)
            keyed.append((answer.created_at, 0, answer_id, entry))
        keyed += [(entry.at, 1, i, entry) for i, entry in enumerate(self.t.audit, start=1) if entry.report_id == report_id]
        keyed.sort(key=lambda item: item[:3])
        return [replace(entry, actor_name=self._name(entry.actor_id), details=_json(entry.details)) for *_, entry in keyed]

    def _name(self, person_id: int | None) -> str | None:
        person = self.t.people.get(person_id) if person_id is not None else None
        return person.full_name if person is not None else None


class _Outbox(_Repository):
    async def enqueue(self, messages: Sequence[OutboxMessage], now: datetime) -> int:
        unique: dict[tuple[str, int], OutboxMessage] = {}
        for message in messages:
            unique.setdefault((message.key, message.person_id), message)
        there = {(row.message.key, row.message.person_id) for row in self.t.outbox.values()}
        new = [pair for pair in sorted(unique) if pair not in there]
        for pair in new:
            row_id = self.t.new_id("outbox")
            self.t.outbox[row_id] = _Outgoing(row_id, replace(unique[pair], person_name=""), now, now)  # the name is not kept
        return len(new)

    async def claim(
        self, limit: int, now: datetime, channel: str, lease: timedelta = DEFAULT_LEASE, chat_id: str | None = None
    ) -> list[OutboxItem]:
        """Takes back rows claimed longer than `lease` ago, then claims due pending rows, oldest first."""
        if limit <= 0:
            return []
        mine = [row for row in self.t.outbox.values() if row.message.channel == channel and chat_id in (None, row.message.chat_id)]
        for row in mine:
            if row.state is DeliveryState.SENDING and row.claimed_at is not None and row.claimed_at < now - lease:
                row.state, row.claimed_at = DeliveryState.PENDING, None
        due = [row for row in mine if row.state is DeliveryState.PENDING and row.next_attempt_at <= now][:limit]
        for row in due:
            if row.expires_at <= now:
                row.state = DeliveryState.EXPIRED
            else:
                row.state, row.claimed_at, row.attempts = DeliveryState.SENDING, now, row.attempts + 1
        return [OutboxItem(row.id, row.message, row.attempts, row.retrying_since) for row in due if row.state is DeliveryState.SENDING]

    async def mark(
        self,
        item_id: int,
        state: DeliveryState,
        now: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
        retrying_since: datetime | None = None,
    ) -> None:
        """PENDING retries at `retry_at` (or at once); a refusal also marks the chat as refusing.
        The time sent is not kept: no port reads it."""
        state = DeliveryState(state)
        if state is not DeliveryState.PENDING and state not in FINAL_STATES:
            raise ValueError(f"an outbox row cannot be marked {state}: claim() makes rows sending")
        row = self.t.outbox.get(item_id)
        if row is None:
            raise LookupError(f"no outbox row {item_id}")
        row.state, row.error = state, error if error is not None else row.error
        if state is DeliveryState.PENDING:
            row.next_attempt_at, row.claimed_at, row.retrying_since = retry_at or now, None, retrying_since
        elif state is DeliveryState.SENT:
            row.retrying_since = None
        chat = self.t.chats.get((row.message.channel, row.message.chat_id))
        if state in REFUSED_STATES and chat is not None:
            chat.blocked_at = now

    async def supersede(self, series: str, newer: Sequence[OutboxMessage], now: datetime) -> int:
        newest: dict[tuple[int, int | None], list[str]] = {}
        for message in newer:
            newest.setdefault((message.person_id, message.unit_id), []).append(message.key)
        older = [
            row for row in self.t.outbox.values()
            if row.state is DeliveryState.PENDING and row.message.key.startswith(f"{series}/")
            and (keys := newest.get((row.message.person_id, row.message.unit_id)))
            and not any(row.message.key == key or row.message.key.startswith(f"{key}/") for key in keys)
        ]  # fmt: skip
        for row in older:
            row.state, row.error = DeliveryState.EXPIRED, f"superseded by a newer reminder of {series}"
        return len(older)

    async def retrying(self, campaign_code: str, unit_ids: Collection[int]) -> list[Retrying]:
        ids = set(unit_ids)
        found = [
            Retrying(row.message.person_id, self.t.people[row.message.person_id].full_name, row.message.unit_id or 0,
                     row.message.kind, row.retrying_since, row.error or "")
            for row in self.t.outbox.values()
            if row.message.campaign_code == campaign_code and row.message.unit_id in ids and row.retrying_since is not None
            and row.state in (DeliveryState.PENDING, DeliveryState.SENDING)
        ]  # fmt: skip
        return sorted(found, key=lambda retrying: retrying.since)  # stable: in order of id within one instant

    async def ledger(self, campaign_code: str, unit_ids: Collection[int]) -> Ledger:
        counts = {kind: dict.fromkeys(DeliveryState, 0) for kind in MessageKind}
        ids = set(unit_ids)
        for row in self.t.outbox.values():
            if row.message.campaign_code == campaign_code and row.message.unit_id in ids:
                counts[row.message.kind][row.state] += 1
        return counts

    async def units_with_key(self, unit_ids: Collection[int], key_prefix: str) -> frozenset[int]:
        ids = set(unit_ids)
        messages = [row.message for row in self.t.outbox.values()]
        return frozenset(m.unit_id for m in messages if m.unit_id in ids and m.key.startswith(key_prefix))

    async def unreached(self, campaign_code: str, unit_ids: Collection[int]) -> list[Unreached]:
        ids = set(unit_ids)
        latest: dict[int, _Outgoing] = {}
        for row in self.t.outbox.values():  # in order of id: a later row replaces an earlier one
            if row.message.campaign_code == campaign_code and row.message.unit_id in ids:
                latest[row.message.person_id] = row
        return [
            Unreached(person_id, self.t.people[person_id].full_name, row.message.unit_id or 0, row.state, row.queued_at)
            for person_id, row in latest.items()
            if row.state in UNDELIVERED
        ]


class _ReminderRuns(_Repository):
    async def fired(self, slot_key: str) -> bool:
        return slot_key in self.t.reminder_runs

    async def record(self, slot_key: str, outcome: str, now: datetime) -> bool:
        if slot_key in self.t.reminder_runs:
            return False
        self.t.reminder_runs[slot_key] = (outcome, now)
        return True


class _Usage(_Repository):
    async def sent(self, month: str) -> dict[str, int]:
        return {channel: sent for (channel, counted), sent in self.t.usage.items() if counted == month}

    async def linked_users(self) -> dict[str, int]:
        linked = Counter(channel for (channel, _chat), chat in self.t.chats.items() if chat.person_id is not None)
        return dict(linked)


class _WrongCodes(_Repository):
    async def nth_latest(self, n: int, since: datetime, channel: str | None = None) -> datetime | None:
        typed = sorted((at for on, at in self.t.wrong_codes if at > since and channel in (None, on)), reverse=True)
        return typed[n - 1] if len(typed) >= n else None

    async def record(self, channel: str, chat_id: str, at: datetime) -> None:
        self.t.wrong_codes.append((channel, at))


# ----- the unit of work and the store ------------------------------------------------------------


class MemoryUnitOfWork:
    """One transaction: commits when the block succeeds, undoes its every change when it raises;
    usable once."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._snapshot: _Tables | None = None

    async def __aenter__(self) -> MemoryUnitOfWork:
        await self._store._lock.acquire()
        tables = self._store._tables
        self._snapshot = copy.deepcopy(tables)
        self.updates, self.inbox, self.chats = _UpdateLog(tables), _Inbox(tables), _Chats(tables)
        self.invites, self.people, self.units = _Invites(tables), _People(tables), _Units(tables)
        self.reports, self.audit, self.outbox = _Reports(tables), _Audit(tables), _Outbox(tables)
        self.reminder_runs, self.usage, self.wrong_codes = _ReminderRuns(tables), _Usage(tables), _WrongCodes(tables)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            if exc_type is not None and self._snapshot is not None:
                self._store._tables = self._snapshot
        finally:
            self._snapshot = None
            self._store._lock.release()


class MemoryStore:
    """The whole database in memory; call it for a unit of work, as the service calls
    storage.unit_of_work.UnitOfWorkFactory."""

    def __init__(self) -> None:
        self._tables = _Tables()
        self._lock = asyncio.Lock()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    def add_units(self, units: Sequence[UnitSpec]) -> None:
        """As storage.seed.load_units: upserts by code, parents before children."""
        t = self._tables
        for spec in parents_first(units, lambda unit: unit.code, lambda unit: unit.parent_code):
            parent = t.unit_by_code(spec.parent_code) if spec.parent_code is not None else None
            if spec.parent_code is not None and parent is None:
                raise ValueError(f"unit {spec.code}: parent {spec.parent_code} is neither loaded nor listed")
            known = t.unit_by_code(spec.code)
            unit_id = known.id if known is not None else t.new_id("units")
            t.units[unit_id] = UnitRecord(unit_id, spec.code, spec.name, spec.kind, parent.id if parent else None, spec.demo, spec.letterhead)

    def add_campaign(self, spec: CampaignSpec) -> None:
        """As storage.seed.load_campaign: the campaign and its milestones as given, and every unit
        a rule matches enrolled unless it already is."""
        t = self._tables
        t.campaigns[spec.code] = spec
        enrolled = {e.unit_id for e in t.enrolled(spec.code)}
        for unit in list(t.units.values()):
            if unit.id not in enrolled and (form_id := spec.form_for(unit.kind, unit.code)) is not None:
                enrolment_id = t.new_id("enrolments")
                t.enrolments[enrolment_id] = _Enrolment(enrolment_id, spec.code, unit.id, form_id)

    def add_usage(self, channel: str, month: str, sent: int) -> None:
        """As the workers' counters flushing `sent` more messages of `channel` in `month`."""
        self._tables.usage[(channel, month)] = self._tables.usage.get((channel, month), 0) + sent

    def outbox_rows(self) -> list[tuple[OutboxMessage, DeliveryState]]:
        """Every outbox row in the order it was added, with its state."""
        return [(row.message, row.state) for row in self._tables.outbox.values()]

    def unit_id(self, code: str) -> int:
        unit = self._tables.unit_by_code(code)
        if unit is None:
            raise LookupError(f"no unit {code}")
        return unit.id
