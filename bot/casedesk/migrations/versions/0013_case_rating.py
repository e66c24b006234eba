"""The customer's rating lands on the case (issue 14, seed 003 第八条): the 1–5 score the
assistant asks for right after filing was kept only in Rasa's tracker; `cases.rating` and
`cases.rated_at` hold the latest one, so the case page and the supervisor's satisfaction figures
can read it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from bot.casedesk.models import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("rating", sa.Integer()))
        batch.add_column(sa.Column("rated_at", UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("rated_at")
        batch.drop_column("rating")
