"""回访 (issue 14): the survey after a decision, one per decision (bot/casedesk/surveys.py).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from bot.casedesk.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_surveys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("case_decisions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closes_at", UTCDateTime(), nullable=False),
        sa.Column("score", sa.Integer()),
        sa.Column("comment", sa.Text()),
        sa.Column("answered_at", UTCDateTime()),
        sa.UniqueConstraint("decision_id", name="uq_case_surveys_decision"),
    )
    op.create_index("ix_case_surveys_case", "case_surveys", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_surveys_case", table_name="case_surveys")
    op.drop_table("case_surveys")
