"""Escalation marks (issue 13, learning from production): handoffs an agent marked 不必要 and
customer messages marked 漏转, with the message as the trainer pages show it (PII replaced).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from bot.casedesk.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE")),
        sa.Column("handoff_id", sa.Integer()),
        sa.Column("turn_id", sa.Integer()),
        sa.Column("message_id", sa.String(64)),
        sa.Column("event_id", sa.BigInteger()),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("marked_by", sa.String(64), nullable=False),
        sa.Column("marked_at", UTCDateTime(), nullable=False),
        sa.Column("inbox_at", UTCDateTime()),
        sa.UniqueConstraint("handoff_id", "kind", name="uq_escalation_marks_handoff_kind"),
        sa.UniqueConstraint("turn_id", "kind", name="uq_escalation_marks_turn_kind"),
    )
    op.create_index("ix_escalation_marks_message_at", "escalation_marks", ["message_at"])


def downgrade() -> None:
    op.drop_index("ix_escalation_marks_message_at", table_name="escalation_marks")
    op.drop_table("escalation_marks")
