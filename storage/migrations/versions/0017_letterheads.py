"""A unit keeps what its row of the organisation sheet says of its documents (the managing body,
the issuing body's name, its abbreviation, who signs and as what), and a campaign who issues its
province's summary: both as JSON, only what was said, so that the unit kinds file fills the rest.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("units", sa.Column("letterhead", sa.JSON(), nullable=True))
    op.add_column("campaigns", sa.Column("issuer", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("campaigns", "issuer")
    op.drop_column("units", "letterhead")
