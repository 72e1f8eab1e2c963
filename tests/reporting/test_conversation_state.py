"""The conversation state survives storage exactly: whatever a turn leaves, the next turn reads
back the same state from the JSON the database keeps, and the two actors' slices never mix."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bot.base.conversation import (
    ConversationState,
    Draft,
    Mode,
    Reporting,
    ReturnDraft,
    Stage,
    Supervising,
)
from bot.base.menu import Menu, MenuEntry

ids = st.integers(min_value=1, max_value=2**31 - 1)
words = st.text(max_size=40)
question_ids = st.sampled_from(["q1", "q2", "TC.1", "TC.34", "ket-qua"])
stored_file = st.fixed_dictionaries(
    {"file_id": words, "name": words, "mime": st.sampled_from(["image/jpeg", "application/pdf"]), "size": st.integers(0, 20 * 2**20)}
)
drafts = st.builds(
    Draft,
    question_id=question_ids,
    status=st.none() | st.sampled_from(["done", "not_done", "not_yet_due"]),
    eligible=st.none() | st.booleans(),
    text_parts=st.tuples(words, words) | st.tuples(),
    files=st.lists(stored_file, max_size=3).map(tuple),
)
reporting = st.builds(
    Reporting,
    mode=st.sampled_from(Mode),
    report_id=st.none() | ids,
    question_id=st.none() | question_ids,
    stage=st.none() | st.sampled_from(Stage),
    draft=st.none() | drafts,
    review_page=st.integers(0, 50),
    return_to_review=st.booleans(),
    report_choices=st.lists(ids, max_size=4).map(tuple),
)
supervising = st.builds(
    Supervising,
    return_draft=st.none()
    | st.builds(ReturnDraft, report_id=ids, unit_id=ids, selected=st.lists(question_ids, max_size=4, unique=True).map(tuple), commenting=st.booleans()),
)
menus = st.builds(Menu, step=st.integers(0, 10_000), entries=st.lists(st.builds(MenuEntry, label=words, value=words, numbered=st.booleans()), max_size=6).map(tuple))
states = st.builds(
    ConversationState,
    locale=st.sampled_from(["vi", "en"]),
    step=st.integers(0, 10_000),
    menu=st.none() | menus,
    reporting=reporting,
    supervising=supervising,
)


@given(states)
def test_a_state_reads_back_equal_from_the_json_storage_keeps(state: ConversationState) -> None:
    stored = json.loads(json.dumps(state.to_dict()))
    assert ConversationState.from_dict(stored) == state


@given(states, st.sampled_from(Mode), st.none() | question_ids)
def test_the_officers_changes_leave_the_supervisors_slice_alone(state: ConversationState, mode: Mode, question_id: str | None) -> None:
    changed = state.evolve(mode=mode, question_id=question_id, step=state.step + 1)
    assert changed.supervising == state.supervising
    assert (changed.reporting.mode, changed.reporting.question_id, changed.step) == (mode, question_id, state.step + 1)
    assert changed.reporting.draft == state.reporting.draft


def test_a_state_kept_before_the_slices_still_reads() -> None:
    legacy = {"locale": "vi", "step": 4, "mode": "return_commenting", "return_draft": {"report_id": 7, "unit_id": 3, "selected": ["TC.3"]}}
    state = ConversationState.from_dict(legacy)
    assert state.supervising.return_draft == ReturnDraft(7, 3, ("TC.3",), commenting=True)
    assert state.reporting.mode is Mode.IDLE and state.step == 4


def test_nothing_stored_is_a_fresh_conversation() -> None:
    assert ConversationState.from_dict(None) == ConversationState() == ConversationState.from_dict({})
