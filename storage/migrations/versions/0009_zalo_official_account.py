"""A province's Zalo Official Account: its rotating tokens kept where every worker sees them (one
refresh at a time, under a row lock), the phone an officer shares so a reminder can still reach
them by ZNS outside Zalo's 7-day window, and the template data such a message carries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credentials",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_credentials")),
    )
    op.add_column("chats", sa.Column("phone", sa.String(length=32), nullable=True))
    op.add_column("outbox", sa.Column("data", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "data")
    op.drop_column("chats", "phone")
    op.drop_table("credentials")
