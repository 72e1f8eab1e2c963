"""Supervision: an audit trail of who did what to which report, and the comment a report was
returned with.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["people.id"], name=op.f("fk_audit_actor_id_people")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_audit_report_id_reports")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_audit_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    op.create_index(op.f("ix_audit_at"), "audit", ["at"])
    op.create_index(op.f("ix_audit_report_id"), "audit", ["report_id"])
    op.create_index(op.f("ix_audit_unit_id"), "audit", ["unit_id"])
    # Plain ALTER TABLE on both databases (SQLite ≥ 3.35 drops columns too): a batch rebuild of
    # `reports` would have to drop a table that answers reference, which SQLite refuses while
    # foreign keys are enforced.
    op.add_column("reports", sa.Column("return_comment", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("reports", "return_comment")
    op.drop_table("audit")
