"""Initial case desk schema: cases, transcript, history, audit log, daily counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from bot.casedesk.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("intake_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("business_line", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("customer_name_enc", sa.Text()),
        sa.Column("customer_name_masked", sa.String(64)),
        sa.Column("phone_enc", sa.Text()),
        sa.Column("phone_hash", sa.String(64)),
        sa.Column("phone_masked", sa.String(16)),
        sa.Column("branch", sa.String(128)),
        sa.Column("occurred_at", sa.String(32)),
        sa.Column("amount_fen", sa.BigInteger()),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("demand", sa.Text()),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("compensation_requested", sa.Boolean(), nullable=False),
        sa.Column("handoff_reason", sa.String(16)),
        sa.Column("escalation_signals", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("contact_due_at", UTCDateTime(), nullable=False),
        sa.Column("reply_due_at", UTCDateTime()),
        sa.Column("decision_due_at", UTCDateTime(), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("extension_reason", sa.Text()),
        sa.Column("extended_at", UTCDateTime()),
        sa.Column("contacted_at", UTCDateTime()),
        sa.Column("replied_at", UTCDateTime()),
        sa.Column("resolved_at", UTCDateTime()),
        sa.Column("next_due_at", UTCDateTime()),
        sa.Column("repeat_of", sa.String(24)),
        sa.Column("repeat_flag", sa.Boolean(), nullable=False),
        sa.Column("group_flag", sa.Boolean(), nullable=False),
        sa.Column("group_key", sa.String(32)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("case_no", name="uq_cases_case_no"),
        sa.UniqueConstraint("conversation_id", "intake_id", name="uq_cases_conversation_intake"),
    )
    op.create_index("ix_cases_conversation_id", "cases", ["conversation_id"])
    op.create_index("ix_cases_created_at", "cases", ["created_at"])
    op.create_index("ix_cases_status_priority", "cases", ["status", "priority", "created_at"])
    op.create_index("ix_cases_category_status", "cases", ["category", "status", "created_at"])
    op.create_index("ix_cases_priority", "cases", ["priority", "created_at"])
    op.create_index("ix_cases_repeat_flag", "cases", ["repeat_flag", "created_at"])
    op.create_index("ix_cases_group_flag", "cases", ["group_flag", "created_at"])
    op.create_index("ix_cases_repeat_lookup", "cases", ["phone_hash", "category", "created_at"])
    op.create_index("ix_cases_group_lookup", "cases", ["branch", "category", "created_at"])
    op.create_index("ix_cases_next_due", "cases", ["next_due_at"])
    op.create_index("ix_cases_group_key", "cases", ["group_key"])

    op.create_table(
        "case_transcript",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("turn_key", sa.String(64)),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "turn_key", name="uq_case_transcript_turn_key"),
    )
    op.create_index("ix_case_transcript_case_at", "case_transcript", ["case_id", "at"])

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("field", sa.String(32)),
        sa.Column("old_value", sa.Text()),
        sa.Column("new_value", sa.Text()),
        sa.Column("note", sa.Text()),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id", "id"])

    op.create_table(
        "audit_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("case_no", sa.String(24)),
        sa.Column("remote", sa.String(64)),
    )
    op.create_index("ix_audit_log_case_no", "audit_log", ["case_no", "at"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])

    op.create_table(
        "case_counters",
        sa.Column("day", sa.String(8), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_counters")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_index("ix_audit_log_case_no", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_case_events_case_id", table_name="case_events")
    op.drop_table("case_events")
    op.drop_index("ix_case_transcript_case_at", table_name="case_transcript")
    op.drop_table("case_transcript")
    for name in (
        "ix_cases_group_key",
        "ix_cases_next_due",
        "ix_cases_group_lookup",
        "ix_cases_repeat_lookup",
        "ix_cases_group_flag",
        "ix_cases_repeat_flag",
        "ix_cases_priority",
        "ix_cases_category_status",
        "ix_cases_status_priority",
        "ix_cases_created_at",
        "ix_cases_conversation_id",
    ):
        op.drop_index(name, table_name="cases")
    op.drop_table("cases")
