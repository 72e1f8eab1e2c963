"""What a send's outcome changes: the outbox row's state and its next try, and, when the platform
refused the chat itself, the chat. Storage writes what `outcome` decides (storage/outbox.py).

A refusal (the person blocked the bot, never started it, or the platform's window for writing
to them has closed) says nothing about the message and everything about the chat: the chat is
marked refusing, so no later message is queued for it until its person writes again
(bot.base.ports.PeopleQueries.recipients passes it over; saving the chat after their next turn
clears the mark).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.base.outbox import FINAL_STATES, REFUSED_STATES, DeliveryState

__all__ = ["Outcome", "Refusal", "Retry", "outcome"]


@dataclass(frozen=True)
class Retry:
    """Another try: the row is pending again, unclaimed, due `at`; failing since `since` (None:
    this try is no failure, as one the quota held back)."""

    at: datetime
    since: datetime | None


@dataclass(frozen=True)
class Refusal:
    """The mark a refusal leaves on its chat: when, and which refusal."""

    at: datetime
    reason: DeliveryState


@dataclass(frozen=True)
class Outcome:
    state: DeliveryState
    sent_at: datetime | None = None
    """Delivered at; a delivery ends the run of failures."""
    retry: Retry | None = None
    refusal: Refusal | None = None


def outcome(state: DeliveryState, now: datetime, retry_at: datetime | None = None, retrying_since: datetime | None = None) -> Outcome:
    """A send's outcome recorded at `now`: PENDING is tried again at `retry_at` (at once without
    one), every other outcome is final. ValueError for SENDING: only a claim makes a row sending."""
    state = DeliveryState(state)
    if state is DeliveryState.PENDING:
        return Outcome(state, retry=Retry(retry_at or now, retrying_since))
    if state not in FINAL_STATES:
        raise ValueError(f"an outbox row cannot be marked {state}: claim() makes rows sending")
    sent_at = now if state is DeliveryState.SENT else None
    return Outcome(state, sent_at, refusal=Refusal(now, state) if state in REFUSED_STATES else None)
