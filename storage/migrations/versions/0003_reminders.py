"""Reminders: the outbox (one row per reminder and person), the reminder slots already fired,
and chats marked as blocked when a send is refused.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("campaign_code", sa.String(length=64), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("state", sa.String(length=32), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_outbox_person_id_people")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_outbox_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", "person_id", name=op.f("uq_outbox_key_person_id")),
    )
    op.create_index("ix_outbox_state_next_attempt_at", "outbox", ["state", "next_attempt_at"])
    op.create_index(op.f("ix_outbox_person_id"), "outbox", ["person_id"])
    op.create_index(op.f("ix_outbox_unit_id"), "outbox", ["unit_id"])
    op.create_table(
        "reminder_runs",
        sa.Column("slot_key", sa.String(length=255), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slot_key", name=op.f("pk_reminder_runs")),
    )
    # Plain ALTER TABLE on both databases, as in 0002: a batch rebuild of `chats` is not needed
    # for nullable columns.
    op.add_column("chats", sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("chats", sa.Column("blocked_reason", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("chats", "blocked_reason")
    op.drop_column("chats", "blocked_at")
    op.drop_table("reminder_runs")
    op.drop_table("outbox")
