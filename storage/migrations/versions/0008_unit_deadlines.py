"""A unit's own deadline: a supervisor extends the report deadline of one unit (/giahan), and
that unit's reminders and late marking follow it; the other units keep the campaign's.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("enrolments", sa.Column("extended_to", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("enrolments", "extended_to")
