"""Each report keeps how many of its criteria its current answers give each status (met, not
met, not yet due), moved by a trigger on every criterion's answer written: a new version takes
its status from the count of the one it replaces. A province's summary and workbook then say
where each unit stands from the report rows alone. Reports answered before are counted here.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.base.forms import CRITERION_PREFIX, CriterionStatus

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {"criteria_met": CriterionStatus.MET, "criteria_not_met": CriterionStatus.NOT_MET, "criteria_not_yet_due": CriterionStatus.NOT_YET_DUE}
REPLACED = (
    "(SELECT earlier.criterion_status FROM answers AS earlier WHERE earlier.report_id = NEW.report_id"
    " AND earlier.question_id = NEW.question_id AND earlier.version < NEW.version ORDER BY earlier.version DESC LIMIT 1)"
)
"""The status of the version the written answer replaces (none for a first answer)."""
COUNTED = "UPDATE reports SET " + ", ".join(
    f"{column} = {column} + (CASE WHEN NEW.criterion_status = '{status}' THEN 1 ELSE 0 END)"
    f" - (CASE WHEN {REPLACED} = '{status}' THEN 1 ELSE 0 END)"
    for column, status in COLUMNS.items()
) + " WHERE id = NEW.report_id"
CRITERION = f"substr(NEW.question_id, 1, {len(CRITERION_PREFIX)}) = '{CRITERION_PREFIX}'"
SQLITE_TRIGGER = f"CREATE TRIGGER answers_criteria_counted AFTER INSERT ON answers FOR EACH ROW WHEN {CRITERION} BEGIN {COUNTED}; END"
POSTGRES_FUNCTION = f"CREATE FUNCTION answers_criteria_counted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {COUNTED}; RETURN NULL; END $$"
POSTGRES_TRIGGER = (
    f"CREATE TRIGGER answers_criteria_counted AFTER INSERT ON answers FOR EACH ROW WHEN ({CRITERION})"
    " EXECUTE FUNCTION answers_criteria_counted()"
)
CURRENT = "NOT EXISTS (SELECT 1 FROM answers AS newer WHERE newer.report_id = answers.report_id AND newer.question_id = answers.question_id AND newer.version > answers.version)"


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("reports", sa.Column(column, sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE reports SET "
        + ", ".join(
            f"{column} = (SELECT count(*) FROM answers WHERE answers.report_id = reports.id AND answers.criterion_status = '{status}'"
            f" AND substr(answers.question_id, 1, {len(CRITERION_PREFIX)}) = '{CRITERION_PREFIX}' AND {CURRENT})"
            for column, status in COLUMNS.items()
        )
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER answers_criteria_counted ON answers")
        op.execute("DROP FUNCTION answers_criteria_counted()")
    else:
        op.execute("DROP TRIGGER answers_criteria_counted")
    for column in reversed(COLUMNS):
        op.drop_column("reports", column)
