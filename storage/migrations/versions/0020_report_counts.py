"""What a supervisor's status turn counts, kept where it is read: each report holds how many
questions (and criteria) it has an answer to and when the latest was given, moved by a trigger on
every answer written, so /tinhhinh and /chuanop never count the answer rows; each unit holds its
name folded (bot.base.text.fold), so a list of units is ordered and paged in the database; the
answers are indexed by question first, so /tieuchi reads one question's answers, not all.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.base.forms import CRITERION_PREFIX
from bot.base.text import fold

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST = (
    "NOT EXISTS (SELECT 1 FROM answers AS earlier WHERE earlier.report_id = NEW.report_id"
    " AND earlier.question_id = NEW.question_id AND earlier.version < NEW.version)"
)
"""Whether the answer written is the question's first: a later version answers nothing new."""
CRITERION = f"substr(NEW.question_id, 1, {len(CRITERION_PREFIX)}) = '{CRITERION_PREFIX}'"
COUNTED = (
    "UPDATE reports SET answered = answered + (CASE WHEN {first} THEN 1 ELSE 0 END),"
    " answered_criteria = answered_criteria + (CASE WHEN {first} AND {criterion} THEN 1 ELSE 0 END),"
    " last_answer_at = {latest}"
    " WHERE id = NEW.report_id"
)
SQLITE_TRIGGER = (
    "CREATE TRIGGER answers_counted AFTER INSERT ON answers FOR EACH ROW BEGIN "
    + COUNTED.format(first=FIRST, criterion=CRITERION, latest="max(coalesce(last_answer_at, NEW.created_at), NEW.created_at)")
    + "; END"
)
POSTGRES_FUNCTION = (
    "CREATE FUNCTION answers_counted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    + COUNTED.format(first=FIRST, criterion=CRITERION, latest="GREATEST(last_answer_at, NEW.created_at)")
    + "; RETURN NULL; END $$"
)
POSTGRES_TRIGGER = "CREATE TRIGGER answers_counted AFTER INSERT ON answers FOR EACH ROW EXECUTE FUNCTION answers_counted()"


def upgrade() -> None:
    op.add_column("reports", sa.Column("answered", sa.Integer(), server_default="0", nullable=False))
    op.add_column("reports", sa.Column("answered_criteria", sa.Integer(), server_default="0", nullable=False))
    op.add_column("reports", sa.Column("last_answer_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("units", sa.Column("name_key", sa.String(length=255), server_default="", nullable=False))
    op.execute(
        f"""UPDATE reports SET
            answered = (SELECT count(DISTINCT question_id) FROM answers WHERE answers.report_id = reports.id),
            answered_criteria = (SELECT count(DISTINCT question_id) FROM answers WHERE answers.report_id = reports.id
                                 AND substr(question_id, 1, {len(CRITERION_PREFIX)}) = '{CRITERION_PREFIX}'),
            last_answer_at = (SELECT max(created_at) FROM answers WHERE answers.report_id = reports.id)"""
    )
    bind = op.get_bind()
    units = sa.table("units", sa.column("id", sa.Integer()), sa.column("name", sa.String()), sa.column("name_key", sa.String()))
    keys = [{"b_id": unit_id, "b_key": fold(name)} for unit_id, name in bind.execute(sa.select(units.c.id, units.c.name))]
    if keys:
        bind.execute(sa.update(units).where(units.c.id == sa.bindparam("b_id")).values(name_key=sa.bindparam("b_key")), keys)
    op.create_index("ix_answers_question_id_report_id_version", "answers", ["question_id", "report_id", "version"])
    if bind.dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER answers_counted" + (" ON answers" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION answers_counted()")
    op.drop_index("ix_answers_question_id_report_id_version", table_name="answers")
    op.drop_column("units", "name_key")
    op.drop_column("reports", "last_answer_at")
    op.drop_column("reports", "answered_criteria")
    op.drop_column("reports", "answered")
