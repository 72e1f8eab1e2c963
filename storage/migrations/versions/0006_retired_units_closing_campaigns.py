"""A province's own organisation and campaigns: a unit left out of an imported tree is retired
(kept with its history, left out of new campaigns) rather than deleted, and a campaign closes on
a date of its own, after which its reports are no longer open and its reminders stop.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("units", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("campaigns", sa.Column("closes", sa.Date(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of `units` would trip the foreign keys that
    # point at it.
    op.drop_column("campaigns", "closes")
    op.drop_column("units", "retired_at")
