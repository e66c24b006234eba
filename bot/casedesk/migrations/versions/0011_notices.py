"""Customer notices (issue 14): the notice outbox.

- `notice_cursor`: the last history row (case_events.id) the outbox has read, and the newest row
  there was at this migration: steps taken before it send no late notices.
- `case_notices`: one notice per lifecycle step the customer is told of (受理, 延期, 暂停, 恢复计时,
  决定), unique on its history row and on (case, kind, step), with the text as rendered.
- `notice_deliveries`: one row per route of a notice (web, sms, wechat), unique on (notice, route).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from bot.casedesk.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_cursor",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("start_event_id", sa.Integer(), nullable=False),
    )
    op.create_table(
        "case_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source_event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("step_key", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("source_event_id", name="uq_case_notices_event"),
        sa.UniqueConstraint("case_id", "kind", "step_key", name="uq_case_notices_step"),
    )
    op.create_index("ix_case_notices_conversation", "case_notices", ["conversation_id", "id"])
    op.create_table(
        "notice_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("notice_id", sa.Integer(), sa.ForeignKey("case_notices.id", ondelete="CASCADE"), nullable=False),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("recipient_masked", sa.String(32)),
        sa.Column("provider_ref", sa.String(64)),
        sa.Column("error", sa.String(200)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime()),
        sa.UniqueConstraint("notice_id", "route", name="uq_notice_deliveries_route"),
    )
    op.create_index("ix_notice_deliveries_status", "notice_deliveries", ["status", "route", "id"])
    # start after the history already there: old steps were told (or not) before notices existed
    conn = op.get_bind()
    last = conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM case_events")).scalar_one()
    conn.execute(
        sa.text("INSERT INTO notice_cursor (name, last_event_id, start_event_id) VALUES ('lifecycle', :last, :last)"), {"last": int(last)}
    )


def downgrade() -> None:
    op.drop_index("ix_notice_deliveries_status", table_name="notice_deliveries")
    op.drop_table("notice_deliveries")
    op.drop_index("ix_case_notices_conversation", table_name="case_notices")
    op.drop_table("case_notices")
    op.drop_table("notice_cursor")
