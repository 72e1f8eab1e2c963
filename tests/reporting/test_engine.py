"""The engine as transcripts: whole reports, every question kind, every kind of bad input."""

from __future__ import annotations

from bot.conversation import ConversationState
from bot.report import ReportStatus
from tests.dialogue import Dialogue
from tests.sample_form import sample_form

HAPPY_PATH = [
    ("/baocao", "Question 1/7"),
    ("[In writing]", "Saved question 1: In writing"),
    ("[Skip ▶]", "Question 3/7"),
    ("The ward is calm.", "Added (17 characters so far)"),
    ("Crime fell.", "(29 characters so far)"),
    ("[Done]", "Type a whole number from 0 to 500"),
    ("12", "Criterion 1/2 · Question 5/7"),
    ("[Met]", "Describe what was done"),
    ("Patrols every night.", "Added (20 characters so far)"),
    ("[Done]", "Send photos or documents as evidence"),
    ("<photo>", "Received: 1 file"),
    ("[Done]", "Criterion 2/2"),
    ("[Not yet due for assessment]", "meet the conditions"),
    ("[Yes]", "Describe what was done"),
    ("Headquarters under construction.", "Added"),
    ("[Done]", "evidence"),
    ("[Done]", "Question 7/7"),
    ("[Done]", "All questions are answered"),
    ("[Submit report]", "Submit the report of Công an phường Nghi Hải now?"),
]


def test_a_whole_report_from_start_to_confirmation() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(HAPPY_PATH)
    assert dialogue.answers == {
        "hinh-thuc": {"choice": "van-ban"},
        "ngay": {"skipped": True},
        "I.1": {"text": "The ward is calm.\nCrime fell."},
        "II.3": {"number": 12},
        "TC.1": {
            "status": "dat",
            "narrative": "Patrols every night.",
            "files": [{"kind": "photo", "ref": "file-1", "size": 1048576, "path": "/tmp/u1.jpg"}],
        },
        "TC.2": {"status": "chua_den", "eligible": True, "narrative": "Headquarters under construction."},
        "tep": {"skipped": True},
    }
    dialogue.send("[Yes, submit]")
    assert dialogue.submitted == 1
    assert dialogue.status is ReportStatus.SUBMITTED


def test_bad_input_is_answered_and_nothing_is_lost() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(
        [
            ("/baocao", "Form of the review"),
            ("maybe", "Please choose one of the buttons below"),
            ("in", "Please choose one of the buttons below"),
            ("2", "Saved question 1: In writing"),
            ("31/02/2023", "There is no such day as 31/02/2023"),
            ("next tuesday", "Please write the date as dd/mm/yyyy"),
            ("25/11/2023", "Saved question 2: 25/11/2023"),
            ("<sticker>", "cannot be read"),
            ("[Done]", "Nothing written yet"),
            ("Calm", "Added (4 characters so far)"),
            ("[Done]", "Please write at least 5 characters (now 4)"),
            ("x" * 60, "Too long: this answer takes at most 50 characters and already has 4"),
            (" ward", "Added (10 characters so far)"),
            ("<photo>", "This question does not take files"),
            ("[Done]", "Type a whole number"),
            ("twelve", "That is not a whole number"),
            ("501", "501 is out of range: type a whole number from 0 to 500"),
            ("1.200", "1,200 is out of range"),
            ("7", "Criterion 1/2"),
            ("[Not met]", "Describe what was done"),
            ("<photo 30MB>", "That file is too large (30 MB). Each file can be at most 20 MB"),
            ("<photo>", "Received: 1 file"),
            ("We tried.", "Added (9 characters so far)"),
            ("done", "Send photos or documents as evidence"),
            ("[Done]", "Criterion 2/2"),
        ]
    )
    assert dialogue.answers["I.1"] == {"text": "Calm\n ward"}
    assert dialogue.answers["II.3"] == {"number": 7}
    assert dialogue.answers["TC.1"]["status"] == "chua_dat"
    assert len(dialogue.answers["TC.1"]["files"]) == 1


def test_an_old_button_cannot_change_anything() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.send("/baocao")
    first_step = dialogue.state.step
    dialogue.send("[Conference]")
    answer = dialogue.send(f"[#{first_step}:In writing]")
    assert "no longer works" in answer
    assert dialogue.answers["hinh-thuc"] == {"choice": "hoi-nghi"}
    assert len(dialogue.versions["hinh-thuc"]) == 1


def test_back_walks_through_stages_then_questions_and_keeps_answers() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(
        [
            ("/baocao", "Form of the review"),
            ("[Conference]", "Date of the review"),
            ("/quaylai", "Current answer: Conference"),
            ("[In writing]", "Date of the review"),
            ("[Skip ▶]", "Situation"),
            ("Quiet year", "Added"),
            ("/quaylai", "unsaved text or files"),
            ("[Done]", "Number of inspections"),
            ("3", "Criterion 1/2"),
            ("[Not yet due for assessment]", "meet the conditions"),
            ("[◀ Back]", "Choose the unit's self-assessment"),
            ("[Met]", "Describe what was done"),
        ]
    )
    assert dialogue.versions["hinh-thuc"] == [{"choice": "hoi-nghi"}, {"choice": "van-ban"}]


def test_review_and_edit_by_number_keep_history() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(
        [
            ("/baocao", "Form of the review"),
            ("[Conference]", "Date"),
            ("/xemlai", "Review — Công an phường Nghi Hải — page 1/1"),
            ("4", "Number of inspections"),
            ("9", "Review — Công an phường Nghi Hải"),
            ("/sua 1", "Current answer: Conference"),
            ("[In writing]", "Review"),
            ("/sua 99", "from 1 to 7"),
        ]
    )
    assert dialogue.versions["hinh-thuc"] == [{"choice": "hoi-nghi"}, {"choice": "van-ban"}]
    assert dialogue.answers["II.3"] == {"number": 9}


def test_review_is_paginated() -> None:
    dialogue = Dialogue(sample_form(criteria=20))
    dialogue.send("/baocao")
    first = dialogue.send("/xemlai")
    assert "page 1/4" in first
    assert "Criterion 4: not answered" in first
    assert "Criterion 5" not in first
    assert "page 2/4" in dialogue.send("[Next ▶]")
    assert "page 1/4" in dialogue.send("[◀ Previous]")


def test_submit_lists_what_is_missing_and_then_locks() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.send("/baocao")
    answer = dialogue.send("/nop")
    assert "5 required questions are not answered: 1, 3, 4, 5, 6" in answer
    assert dialogue.submitted == 0
    dialogue.send("[Answer what is missing]")
    dialogue.run(HAPPY_PATH[1:] + [("[Yes, submit]", "")])
    assert dialogue.status is ReportStatus.SUBMITTED
    locked = dialogue.send("/baocao")
    assert "can no longer be changed" in locked
    assert "BC-000001-1" in locked
    assert "can no longer be changed" in dialogue.send("/sua 1")


def test_resume_after_a_break_returns_to_the_same_stage_with_the_draft() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(HAPPY_PATH[:8] + [("Half of the narrative", "Added")])
    saved_state = ConversationState.from_dict(dialogue.state.to_dict())
    resumed = Dialogue(sample_form())
    resumed.versions = dialogue.versions
    resumed.state = saved_state
    answer = resumed.send("/baocao")
    assert "Criterion 1/2" in answer and "Describe what was done" in answer
    resumed.send("[Done]")
    resumed.send("[Done]")
    assert resumed.answers["TC.1"]["narrative"] == "Half of the narrative"


def test_progress_counts_criteria_by_status_and_days_left() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(HAPPY_PATH[:17])
    progress = dialogue.send("/tiendo")
    assert "Answered 6/7 questions." in progress
    assert "Criteria: 2/2 answered (1 met, 0 not met, 1 not yet due)" in progress
    assert "Deadline: Saturday, 25/11/2023 (5 days left)" in progress


def test_vietnamese_texts_have_diacritics_and_vietnamese_dates() -> None:
    dialogue = Dialogue(sample_form(), locale="vi")
    opening = dialogue.send("/baocao")
    assert "Câu 1/7" in opening
    assert "thứ Bảy, 25/11/2023" in opening
    assert "Hội nghị" in dialogue.keyboard()


def test_returned_report_reopens_only_the_questions_to_revise() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(HAPPY_PATH + [("[Yes, submit]", "")])
    dialogue.return_for_revision({"TC.2"})
    dialogue.run(
        [
            ("/baocao", "Criterion 2/2"),
            ("/sua 1", "Question 1 is not open for revision"),
            ("/nop", "1 required question is not answered: 6"),
            ("[Answer what is missing]", "Criterion 2/2"),
            ("[Met]", "Describe what was done"),
            ("[Keep previous text]", "evidence"),
            ("[Done]", "All questions are answered"),
            ("[Submit report]", "Submit the report"),
            ("[Yes, submit]", ""),
        ]
    )
    assert dialogue.status is ReportStatus.RESUBMITTED
    assert dialogue.submitted == 2
    assert [v["status"] for v in dialogue.versions["TC.2"]] == ["chua_den", "dat"]
    assert dialogue.answers["TC.2"]["narrative"] == "Headquarters under construction."
