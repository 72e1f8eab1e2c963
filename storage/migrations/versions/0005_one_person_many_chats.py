"""One person, several chats: the conversation state moves from each chat to its person (so a
report goes on in whichever messenger the person writes from), and an invite may link a chat to
an existing person instead of making a new one (a link code, /lienket). Outbox rows keep the
language they are written in, for channels that add words of their own (a typed-choice hint).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("locale", sa.String(length=16), server_default="vi", nullable=False))
    op.add_column("people", sa.Column("state", sa.JSON(), nullable=True))
    # Each person continues where their most recently active chat stood.
    op.execute(
        sa.text(
            "UPDATE people SET state = (SELECT chats.state FROM chats WHERE chats.person_id = people.id "
            "ORDER BY chats.updated_at DESC, chats.id DESC LIMIT 1)"
        )
    )
    with op.batch_alter_table("invites") as batch:
        batch.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_invites_person_id_people"), "people", ["person_id"], ["id"])
        batch.create_index(op.f("ix_invites_person_id"), ["person_id"])
        batch.alter_column("unit_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("role", existing_type=sa.String(length=32), nullable=True)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM invites WHERE unit_id IS NULL OR role IS NULL"))
    with op.batch_alter_table("invites") as batch:
        batch.alter_column("role", existing_type=sa.String(length=32), nullable=False)
        batch.alter_column("unit_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_index(op.f("ix_invites_person_id"))
        batch.drop_constraint(op.f("fk_invites_person_id_people"), type_="foreignkey")
        batch.drop_column("person_id")
    op.drop_column("people", "state")
    op.drop_column("outbox", "locale")
