"""Honest waits (issue 15): the call-back queue (待回电).

- `callbacks`: one row per handoff that became a call-back instead of a quoted wait (too long,
  outside service hours, or the customer went quiet), with the number to call (encrypted and
  masked), the customer's confirmation, the time promised, whether the customer was told, and
  the agent's note once called back. Unique on `handoff_id`, so a retried handoff request or a
  second idle pass never makes two.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from bot.casedesk.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("handoff_id", sa.Integer(), sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("phone_enc", sa.Text()),
        sa.Column("phone_masked", sa.String(16)),
        sa.Column("confirmation", sa.String(16)),
        sa.Column("confirmed_at", UTCDateTime()),
        sa.Column("promised_by", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("told_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime()),
        sa.Column("done_by", sa.String(64)),
        sa.Column("note", sa.Text()),
        sa.Column("note_enc", sa.Text()),
        sa.UniqueConstraint("handoff_id", name="uq_callbacks_handoff"),
    )
    op.create_index("ix_callbacks_status_promised", "callbacks", ["status", "promised_by"])
    op.create_index("ix_callbacks_case", "callbacks", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_callbacks_case", table_name="callbacks")
    op.drop_index("ix_callbacks_status_promised", table_name="callbacks")
    op.drop_table("callbacks")
