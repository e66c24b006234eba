"""The case lifecycle (issue 14): 受理 → 调查 → 决定 → 告知 → 结案, with the decision clock's
extensions and pauses, decisions and 核查.

- `cases.decision_days` (15, 30, 60; 30 in a 核查), `cases.paused_days` (ended pauses, added to
  the deadline), `cases.paused_since` (a pause still running), `cases.review_started_at` (a 核查
  restarted the clock). A case already extended to 30 days gets `decision_days` 30.
- `case_decisions`, `case_extensions`, `case_pauses`, `case_reviews`: one row per step, with who
  and why. A case extended before this migration gets its `case_extensions` row from the case's
  own columns and its `extend` history row (approver = that row's actor, role unknown).

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06
"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from bot.casedesk.models import UTCDateTime

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 500


def _backfill_extensions() -> None:
    """Extensions made before the lifecycle were 15 → 30 days, once: one row each."""
    conn = op.get_bind()
    cases = sa.table(
        "cases", sa.column("id", sa.Integer), sa.column("extended", sa.Boolean),
        sa.column("extension_reason", sa.Text), sa.column("extended_at", UTCDateTime()),
        sa.column("created_at", UTCDateTime()), sa.column("decision_due_at", UTCDateTime()),
        sa.column("decision_days", sa.Integer),
    )
    events = sa.table(
        "case_events", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
        sa.column("kind", sa.String), sa.column("actor", sa.String),
    )
    extensions = sa.table(
        "case_extensions", sa.column("case_id", sa.Integer), sa.column("from_days", sa.Integer),
        sa.column("to_days", sa.Integer), sa.column("reason", sa.Text), sa.column("approved_by", sa.String),
        sa.column("approved_role", sa.String), sa.column("approved_at", UTCDateTime()),
        sa.column("old_due_at", UTCDateTime()), sa.column("new_due_at", UTCDateTime()),
    )
    conn.execute(sa.update(cases).where(cases.c.extended == sa.true()).values(decision_days=30))
    after = 0
    while True:
        rows = conn.execute(
            sa.select(cases).where(cases.c.extended == sa.true(), cases.c.id > after).order_by(cases.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        after = rows[-1].id
        for r in rows:
            actor = conn.execute(
                sa.select(events.c.actor)
                .where(events.c.case_id == r.id, events.c.kind == "extend")
                .order_by(events.c.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            conn.execute(
                sa.insert(extensions).values(
                    case_id=r.id, from_days=15, to_days=30,
                    reason=r.extension_reason or "（迁移前的延期，未记录原因）",
                    approved_by=actor or "unknown", approved_role=None,
                    approved_at=r.extended_at or r.created_at,
                    old_due_at=r.created_at + timedelta(days=15),
                    new_due_at=r.decision_due_at,
                )
            )


def upgrade() -> None:
    # plain ALTER TABLE (no batch copy of `cases`: on SQLite that would cascade-delete the rows
    # that reference it, see 0004); server defaults fill the rows already there
    op.add_column("cases", sa.Column("decision_days", sa.Integer(), nullable=False, server_default="15"))
    op.add_column("cases", sa.Column("paused_days", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("cases", sa.Column("paused_since", UTCDateTime()))
    op.add_column("cases", sa.Column("review_started_at", UTCDateTime()))

    op.create_table(
        "case_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("liability", sa.String(16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger()),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_role", sa.String(16)),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("notified_at", UTCDateTime()),
        sa.Column("notified_by", sa.String(64)),
        sa.Column("notified_via", sa.String(16)),
        sa.Column("notify_note", sa.Text()),
    )
    op.create_index("ix_case_decisions_case", "case_decisions", ["case_id", "id"])
    op.create_table(
        "case_extensions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_days", sa.Integer(), nullable=False),
        sa.Column("to_days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=False),
        sa.Column("approved_role", sa.String(16)),
        sa.Column("approved_at", UTCDateTime(), nullable=False),
        sa.Column("old_due_at", UTCDateTime(), nullable=False),
        sa.Column("new_due_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_case_extensions_case", "case_extensions", ["case_id", "id"])
    op.create_table(
        "case_pauses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_by", sa.String(64)),
        sa.Column("ended_at", UTCDateTime()),
        sa.Column("end_note", sa.Text()),
        sa.Column("days", sa.Integer()),
    )
    op.create_index("ix_case_pauses_case", "case_pauses", ["case_id", "id"])
    op.create_table(
        "case_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "decision_id", sa.Integer(), sa.ForeignKey("case_decisions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("office", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_case_reviews_case", "case_reviews", ["case_id", "id"])
    _backfill_extensions()


def downgrade() -> None:
    op.drop_index("ix_case_reviews_case", table_name="case_reviews")
    op.drop_table("case_reviews")
    op.drop_index("ix_case_pauses_case", table_name="case_pauses")
    op.drop_table("case_pauses")
    op.drop_index("ix_case_extensions_case", table_name="case_extensions")
    op.drop_table("case_extensions")
    op.drop_index("ix_case_decisions_case", table_name="case_decisions")
    op.drop_table("case_decisions")
    op.drop_column("cases", "review_started_at")
    op.drop_column("cases", "paused_since")
    op.drop_column("cases", "paused_days")
    op.drop_column("cases", "decision_days")
