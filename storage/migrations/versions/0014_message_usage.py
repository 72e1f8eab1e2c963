"""Messages each channel sent in each calendar month, counted across workers, against the
platform's quota; `alerted_percent` remembers the highest threshold the administrators were
told of that month.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_usage",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("alerted_percent", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("channel", "month", name=op.f("pk_message_usage")),
    )


def downgrade() -> None:
    op.drop_table("message_usage")
