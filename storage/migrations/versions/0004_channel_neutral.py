"""Channel-neutral updates and outbox: platform update ids become text (Zalo's message ids are
opaque strings), the inbox keeps the order of arrival in an id of its own, and an outbox row
carries the whole message (the step its buttons belong to, and an optional attachment).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPDATE_ID = sa.String(length=128)


def _inbox_columns(update_id: sa.types.TypeEngine[Any]) -> list[sa.Column[Any]]:
    return [
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("update_id", update_id, nullable=False),
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _stored_updates() -> list[dict[str, object]]:
    """The inbox as it stands, oldest first, to be written back in the new shape."""
    inbox = sa.table("inbox", *(sa.column(c.name, c.type) for c in _inbox_columns(sa.String())))
    rows = op.get_bind().execute(sa.select(inbox).order_by(inbox.c.channel, inbox.c.received_at)).mappings()
    return [dict(row) for row in rows]


def upgrade() -> None:
    op.add_column("outbox", sa.Column("step", sa.Integer(), nullable=True))
    op.add_column("outbox", sa.Column("attachment", sa.JSON(), nullable=True))
    with op.batch_alter_table("processed_updates") as batch:
        batch.alter_column(
            "update_id", type_=UPDATE_ID, existing_type=sa.BigInteger(), postgresql_using="update_id::text"
        )
    stored = _stored_updates()
    op.drop_index(op.f("ix_inbox_received_at"), table_name="inbox")
    op.drop_table("inbox")
    inbox = op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        *_inbox_columns(UPDATE_ID),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("channel", "update_id", name=op.f("uq_inbox_channel_update_id")),
    )
    op.create_index(op.f("ix_inbox_received_at"), "inbox", ["received_at"])
    stored.sort(key=lambda row: (row["channel"], row["received_at"], int(str(row["update_id"]))))
    op.bulk_insert(inbox, [{**row, "update_id": str(row["update_id"])} for row in stored])


def downgrade() -> None:
    numeric = [row for row in _stored_updates() if str(row["update_id"]).isdigit()]
    op.drop_index(op.f("ix_inbox_received_at"), table_name="inbox")
    op.drop_table("inbox")
    inbox = op.create_table(
        "inbox",
        *_inbox_columns(sa.BigInteger()),
        sa.PrimaryKeyConstraint("channel", "update_id", name=op.f("pk_inbox")),
    )
    op.create_index(op.f("ix_inbox_received_at"), "inbox", ["received_at"])
    op.bulk_insert(inbox, [{**row, "update_id": int(str(row["update_id"]))} for row in numeric])
    log = sa.table("processed_updates", sa.column("channel", sa.String()), sa.column("update_id", UPDATE_ID))
    bind = op.get_bind()
    not_numbers = [row for row in bind.execute(sa.select(log)) if not str(row.update_id).isdigit()]
    for row in not_numbers:  # ids no whole number can hold have no place in the old schema
        bind.execute(sa.delete(log).where(log.c.channel == row.channel, log.c.update_id == row.update_id))
    with op.batch_alter_table("processed_updates") as batch:
        batch.alter_column(
            "update_id", type_=sa.BigInteger(), existing_type=UPDATE_ID, postgresql_using="update_id::bigint"
        )
    op.drop_column("outbox", "attachment")
    op.drop_column("outbox", "step")
