"""A send's outcome, decided in the core: a retry is due again, a delivery ends the run of
failures, a refusal marks the chat; a message queued without an expiry is worth a day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.base.outbox import FINAL_STATES, REFUSED_STATES, DeliveryState
from bot.delivery.lifetimes import UNDATED_LIFETIME, expiry
from bot.delivery.outcomes import Outcome, Refusal, Retry, outcome

NOW = datetime(2023, 11, 10, 1, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(minutes=5)
EARLIER = NOW - timedelta(minutes=30)


def test_pending_is_tried_again_when_asked_or_at_once_failing_since_the_runs_first_failure() -> None:
    assert outcome(DeliveryState.PENDING, NOW, LATER, EARLIER) == Outcome(DeliveryState.PENDING, retry=Retry(LATER, EARLIER))
    assert outcome(DeliveryState.PENDING, NOW) == Outcome(DeliveryState.PENDING, retry=Retry(NOW, None))


def test_a_delivery_is_dated_and_blocks_nothing() -> None:
    assert outcome(DeliveryState.SENT, NOW, LATER, EARLIER) == Outcome(DeliveryState.SENT, sent_at=NOW)


@pytest.mark.parametrize("state", sorted(REFUSED_STATES))
def test_a_refusal_is_final_and_marks_the_chat_refusing_with_its_reason(state: DeliveryState) -> None:
    assert outcome(state, NOW) == Outcome(state, refusal=Refusal(NOW, state))


@pytest.mark.parametrize("state", sorted(FINAL_STATES - REFUSED_STATES - {DeliveryState.SENT}))
def test_a_failure_or_an_expiry_is_final_and_leaves_the_chat_as_it_was(state: DeliveryState) -> None:
    assert outcome(state, NOW) == Outcome(state)


def test_only_a_claim_makes_a_row_sending() -> None:
    with pytest.raises(ValueError, match="cannot be marked sending"):
        outcome(DeliveryState.SENDING, NOW)


def test_a_message_is_worth_sending_until_its_expiry_or_a_day_after_it_was_queued_without_one() -> None:
    assert expiry(LATER, EARLIER) == LATER
    assert expiry(None, EARLIER) == EARLIER + UNDATED_LIFETIME == EARLIER + timedelta(days=1)
