"""Auto-assignment (issue 15): each console user's presence (在线 / 忙碌 / 离开) and when their
console was last open, so waiting handoffs go only to agents who are there
(bot/casedesk/assignment.py).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from bot.casedesk.models import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("console_users") as batch:
        # everyone starts away: nobody is handed customers before they say they are there
        batch.add_column(sa.Column("presence", sa.String(8), nullable=False, server_default="away"))
        batch.add_column(sa.Column("seen_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("console_users") as batch:
        batch.drop_column("seen_at")
        batch.drop_column("presence")
