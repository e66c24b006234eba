"""NLU inbox: customer messages a trainer confirmed, corrected or set aside.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from bot.casedesk.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlu_examples",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("intent", sa.String(64)),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("predicted_intent", sa.String(64)),
        sa.Column("confidence", sa.Float()),
        sa.Column("reviewed_by", sa.String(64), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("message_id", name="uq_nlu_examples_message_id"),
    )
    op.create_index("ix_nlu_examples_status", "nlu_examples", ["status", "reviewed_at"])


def downgrade() -> None:
    op.drop_index("ix_nlu_examples_status", table_name="nlu_examples")
    op.drop_table("nlu_examples")
