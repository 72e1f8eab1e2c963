"""Wrong invite and link codes typed, from every chat, so that guessing is slowed down across
chats, channels and workers (bot/linking/guessing.py), not only per chat; kept a day.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wrong_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("typed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wrong_codes")),
    )
    op.create_index(op.f("ix_wrong_codes_typed_at"), "wrong_codes", ["typed_at"])
    op.create_index("ix_wrong_codes_channel_typed_at", "wrong_codes", ["channel", "typed_at"])


def downgrade() -> None:
    op.drop_table("wrong_codes")
