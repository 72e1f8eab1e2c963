"""Invites for named people: a province imports its officers (name, phone, unit, role) and issues
one code per person, so a linked chat carries the name the province gave, not a nickname.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("invites", sa.Column("full_name", sa.String(length=255), nullable=True))
    op.add_column("invites", sa.Column("phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("invites", "phone")
    op.drop_column("invites", "full_name")
