"""Each answer keeps its criterion's status and eligibility beside the value they are part of
(storage/models.py fills them as a row is written), so a province's summary counts statuses on
columns instead of parsing every answer's JSON, and the answers' index by question carries both,
so that count reads the index alone. Answers written before are filled here.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("answers", sa.Column("criterion_status", sa.String(length=16), nullable=True))
    op.add_column("answers", sa.Column("eligible", sa.Boolean(), nullable=True))
    answers = sa.table(
        "answers", sa.column("value", sa.JSON()), sa.column("criterion_status", sa.String()), sa.column("eligible", sa.Boolean())
    )
    op.execute(
        sa.update(answers).values(criterion_status=answers.c.value["status"].as_string(), eligible=answers.c.value["eligible"].as_boolean())
    )
    op.drop_index("ix_answers_question_id_report_id_version", table_name="answers")
    op.create_index("ix_answers_question_report_version_status", "answers", ["question_id", "report_id", "version", "criterion_status", "eligible"])


def downgrade() -> None:
    op.drop_index("ix_answers_question_report_version_status", table_name="answers")
    op.create_index("ix_answers_question_id_report_id_version", "answers", ["question_id", "report_id", "version"])
    op.drop_column("answers", "eligible")
    op.drop_column("answers", "criterion_status")
