"""The inbox looked up by chat: several workers behind one address handle a chat's updates in the
order they arrived, each waiting for the chat's earlier updates that another worker holds.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_inbox_channel_chat_key_id", "inbox", ["channel", "chat_key", "id"])


def downgrade() -> None:
    op.drop_index("ix_inbox_channel_chat_key_id", table_name="inbox")
