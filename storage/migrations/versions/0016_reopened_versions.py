"""A return records the version each reopened answer stood at, so that an answer counts as
revised once it has a newer version: the order of events, not the times beside them, which come
from the clocks of different processes (an officer's and a supervisor's) that need not agree.

Reports already returned keep what the earlier rule said: the versions saved before the return.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORTS = sa.table(
    "reports",
    sa.column("id", sa.Integer()),
    sa.column("returned_at", sa.DateTime(timezone=True)),
    sa.column("reopened", sa.JSON()),
    sa.column("reopened_versions", sa.JSON()),
)
ANSWERS = sa.table(
    "answers",
    sa.column("report_id", sa.Integer()),
    sa.column("question_id", sa.String()),
    sa.column("version", sa.Integer()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.add_column("reports", sa.Column("reopened_versions", sa.JSON(), server_default="{}", nullable=False))
    connection = op.get_bind()
    reopened = {
        row.id: set(row.reopened)
        for row in connection.execute(sa.select(REPORTS.c.id, REPORTS.c.reopened).where(REPORTS.c.returned_at.is_not(None)))
        if row.reopened
    }
    saved_before_return = connection.execute(
        sa.select(ANSWERS.c.report_id, ANSWERS.c.question_id, sa.func.max(ANSWERS.c.version).label("version"))
        .join(REPORTS, REPORTS.c.id == ANSWERS.c.report_id)
        .where(REPORTS.c.returned_at.is_not(None), ANSWERS.c.created_at < REPORTS.c.returned_at)
        .group_by(ANSWERS.c.report_id, ANSWERS.c.question_id)
    )
    versions: dict[int, dict[str, int]] = {}
    for row in saved_before_return:
        if row.question_id in reopened.get(row.report_id, ()):
            versions.setdefault(row.report_id, {})[row.question_id] = row.version
    for report_id, stood_at in versions.items():
        connection.execute(sa.update(REPORTS).where(REPORTS.c.id == report_id).values(reopened_versions=stood_at))


def downgrade() -> None:
    op.drop_column("reports", "reopened_versions")
