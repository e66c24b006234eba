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


# plain ALTER TABLE (SQLite ≥ 3.35 drops a column in place): a batch operation would copy and
# drop `cases`, and with foreign keys on, the drop cascades to every transcript row
def upgrade() -> None:
    op.add_column("cases", sa.Column("rating", sa.Integer()))
    op.add_column("cases", sa.Column("rated_at", UTCDateTime()))


def downgrade() -> None:
    op.drop_column("cases", "rated_at")
    op.drop_column("cases", "rating")
