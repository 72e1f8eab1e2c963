"""What a campaign costs in messages, per channel, before it starts (`baocao usage --plan`).

A report's dialogue is one message a turn (the turn's replies fold into one, or go as one text
on a messenger without buttons), and its turns are counted from the form: linking the chat,
opening the report, each question (a criterion takes two: its status, then what was done),
asking to hand it in and handing it in. On the demo's cap-22 form (22 criteria, 16 other
questions) that is 64, the count the real engine gives when a whole report is filed
(tests/reporting/test_campaign_cost.py). A criterion "not yet due" asks one question more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.base.deadline import ReminderPlan
from bot.base.forms import Form, QuestionKind

__all__ = ["NOTICES_PER_REPORT", "TURNS_AROUND_A_REPORT", "CampaignCost", "campaign_cost", "messages_per_report", "reminders_per_officer"]

TURNS_AROUND_A_REPORT = 4
"""Linking the chat, opening the report, asking to hand it in, handing it in."""
NOTICES_PER_REPORT = 1
"""The report approved (or returned, which brings a second dialogue this estimate leaves out)."""


def messages_per_report(form: Form) -> int:
    """The messages the bot sends an officer who files the whole form."""
    return sum(2 if question.kind is QuestionKind.CRITERION else 1 for question in form) + TURNS_AROUND_A_REPORT


def reminders_per_officer(plan: ReminderPlan) -> int:
    """At most: every reminder of the plan, to an officer who hands in only after the deadline."""
    return len(set(plan.days_before)) + (1 if plan.overdue_notice else 0)


@dataclass(frozen=True)
class CampaignCost:
    """One channel's share of a campaign: the officers it reaches and the messages it carries."""

    channel: str
    officers: int
    answering: int
    reminders: int
    notices: int

    @property
    def total(self) -> int:
        return self.answering + self.reminders + self.notices


def campaign_cost(officers: Mapping[str, Sequence[Form]], plan: ReminderPlan) -> list[CampaignCost]:
    """Per channel, from the form each of its officers reports on (one entry per officer and
    unit): their reports' dialogues, every reminder of the plan, a notice per report."""
    return [
        CampaignCost(
            channel, len(forms), sum(messages_per_report(form) for form in forms),
            len(forms) * reminders_per_officer(plan), len(forms) * NOTICES_PER_REPORT,
        )
        for channel, forms in officers.items()
    ]  # fmt: skip
