"""A small form with one question of every kind, for engine tests independent of the catalogs."""

from __future__ import annotations

from bot.base.forms import Form, LocalText, Option, Question, QuestionKind

SECTION_I = LocalText("I. Tình hình có liên quan", "I. Background")
SECTION_III = LocalText("III.2. Kết quả thực hiện các tiêu chí", "III.2. Results per criterion")


def criterion(n: int, total: int) -> Question:
    return Question(
        id=f"TC.{n}",
        kind=QuestionKind.CRITERION,
        prompt=LocalText(f"Tiêu chí {n} (thử nghiệm)", f"Criterion {n} (test)"),
        section=SECTION_III,
        criterion_number=n,
        criteria_total=total,
        max_length=200,
    )


def sample_form(criteria: int = 2) -> Form:
    return Form(
        id="sample",
        version=1,
        title=LocalText("Mẫu thử", "Sample"),
        questions=(
            Question(
                id="hinh-thuc",
                kind=QuestionKind.CHOICE,
                prompt=LocalText("Hình thức sơ kết", "Form of the review"),
                section=SECTION_I,
                options=(
                    Option("hoi-nghi", LocalText("Hội nghị", "Conference")),
                    Option("van-ban", LocalText("Bằng văn bản", "In writing")),
                ),
            ),
            Question(
                id="ngay",
                kind=QuestionKind.DATE,
                prompt=LocalText("Ngày sơ kết", "Date of the review"),
                section=SECTION_I,
                required=False,
                within_campaign=True,
            ),
            Question(
                id="I.1",
                kind=QuestionKind.TEXT,
                prompt=LocalText("Tình hình", "Situation"),
                section=SECTION_I,
                min_length=5,
                max_length=50,
            ),
            Question(
                id="II.3",
                kind=QuestionKind.NUMBER,
                prompt=LocalText("Số cuộc kiểm tra", "Number of inspections"),
                section=SECTION_I,
                min_value=0,
                max_value=500,
            ),
            *(criterion(n, criteria) for n in range(1, criteria + 1)),
            Question(
                id="tep",
                kind=QuestionKind.ATTACHMENT,
                prompt=LocalText("Tệp báo cáo", "Report file"),
                section=SECTION_I,
                required=False,
            ),
        ),
    )
