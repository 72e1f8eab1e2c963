"""The engine as transcripts: whole reports, every question kind, every kind of bad input."""

from __future__ import annotations

from dataclasses import replace

from bot.base.conversation import ConversationState
from bot.base.report_status import ReportStatus
from bot.reporting.prompts import Prompts, help_text
from tests.dialogue import ZONE, Dialogue
from tests.sample_form import sample_form

HAPPY_PATH = [
    ("/baocao", "Question 1/7"),
    ("[In writing]", "Saved Question 1: In writing"),
    ("[Skip ▶]", "Question 3/7"),
    ("The ward is calm.", "Saved Question 3: The ward is calm."),
    ("12", "Criterion 1/2 · Question 5/7"),
    ("[Met]", "Describe what was done and the results achieved, in one message."),
    ("Patrols every night.", "Saved Criterion 1: Met — Patrols every night."),
    ("<photo>", "📎 Attached to Criterion 1: 1 file in all."),
    ("[Not yet due for assessment]", "meet the conditions"),
    ("[Yes]", "Describe what was done and why the criterion cannot be assessed yet"),
    ("Headquarters under construction.", "Question 7/7"),
    ("[Skip ▶]", "All questions are answered"),
    ("[Submit report]", "Submit the report of Công an phường Nghi Hải now?"),
]


def test_a_whole_report_from_start_to_confirmation() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(HAPPY_PATH)
    assert dialogue.answers == {
        "hinh-thuc": {"choice": "van-ban"},
        "ngay": {"skipped": True},
        "I.1": {"text": "The ward is calm."},
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


def test_one_message_is_a_whole_answer_and_more_can_be_added() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(HAPPY_PATH[:4])
    assert "✏️ Write more to Question 3" in dialogue.keyboard()
    dialogue.run(
        [
            ("[✏️ Write more to Question 3]", "what you send now is added after it"),
            ("Crime fell.", "Saved Question 3: The ward is calm. Crime fell."),
            ("12", "Criterion 1/2"),
            ("[Met]", "Describe what was done"),
            ("<photo>", "Received: 1 file. Now write what was done, in one message"),
            ("Patrols.", "Saved Criterion 1: Met — Patrols. (1 file)"),
            ("[✏️ Write more to Criterion 1]", "what you send now is added after it"),
            ("Every night.", "Saved Criterion 1: Met — Patrols. Every night. (1 file)"),
        ]
    )
    assert dialogue.answers["I.1"] == {"text": "The ward is calm.\nCrime fell."}
    assert dialogue.answers["TC.1"]["narrative"] == "Patrols.\nEvery night."
    assert len(dialogue.answers["TC.1"]["files"]) == 1


def test_a_very_long_message_waits_for_the_rest_of_the_paste() -> None:
    form = sample_form()
    roomy = replace(form.questions[2], max_length=8000)
    dialogue = Dialogue(replace(form, questions=(*form.questions[:2], roomy, *form.questions[3:])))
    dialogue.run(HAPPY_PATH[:3])
    first, rest = "a" * 4096, "b" * 100
    dialogue.run([(first, "A long text may arrive in several messages"), (rest, "Saved Question 3")])
    assert dialogue.answers["I.1"] == {"text": f"{first}\n{rest}"}


def test_bad_input_is_answered_and_nothing_is_lost() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(
        [
            ("/baocao", "Form of the review"),
            ("maybe", "Please choose one of the buttons below"),
            ("in", "Please choose one of the buttons below"),
            ("2", "Saved Question 1: In writing"),
            ("31/02/2023", "There is no such day as 31/02/2023"),
            ("next tuesday", "Please write the date as dd/mm/yyyy"),
            ("25/11/2023", "25/11/2023 has not come yet"),
            ("30/09/2023", "30/09/2023 is before the review began on 01/10/2023"),
            ("19/11/23", "Saved Question 2: 19/11/2023"),
            ("<sticker>", "cannot be read"),
            ("/xong", "Nothing written yet"),
            ("Calm", "Please write at least 5 characters (now 4); send more and it is added."),
            ("x" * 60, "Too long: this answer takes at most 50 characters and already has 4"),
            ("ward", "Saved Question 3: Calm ward"),
            ("<photo>", "This question does not take files"),
            ("twelve", "That is not a whole number"),
            ("501", "501 is out of range: type a whole number from 0 to 500"),
            ("1.200", "1,200 is out of range"),
            ("12345678901234567890123456", "12,345,678,901,234,567,890,123,456 is out of range: type a whole number from 0 to 500"),
            ("7", "Criterion 1/2"),
            ("[Not met]", "Describe what was done, what is not achieved yet and why, in one message."),
            ("<photo 30MB>", "That file is too large (30 MB). Each file can be at most 20 MB"),
            ("<photo>", "Received: 1 file"),
            ("We tried.", "Saved Criterion 1: Not met — We tried. (1 file)"),
        ]
    )
    assert dialogue.answers["ngay"] == {"date": "2023-11-19"}
    assert dialogue.answers["I.1"] == {"text": "Calm\nward"}
    assert dialogue.answers["II.3"] == {"number": 7}
    assert dialogue.answers["TC.1"]["status"] == "chua_dat"
    assert len(dialogue.answers["TC.1"]["files"]) == 1


def test_a_day_and_month_alone_take_the_campaigns_year() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run([("/baocao", "Form of the review"), ("[Conference]", "Date of the review"), ("20/11", "Saved Question 2: 20/11/2023")])
    assert dialogue.answers["ngay"] == {"date": "2023-11-20"}


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
            ("Calm", "at least 5 characters"),
            ("/quaylai", "unsaved text or files"),
            ("[Clear and start again]", "Cleared what you had just entered"),
            ("A quiet year.", "Number of inspections"),
            ("3", "Criterion 1/2"),
            ("[Not yet due for assessment]", "meet the conditions"),
            ("[◀ Back]", "Choose the unit's self-assessment"),
            ("[Met]", "Describe what was done"),
        ]
    )
    assert dialogue.versions["hinh-thuc"] == [{"choice": "hoi-nghi"}, {"choice": "van-ban"}]
    assert dialogue.answers["I.1"] == {"text": "A quiet year."}


def test_keeping_an_answer_or_pressing_the_same_option_records_no_edit() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(HAPPY_PATH[:7])
    dialogue.run(
        [
            ("/sua 1", "Current answer: In writing"),
            ("[Keep as it is]", "Kept Question 1: In writing"),
            ("/sua 1", "Current answer: In writing"),
            ("[In writing]", "Kept Question 1: In writing"),
            ("/sua 3", "Text saved so far"),
            ("[Keep as it is]", "Kept Question 3: The ward is calm."),
            ("/sua 5", "Current answer: Met — Patrols every night."),
            ("[Keep as it is]", "Kept Criterion 1"),
            ("/sua 5", "Current answer: Met"),
            ("[Met]", "Describe what was done"),
            ("[Keep as it is]", "Kept Criterion 1"),
            ("/sua 4", "Current answer: 12"),
            ("12", "Kept Question 4: 12"),
        ]
    )
    assert [len(dialogue.versions[q]) for q in ("hinh-thuc", "I.1", "II.3", "TC.1")] == [1, 1, 1, 1]


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


def test_review_is_paginated_and_names_each_question_once() -> None:
    dialogue = Dialogue(sample_form(criteria=20))
    dialogue.send("/baocao")
    first = dialogue.send("/xemlai")
    assert "page 1/4" in first
    assert "⚠️ Question 3 — Situation: not answered" in first
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
    dialogue.run([*HAPPY_PATH[1:], ("[Yes, submit]", "")])
    assert dialogue.status is ReportStatus.SUBMITTED
    locked = dialogue.send("/baocao")
    assert "can no longer be changed" in locked
    assert "BC-000001-1" in locked
    assert "can no longer be changed" in dialogue.send("/sua 1")


def test_resume_after_a_break_returns_to_the_same_stage_with_the_draft() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run([*HAPPY_PATH[:2], ("[Skip ▶]", "Situation"), ("Half", "at least 5 characters")])
    saved_state = ConversationState.from_dict(dialogue.state.to_dict())
    resumed = Dialogue(sample_form())
    resumed.versions = dialogue.versions
    resumed.state = saved_state
    answer = resumed.send("/baocao")
    assert "Question 3/7" in answer and "Type your answer in one message" in answer
    assert "Saved Question 3: Half of it" in resumed.send("of it")


def test_progress_counts_criteria_by_status_and_days_left() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(HAPPY_PATH[:11])
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


def test_returned_report_reopens_only_the_questions_to_revise_and_says_why() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run([*HAPPY_PATH, ("[Yes, submit]", "")])
    dialogue.return_for_revision({"TC.2"}, "Say when the building is finished.")
    opened = dialogue.send("/baocao")
    assert "↩ Returned for revision: Criterion 2." in opened
    assert "Your supervisor's comment: “Say when the building is finished.”" in opened
    assert "Criterion 2/2" in opened and "✏️ To revise, as your supervisor asked" in opened
    progress = dialogue.send("/tiendo")
    assert "↩ Returned for revision: Criterion 2." in progress and "“Say when the building is finished.”" in progress
    assert "↩ Returned for revision: Criterion 2." in dialogue.send("/xemlai")
    dialogue.run(
        [
            ("/sua 1", "Question 1 is not open for revision"),
            ("/nop", "1 required question is not answered: 6"),
            ("[Answer what is missing]", "Criterion 2/2"),
            ("[Met]", "Describe what was done"),
            ("[Keep as it is]", "All questions are answered"),
            ("[Submit report]", "Submit the report"),
            ("[Yes, submit]", ""),
        ]
    )
    assert dialogue.status is ReportStatus.RESUBMITTED
    assert dialogue.submitted == 2
    assert [v["status"] for v in dialogue.versions["TC.2"]] == ["chua_den", "dat"]
    assert dialogue.answers["TC.2"]["narrative"] == "Headquarters under construction."


def test_a_reopened_question_kept_as_it_is_counts_as_revised() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run([*HAPPY_PATH, ("[Yes, submit]", "")])
    dialogue.return_for_revision({"II.3"}, "Check the number.")
    dialogue.run([("/baocao", "Question 4/7"), ("12", "All questions are answered")])
    assert len(dialogue.versions["II.3"]) == 2


def test_an_approved_report_can_be_reopened_not_returned() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run([*HAPPY_PATH, ("[Yes, submit]", "")])
    assert "ask your supervisor to return it for revision" in dialogue.send("/baocao")
    dialogue.status = ReportStatus.APPROVED
    locked = dialogue.send("/baocao")
    assert "ask your supervisor to reopen it for revision" in locked and "return it" not in locked


def test_submitting_again_says_it_was_submitted_with_its_receipt() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run([*HAPPY_PATH, ("[Yes, submit]", "Receipt number: BC-000001-1, at 10:00 on 20/11/2023.")])
    again = dialogue.send("/nop")
    assert again == "The report was already submitted (receipt number BC-000001-1); there is no need to submit it again."
    assert dialogue.submitted == 1


def test_help_in_english_lists_the_english_names_too() -> None:
    english = help_text(Prompts("en", ZONE))
    assert "/baocao (/report) — Start or continue your report" in english
    assert "(/report)" not in help_text(Prompts("vi", ZONE))


def test_a_photo_with_its_caption_is_the_criterions_evidence_and_text_in_one_message() -> None:
    dialogue = Dialogue(sample_form())
    dialogue.run(
        [
            *HAPPY_PATH[:5],
            ("[Met]", "Describe what was done"),
            ("<photo: Patrols every night, photo attached.>", "Saved Criterion 1: Met — Patrols every night, photo attached. (1 file)"),
            ("[Not yet due for assessment]", "meet the conditions"),
            ("[Yes]", "Describe what was done and why"),
        ]
    )
    too_large = dialogue.send("<photo 30MB: Headquarters under construction.>")  # the words are kept all the same
    assert "That file is too large" in too_large
    assert "Saved Criterion 2: Not yet due for assessment (meets the conditions) — Headquarters under construction." in too_large
    refused = dialogue.send("<photo: Minutes of the meeting>")  # the report file takes no words
    assert "The words sent with the file were not saved" in refused and "Received: 1 file" in refused
    assert dialogue.answers["TC.1"]["narrative"] == "Patrols every night, photo attached."
    assert [f["ref"] for f in dialogue.answers["TC.1"]["files"]] == ["file-1"]
    assert dialogue.answers["TC.2"] == {"status": "chua_den", "eligible": True, "narrative": "Headquarters under construction."}
    assert len(dialogue.versions["TC.1"]) == 1  # saved once, the photo and its words together
