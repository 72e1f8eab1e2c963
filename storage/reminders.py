"""Reminders: who is still pending, who to tell, the outbox, and which slots have fired.

The outbox holds one row per reminder key and person, so firing a slot twice (a restart, a
second worker) adds nothing: inserts skip what is there (ON CONFLICT DO NOTHING). Senders claim
due rows and mark each outcome; on PostgreSQL several senders claim at once without waiting for
or taking each other's rows (FOR UPDATE SKIP LOCKED). On SQLite every transaction already holds
the write lock from its first statement (BEGIN IMMEDIATE), so claims simply take turns.

Readings cost a fixed number of queries however many units they cover.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, distinct, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import DeliveryState, OutboxItem, OutboxMessage, PendingUnit, Recipient, Role
from bot.report import ReportStatus
from storage.models import Answer, Campaign, Chat, Enrolment, GrantRow, OutboxRow, Person, Report, ReminderRun, Unit
from storage.upsert import insert

# A row left in `sending` this long is taken to belong to a sender that died; it goes back to
# pending (the message may then go out twice, which beats never).
DEFAULT_LEASE = timedelta(seconds=30)
"""A sender marks each row within a second or two of claiming it; a claim older than this
belongs to a sender that died, and its row is sent again (at most one may already have gone)."""

# Rows per INSERT: well under either database's limit on bound parameters.
ENQUEUE_CHUNK = 500

# Reports a reminder is still for; a missing report (never opened) counts too.
NOT_SUBMITTED = (ReportStatus.DRAFT.value, ReportStatus.RETURNED.value)

# Criterion questions are numbered TC.1, TC.2, … in every criteria set.
CRITERION_PREFIX = "TC."

DEFAULT_LOCALE = "vi"

# Outcomes after which the chat itself is unusable until its person writes again.
REFUSED = frozenset({DeliveryState.BLOCKED, DeliveryState.NEVER_STARTED})
FINAL = frozenset({DeliveryState.SENT, DeliveryState.FAILED}) | REFUSED


class SqlReminders:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pending_units(self, campaign_code: str, unit_ids: Collection[int] | None = None) -> list[PendingUnit]:
        """Enrolments of the campaign whose report is missing, a draft or returned, by unit code,
        with their reporters; two queries."""
        scope: list[ColumnElement[bool]] = [Campaign.code == campaign_code]
        if unit_ids is not None:
            ids = list(unit_ids)
            if not ids:
                return []
            scope.append(Enrolment.unit_id.in_(ids))
        pending = or_(Report.id.is_(None), Report.status.in_(NOT_SUBMITTED))
        criterion = func.substr(Answer.question_id, 1, len(CRITERION_PREFIX)) == CRITERION_PREFIX
        activity = (
            select(
                Answer.report_id,
                func.count(distinct(Answer.question_id)).label("answered"),
                func.count(distinct(case((criterion, Answer.question_id)))).label("answered_criteria"),
            )
            .join(Report, Report.id == Answer.report_id)
            .join(Enrolment, Enrolment.id == Report.enrolment_id)
            .join(Campaign, Campaign.id == Enrolment.campaign_id)
            .where(*scope, Report.status.in_(NOT_SUBMITTED))
            .group_by(Answer.report_id)
            .subquery()
        )
        rows = (
            await self.session.execute(
                select(
                    Enrolment.unit_id,
                    Enrolment.form_id,
                    Report.id.label("report_id"),
                    Report.status,
                    activity.c.answered,
                    activity.c.answered_criteria,
                )
                .join(Campaign, Campaign.id == Enrolment.campaign_id)
                .join(Unit, Unit.id == Enrolment.unit_id)
                .outerjoin(Report, Report.enrolment_id == Enrolment.id)
                .outerjoin(activity, activity.c.report_id == Report.id)
                .where(*scope, pending)
                .order_by(Unit.code)
            )
        ).all()
        if not rows:
            return []
        reporters = await self._holders(Role.REPORTER, [row.unit_id for row in rows])
        return [
            PendingUnit(
                unit_id=row.unit_id,
                form_id=row.form_id,
                report_id=row.report_id,
                status=ReportStatus(row.status) if row.status is not None else None,
                answered=row.answered or 0,
                answered_criteria=row.answered_criteria or 0,
                reporters=tuple(reporters.get(row.unit_id, ())),
            )
            for row in rows
        ]

    async def supervisors_of(self, unit_ids: Collection[int]) -> dict[int, tuple[Recipient, ...]]:
        """Per unit, the supervisors of its nearest ancestor that has any (its parent first, then
        the parent's parent…), reachable ones only; every unit asked for is a key, with () when
        nobody above it supervises. Two queries: the tree, then the supervisors on it.

        The level is chosen by grants: when the nearest supervisors have all blocked the bot,
        the unit maps to () rather than skipping up to the level above."""
        ids = list(dict.fromkeys(unit_ids))
        if not ids:
            return {}
        parent_of: dict[int, int | None] = {
            row.id: row.parent_id for row in await self.session.execute(select(Unit.id, Unit.parent_id))
        }
        chains = {unit_id: _ancestors(unit_id, parent_of) for unit_id in ids}
        above = sorted({ancestor for chain in chains.values() for ancestor in chain})
        supervisors = await self._holders(Role.SUPERVISOR, above)
        nearest: dict[int, tuple[Recipient, ...]] = {}
        for unit_id, chain in chains.items():
            # The first level with a supervisor wins, even if none of them can be reached there.
            level = next((ancestor for ancestor in chain if ancestor in supervisors), None)
            nearest[unit_id] = tuple(supervisors[level]) if level is not None else ()
        return nearest

    async def enqueue(self, messages: Sequence[OutboxMessage], now: datetime) -> int:
        """Inserts the messages not yet in the outbox, due at `now`; returns how many were new.
        Rows go in sorted by (key, person), so concurrent enqueuers of overlapping batches wait
        for one another in one order instead of deadlocking (PostgreSQL)."""
        unique: dict[tuple[str, int], OutboxMessage] = {}
        for message in messages:
            unique.setdefault((message.key, message.person_id), message)
        rows = [_outbox_values(unique[pair], now) for pair in sorted(unique)]
        inserted = 0
        for start in range(0, len(rows), ENQUEUE_CHUNK):
            statement = (
                insert(self.session, OutboxRow)
                .values(rows[start : start + ENQUEUE_CHUNK])
                .on_conflict_do_nothing(index_elements=["key", "person_id"])
                .returning(OutboxRow.id)
            )
            inserted += len((await self.session.execute(statement)).all())
        return inserted

    async def claim(self, limit: int, now: datetime, channel: str, lease: timedelta = DEFAULT_LEASE) -> list[OutboxItem]:
        """Takes back this channel's rows whose claim is older than `lease` (a sender that died),
        then claims up to `limit` due pending rows, oldest first: they become sending, stamped
        `now`, one attempt more. Rows another transaction has locked are skipped, not waited
        for (PostgreSQL; SQLite ignores the locking clause)."""
        if limit <= 0:
            return []
        stale = (
            select(OutboxRow.id)
            .where(
                OutboxRow.channel == channel,
                OutboxRow.state == DeliveryState.SENDING.value,
                OutboxRow.claimed_at < now - lease,
            )
            .with_for_update(skip_locked=True)
        )
        await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(stale))
            .values(state=DeliveryState.PENDING.value, claimed_at=None)
            .execution_options(synchronize_session=False)
        )
        rows = (
            await self.session.execute(
                select(
                    OutboxRow.id,
                    OutboxRow.key,
                    OutboxRow.person_id,
                    OutboxRow.channel,
                    OutboxRow.chat_id,
                    OutboxRow.text,
                    OutboxRow.kind,
                    OutboxRow.campaign_code,
                    OutboxRow.unit_id,
                    OutboxRow.buttons,
                    OutboxRow.attempts,
                )
                .where(
                    OutboxRow.channel == channel,
                    OutboxRow.state == DeliveryState.PENDING.value,
                    OutboxRow.next_attempt_at <= now,
                )
                .order_by(OutboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return []
        await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_([row.id for row in rows]))
            .values(state=DeliveryState.SENDING.value, claimed_at=now, attempts=OutboxRow.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return [
            OutboxItem(
                id=row.id,
                message=OutboxMessage(
                    key=row.key,
                    person_id=row.person_id,
                    channel=row.channel,
                    chat_id=row.chat_id,
                    text=row.text,
                    kind=row.kind,
                    campaign_code=row.campaign_code,
                    unit_id=row.unit_id,
                    buttons=_buttons_from_json(row.buttons),
                ),
                attempts=row.attempts + 1,
            )
            for row in rows
        ]

    async def mark(
        self,
        item_id: int,
        state: DeliveryState,
        now: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Records a send's outcome. SENT stamps `sent_at`; PENDING schedules another try at
        `retry_at` (at once without one); FAILED, BLOCKED and NEVER_STARTED are final, and the
        last two also mark the chat as refusing, so no later reminder is queued for it."""
        state = DeliveryState(state)
        values: dict[str, Any] = {"state": state.value}
        if error is not None:
            values["error"] = error
        if state is DeliveryState.SENT:
            values["sent_at"] = now
        elif state is DeliveryState.PENDING:
            values.update(next_attempt_at=retry_at or now, claimed_at=None)
        elif state not in FINAL:
            raise ValueError(f"an outbox row cannot be marked {state}: claim() makes rows sending")
        marked = (
            await self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id)
                .values(**values)
                .returning(OutboxRow.channel, OutboxRow.chat_id)
                .execution_options(synchronize_session=False)
            )
        ).one_or_none()
        if marked is None:
            raise LookupError(f"no outbox row {item_id}")
        if state in REFUSED:
            await self.session.execute(
                update(Chat)
                .where(Chat.channel == marked.channel, Chat.chat_id == marked.chat_id)
                .values(blocked_at=now, blocked_reason=state.value)
                .execution_options(synchronize_session=False)
            )

    async def ledger(self, campaign_code: str, unit_ids: Collection[int]) -> dict[DeliveryState, int]:
        """Outbox rows of the campaign addressed about these units, per state (every state a key)."""
        counts = dict.fromkeys(DeliveryState, 0)
        ids = list(unit_ids)
        if not ids:
            return counts
        rows = await self.session.execute(
            select(OutboxRow.state, func.count(OutboxRow.id))
            .where(OutboxRow.campaign_code == campaign_code, OutboxRow.unit_id.in_(ids))
            .group_by(OutboxRow.state)
        )
        for state, count in rows:
            counts[DeliveryState(state)] = count
        return counts

    async def fired(self, slot_key: str) -> bool:
        return bool(await self.session.scalar(select(exists().where(ReminderRun.slot_key == slot_key))))

    async def record_fire(self, slot_key: str, outcome: str, now: datetime) -> bool:
        """Marks the slot handled; False if it already was (a concurrent worker waits for the
        first one's commit on PostgreSQL, then inserts nothing)."""
        statement = (
            insert(self.session, ReminderRun)
            .values(slot_key=slot_key, outcome=outcome, fired_at=now)
            .on_conflict_do_nothing(index_elements=["slot_key"])
            .returning(ReminderRun.slot_key)
        )
        return (await self.session.execute(statement)).first() is not None

    async def reminded_today(self, unit_ids: Collection[int], day_key: str) -> frozenset[int]:
        """Those of these units with an outbox row under `day_key` (a key prefix, compared exactly:
        no LIKE wildcards, and case-sensitive on SQLite too)."""
        ids = list(unit_ids)
        if not ids:
            return frozenset()
        rows = await self.session.scalars(
            select(OutboxRow.unit_id)
            .where(OutboxRow.unit_id.in_(ids), func.substr(OutboxRow.key, 1, len(day_key)) == day_key)
            .distinct()
        )
        return frozenset(rows)

    async def _holders(self, role: Role, unit_ids: Sequence[int]) -> dict[int, list[Recipient]]:
        """Per unit on which someone holds `role`, those of them with a chat to reach them in, by
        name (a unit whose holders are all unreachable maps to []); one query. Each person's
        chat is their most recently active one not marked as refusing."""
        if not unit_ids:
            return {}
        in_force = (
            GrantRow.unit_id.in_(list(unit_ids)),
            GrantRow.role == role.value,
            GrantRow.revoked_at.is_(None),
        )
        chats = _latest_open_chats(select(GrantRow.person_id).where(*in_force))
        rows = await self.session.execute(
            select(
                GrantRow.unit_id,
                GrantRow.person_id,
                Person.full_name,
                chats.c.channel,
                chats.c.chat_id,
                chats.c.locale,
            )
            .join(Person, Person.id == GrantRow.person_id)
            .outerjoin(chats, and_(chats.c.person_id == GrantRow.person_id, chats.c.rank == 1))
            .where(*in_force)
            .order_by(GrantRow.unit_id, Person.full_name, GrantRow.person_id)
        )
        found: dict[int, list[Recipient]] = {}
        for row in rows:
            reachable = found.setdefault(row.unit_id, [])
            if row.chat_id is not None:
                reachable.append(
                    Recipient(row.person_id, row.full_name, row.channel, row.chat_id, row.locale or DEFAULT_LOCALE)
                )
        return found


def _latest_open_chats(people: Select[tuple[int]]) -> Subquery:
    """The chats of these people not marked as refusing, ranked per person from the most
    recently active (rank 1), with the locale the conversation runs in."""
    return (
        select(
            Chat.person_id,
            Chat.channel,
            Chat.chat_id,
            Chat.state["locale"].as_string().label("locale"),
            func.row_number()
            .over(partition_by=Chat.person_id, order_by=(Chat.updated_at.desc(), Chat.id.desc()))
            .label("rank"),
        )
        .where(Chat.person_id.in_(people), Chat.blocked_at.is_(None))
        .subquery()
    )


def _ancestors(unit_id: int, parent_of: Mapping[int, int | None]) -> list[int]:
    """The unit's parent, its parent's parent, … up to the root (a cycle ends the walk)."""
    chain: list[int] = []
    up = parent_of.get(unit_id)
    while up is not None and up not in chain and up != unit_id:
        chain.append(up)
        up = parent_of.get(up)
    return chain


def _outbox_values(message: OutboxMessage, now: datetime) -> dict[str, Any]:
    return {
        "key": message.key,
        "person_id": message.person_id,
        "channel": message.channel,
        "chat_id": message.chat_id,
        "kind": message.kind,
        "campaign_code": message.campaign_code,
        "unit_id": message.unit_id,
        "text": message.text,
        "buttons": [[[label, value] for label, value in row] for row in message.buttons],
        "state": DeliveryState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _buttons_from_json(data: Iterable[Iterable[Iterable[str]]] | None) -> tuple[tuple[tuple[str, str], ...], ...]:
    return tuple(tuple((str(label), str(value)) for label, value in row) for row in data or ())
