"""质检 before sending (issue 15): one row per agent reply checked before it went to a customer.

- `reply_checks`: who wrote it, when, for which handoff and case, the verdict (passed/blocked),
  the rules and words that blocked it (numbers masked), the blocked text masked with the full
  text encrypted (pii.seal) so a supervisor can let it through, and the release workflow:
  status sent | blocked | requested | released | rejected, the agent's request, and the
  supervisor's decision (who, when, why). The supervisor's figures count from it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from bot.casedesk.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("handoff_id", sa.Integer(), sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("text_enc", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("turn_id", sa.Integer()),
        sa.Column("request_note", sa.Text()),
        sa.Column("requested_at", UTCDateTime()),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", UTCDateTime()),
        sa.Column("decision_reason", sa.Text()),
    )
    op.create_index("ix_reply_checks_checked_at", "reply_checks", ["checked_at"])
    op.create_index("ix_reply_checks_handoff", "reply_checks", ["handoff_id", "checked_at"])
    op.create_index("ix_reply_checks_status", "reply_checks", ["status", "checked_at"])


def downgrade() -> None:
    op.drop_index("ix_reply_checks_status", table_name="reply_checks")
    op.drop_index("ix_reply_checks_handoff", table_name="reply_checks")
    op.drop_index("ix_reply_checks_checked_at", table_name="reply_checks")
    op.drop_table("reply_checks")
