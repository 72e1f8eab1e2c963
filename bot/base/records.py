"""The records that cross between the core and storage: plain, immutable data, read from the
database and handed to the core (bot/base/ports.py says who reads and writes which): the
organisation and its campaigns, people, chats and invites, reports and their history. A message's
way in and out has its own records, beside its ports: bot/base/inbox.py, bot/base/outbox.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.base.answers import AnswerValue
from bot.base.deadline import ReminderPlan, unit_due
from bot.base.forms import CriterionStatus, LocalText
from bot.base.letterhead import Letterhead
from bot.base.report_status import LOCKED_STATUSES, ReportStatus, needs_revision

__all__ = [
    "ANSWER_ACTION",
    "AuditEntry",
    "BotEntrance",
    "CampaignRecord",
    "ChatRecord",
    "ChatRoute",
    "CodeCheck",
    "Contact",
    "Enrolment",
    "Grant",
    "InviteLink",
    "InviteProblem",
    "LinkedPerson",
    "LoadedUnit",
    "NewInvite",
    "PendingInvite",
    "Recipient",
    "Redemption",
    "ReportRecord",
    "Role",
    "UnitRecord",
]


class Role(StrEnum):
    REPORTER = "reporter"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


# ----- the organisation and its campaigns ---------------------------------------------------------


@dataclass(frozen=True)
class UnitRecord:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    demo: bool = False
    letterhead: Letterhead = Letterhead()  # what its row of the organisation sheet says of its documents


@dataclass(frozen=True)
class CampaignRecord:
    code: str
    title: LocalText
    opens: date
    report_due: date | None
    reminders: ReminderPlan = field(default_factory=ReminderPlan)
    closes: date | None = None
    issuer: Letterhead | None = None  # who issues the province's summary, where the campaign file says

    def closed(self, today: date) -> bool:
        return self.closes is not None and today > self.closes


# ----- people, chats, invites ------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedUnit:
    """A unit as the database holds it, with what an import must know of it."""

    code: str
    name: str
    kind: str
    parent_code: str | None
    retired: bool
    has_reports: bool
    demo: bool = False
    letterhead: Letterhead = Letterhead()


@dataclass(frozen=True)
class ChatRecord:
    """A platform chat and, once linked by an invite, the person behind it. `state` is the
    conversation: the person's (the same in each of their chats) once linked, the chat's own
    before."""

    channel: str
    chat_id: str
    person_id: int | None
    state: Mapping[str, Any]
    user_id: str | None = None
    phone: str | None = None
    """A phone number the person shared from this chat (kept once saved; None leaves it be)."""


@dataclass(frozen=True)
class Grant:
    person_id: int
    unit_id: int
    unit_code: str
    unit_name: str
    role: Role


@dataclass(frozen=True)
class LinkedPerson:
    """A grant in force, with the person's name and the chats they use (most recent first)."""

    grant_id: int
    person_id: int
    full_name: str
    role: Role
    unit_id: int
    linked_chats: int
    last_seen: datetime | None
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipient:
    """A person to write to, and the chat to reach them in (their most recently active one)."""

    person_id: int
    full_name: str
    channel: str
    chat_id: str
    locale: str
    refusing: bool = False
    """The chat refused the bot's last message (asked for `including_refusing` only)."""


@dataclass(frozen=True)
class ChatRoute:
    """One of a person's chats, as a way to reach them."""

    channel: str
    chat_id: str
    refusing: bool


@dataclass(frozen=True)
class Contact:
    full_name: str
    phone: str | None
    """A mobile number in international form (84…), if the person shared one or was imported with it."""


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class CodeCheck:
    """What a code would do if spent now, read before it is: why it would give nothing; or the
    role on a unit an invite gives; or, for a link code, the person it joins the chat to."""

    problem: InviteProblem | None = None
    role: Role | None = None
    unit_name: str = ""
    person_id: int | None = None


@dataclass(frozen=True)
class Redemption:
    """The outcome of a code: the person the chat now belongs to and the grant the code gave
    (none for a link code, which joins the chat to a person linked elsewhere), or why it gave
    nothing."""

    person_id: int | None = None
    grant: Grant | None = None
    problem: InviteProblem | None = None
    joined_existing: bool = False


@dataclass(frozen=True)
class InviteLink:
    """How an invite code is opened on one channel: its name as people know it, and the link."""

    channel: str
    url: str


@dataclass(frozen=True)
class BotEntrance:
    """How people reach a bot whose platform has no link that carries a code: the name
    to look for and a link that opens its chat, as far as the settings give them; there the
    officer sends the code."""

    channel: str
    name: str = ""
    link: str = ""


@dataclass(frozen=True)
class NewInvite:
    code: str
    unit_code: str
    unit_name: str
    role: Role
    expires_at: datetime


@dataclass(frozen=True)
class IssuedInvite:
    """One invite on a printed or forwarded sheet, worded for its reader."""

    unit_code: str
    unit_name: str
    full_name: str
    phone: str
    role: str  # as the reader calls it
    code: str
    links: tuple[InviteLink, ...]
    expires: datetime  # when the code stops working, on the reader's clock (their time zone)
    entrances: tuple[BotEntrance, ...] = ()

    @property
    def start(self) -> str:
        """What to send the bot."""
        return f"/start {self.code}"

    @property
    def qr_link(self) -> str | None:
        """What a phone's camera opens: the first link that carries the code, else a link to a
        bot where the code is then sent; None where the settings give neither."""
        if self.links:
            return self.links[0].url
        return next((entrance.link for entrance in self.entrances if entrance.link), None)

    @property
    def qr_content(self) -> str:
        """What the QR code holds: the link it opens, or, where there is none, what to send."""
        return self.qr_link or self.start


@dataclass(frozen=True)
class PendingInvite:
    """An invite not yet used, withdrawn or expired: someone may still join with it."""

    code: str
    unit_id: int
    role: Role
    expires_at: datetime
    full_name: str = ""  # the person it was issued for, if the province named one
    phone: str = ""


# ----- reports ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRecord:
    """One unit's report in one campaign, as it stands."""

    id: int
    unit_id: int
    unit_code: str
    unit_name: str
    campaign_code: str
    campaign_title: LocalText
    form_id: str
    status: ReportStatus
    report_due: date | None  # the unit's own deadline when extended, else the campaign's
    campaign_opens: date | None = None
    receipt_no: str | None = None
    submitted_at: datetime | None = None
    submissions: int = 0
    reopened: frozenset[str] = field(default=frozenset())
    returned_at: datetime | None = None
    returned_versions: Mapping[str, int] = field(default_factory=dict)
    """The version each reopened answer stood at when the report was returned (absent: none)."""
    versions: Mapping[str, int] = field(default_factory=dict)
    """The newest version of each reopened answer."""
    return_comment: str | None = None

    @property
    def needs_revision(self) -> frozenset[str]:
        return needs_revision(self.reopened, self.returned_versions, self.versions)


@dataclass(frozen=True)
class ReportWithAnswers:
    """A report and its current answers, read together for a turn that goes on with it."""

    report: ReportRecord
    answers: Mapping[str, AnswerValue]


@dataclass(frozen=True)
class PreviousAnswers:
    """What the unit said last time on the same form: the answers of its latest report filed in
    an earlier campaign, which the officer may carry over question by question."""

    campaign_code: str
    campaign_title: LocalText
    answers: Mapping[str, AnswerValue]


@dataclass(frozen=True)
class Enrolment:
    """One unit enrolled in a campaign, and where its report stands, counted: the one reading of
    a unit's standing that the status, the chasing, the reminders and the exports all share.
    `report_id` is None until someone first opens the report. `answered` counts the questions
    with a saved answer: the engine saves only what bot.base.answers.is_answered accepts (a whole
    criterion, a skip only where optional), so it is the count the officer sees in /tiendo."""

    unit_id: int
    form_id: str
    report_id: int | None
    status: ReportStatus | None
    answered: int
    answered_criteria: int
    last_activity: datetime | None
    submitted_at: datetime | None = None
    receipt_no: str | None = None
    extended_to: date | None = None
    """The unit's own deadline, when a supervisor extended it for this unit alone."""
    criteria: Mapping[CriterionStatus, int] = field(default_factory=dict)
    """How many of its criteria its current answers give each status (a skip gives none)."""

    @property
    def handed_in(self) -> bool:
        """Submitted, resubmitted or approved: what the summaries count and reminders stop at."""
        return self.status in LOCKED_STATUSES

    def report_due(self, campaign_due: date | None) -> date | None:
        """The deadline this unit answers to: its own when extended, else the campaign's."""
        return unit_due(self.extended_to, campaign_due)


ANSWER_ACTION = "answer"
"""The history entry of one saved answer version: its `details` hold the question and the
value before and after."""
CARRIED_ACTION = "carried_over"
"""An answer kept from the unit's previous campaign: its `details` hold the question and that
campaign's code."""


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when; `details` holds the before/after or the comment."""

    at: datetime
    action: str
    actor_id: int | None = None
    actor_name: str | None = None
    unit_id: int | None = None
    report_id: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
