"""The customer's 正在输入… (issue 15): until when the agent holding a handoff counts as typing a
reply, set by the workspace's reply box and read by the chat page (bot/casedesk/agent_typing.py).
A column, not process memory, so every case-desk process answers the same.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from bot.casedesk.models import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("agent_typing_until", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("agent_typing_until")
