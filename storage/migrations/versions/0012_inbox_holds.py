"""Who still holds a stored update: the worker that stored it vouches, until `held_until`, that
it will handle it, and renews that while it waits its turn; past it, another worker takes the
update over. A worker held up behind a long queue is no longer taken for dead.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as table:
        table.add_column(sa.Column("held_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_inbox_held_until"), "inbox", ["held_until"])


def downgrade() -> None:
    op.drop_index(op.f("ix_inbox_held_until"), table_name="inbox")
    with op.batch_alter_table("inbox") as table:
        table.drop_column("held_until")
