"""Spending a code, decided in the core: which codes can be spent, and what spending one makes of
the chat (a new person, the same person with one more role, or a chat joined to a person linked
elsewhere, a duplicate merged into them)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.base.records import InviteProblem, Role
from bot.linking.redemption import IssuedCode, Spending, spend

NOW = datetime(2023, 11, 10, 1, 0, tzinfo=timezone.utc)
WEEK = NOW + timedelta(days=7)
INVITE = IssuedCode(WEEK, unit_id=3, role=Role.REPORTER)
LINK_CODE = IssuedCode(WEEK, person_id=7)


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        (IssuedCode(NOW - timedelta(seconds=1), used_at=NOW - timedelta(days=1), revoked_at=NOW - timedelta(hours=1)), InviteProblem.REVOKED),
        (IssuedCode(NOW - timedelta(seconds=1), used_at=NOW - timedelta(days=1)), InviteProblem.USED),
        (IssuedCode(NOW), InviteProblem.EXPIRED),  # at its expiry it has expired
        (IssuedCode(NOW - timedelta(seconds=1), person_id=7), InviteProblem.EXPIRED),
    ],
)  # fmt: skip
def test_a_withdrawn_then_a_spent_then_an_expired_code_gives_nothing(code: IssuedCode, problem: InviteProblem) -> None:
    assert spend(code, None, "An", NOW) is problem
    assert spend(code, 5, "An", NOW) is problem


def test_an_invite_makes_a_new_person_named_as_the_list_named_them_or_as_they_call_themselves() -> None:
    assert spend(INVITE, None, "an_nghihai", NOW) == Spending(None, "an_nghihai", None, (3, Role.REPORTER), joined_existing=False)
    named = IssuedCode(WEEK, unit_id=3, role=Role.SUPERVISOR, full_name="Phan Thị Hoa")
    assert spend(named, None, "hoa", NOW) == Spending(None, "Phan Thị Hoa", None, (3, Role.SUPERVISOR), joined_existing=False)
    last_second = IssuedCode(NOW + timedelta(seconds=1), unit_id=3, role=Role.REPORTER)
    assert spend(last_second, None, "An", NOW) == Spending(None, "An", None, (3, Role.REPORTER), joined_existing=False)


def test_an_invite_gives_a_linked_person_one_more_role_and_nobody_new() -> None:
    assert spend(INVITE, 5, "An", NOW) == Spending(5, "", None, (3, Role.REPORTER), joined_existing=False)
    named = IssuedCode(WEEK, unit_id=3, role=Role.REPORTER, full_name="Phan Thị Hoa")
    assert spend(named, 5, "An", NOW) == Spending(5, "", None, (3, Role.REPORTER), joined_existing=False)


def test_a_link_code_joins_the_chat_to_its_person_merging_the_chats_own_person_and_gives_no_role() -> None:
    assert spend(LINK_CODE, None, "An", NOW) == Spending(7, "", None, None, joined_existing=True)
    assert spend(LINK_CODE, 5, "An", NOW) == Spending(7, "", 5, None, joined_existing=True)
    assert spend(LINK_CODE, 7, "An", NOW) == Spending(7, "", None, None, joined_existing=False)  # already theirs
