"""SQLAlchemy models of the case desk.

Written for SQLAlchemy 1.4 in the 2.0 style: `Mapped[...]` annotations with `Column(...)`, so
the move to 2.x is a search-and-replace of `Column` by `mapped_column`. The schema itself is
created only by the Alembic migrations in `migrations/`; these classes must match them
(tests/casedesk/test_migrations.py compares the two).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, List, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declarative_base
from sqlalchemy.types import TypeDecorator

from bot.casedesk.cases import case_rules

Base: Any = declarative_base()


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on both backends.

    SQLite keeps naive text; storing UTC there keeps string comparison (overdue, windows) right
    and hands back aware values so the rest of the code never mixes naive and aware times.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("case_no", name="uq_cases_case_no"),
        UniqueConstraint("conversation_id", "intake_id", name="uq_cases_conversation_intake"),
        # list filters: each index ends in created_at so a filtered page is read in order, and
        # the count and the page's ids come from the index alone
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_status_priority", "status", "priority", "created_at"),
        Index("ix_cases_category_status", "category", "status", "created_at"),
        Index("ix_cases_priority", "priority", "created_at"),
        Index("ix_cases_repeat_flag", "repeat_flag", "created_at"),
        Index("ix_cases_group_flag", "group_flag", "created_at"),
        Index("ix_cases_repeat_lookup", "phone_hash", "category", "created_at"),
        Index("ix_cases_group_lookup", "branch", "category", "created_at"),
        Index("ix_cases_next_due", "next_due_at"),
        Index("ix_cases_group_key", "group_key"),
        Index("ix_cases_branch_code", "branch_code", "created_at"),
        # the console's search by name (migration 0007)
        Index("ix_cases_name_lookup", "customer_name_hash", "created_at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_no: Mapped[str] = Column(String(24), nullable=False)
    conversation_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    intake_id: Mapped[str] = Column(String(64), nullable=False)
    channel: Mapped[str] = Column(String(16), nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False)
    category: Mapped[str] = Column(String(32), nullable=False)
    business_line: Mapped[str] = Column(String(32), nullable=False)
    priority: Mapped[str] = Column(String(8), nullable=False)

    # PII: ciphertext, a keyed hash for look-ups, and the masked form lists show without
    # decrypting anything
    customer_name_enc: Mapped[Optional[str]] = Column(Text)
    customer_name_masked: Mapped[Optional[str]] = Column(String(64))
    # keyed hash of the normalised full name (pii.name_hash): search by name, nothing decrypted
    customer_name_hash: Mapped[Optional[str]] = Column(String(64))
    phone_enc: Mapped[Optional[str]] = Column(Text)
    phone_hash: Mapped[Optional[str]] = Column(String(64))
    phone_masked: Mapped[Optional[str]] = Column(String(16))

    # the branch as the customer named it, and the directory branch it resolves to
    # (bot/branches.py): NULL = unresolved, which hides a confidential case from every
    # branch-bound console user until a supervisor resolves it (access.py)
    branch: Mapped[Optional[str]] = Column(String(128))
    branch_code: Mapped[Optional[str]] = Column(String(16))
    occurred_at: Mapped[Optional[str]] = Column(String(32))
    # fen (分): exact on every backend, SQLite has no decimal type
    amount_fen: Mapped[Optional[int]] = Column(BigInteger)
    # free text is stored masked (pii.py: numbers and the customer's name); the full text only
    # Fernet-encrypted in *_enc, NULL when masking changed nothing or after retention
    description: Mapped[str] = Column(Text, nullable=False)
    description_enc: Mapped[Optional[str]] = Column(Text)
    demand: Mapped[Optional[str]] = Column(Text)
    demand_enc: Mapped[Optional[str]] = Column(Text)
    confidential: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    compensation_requested: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    handoff_reason: Mapped[Optional[str]] = Column(String(16))
    escalation_signals: Mapped[List[str]] = Column(JSON, nullable=False, default=list)

    owner: Mapped[str] = Column(String(128), nullable=False)

    contact_due_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    reply_due_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    decision_due_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    extended: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    extension_reason: Mapped[Optional[str]] = Column(Text)
    extended_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    contacted_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    replied_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    resolved_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    # earliest unmet deadline (case_rules.next_due_at); NULL once nothing is pending
    next_due_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    # the decision clock (issue 14, migration 0009): its limit in calendar days (15, 30, 60; 30
    # in a 核查), the days of ended pauses added to it, the start of a pause still running, and
    # when a 核查 restarted it (NULL: the clock runs from created_at)
    decision_days: Mapped[int] = Column(Integer, nullable=False, default=case_rules.DECISION_DAYS, server_default="15")
    paused_days: Mapped[int] = Column(Integer, nullable=False, default=0, server_default="0")
    paused_since: Mapped[Optional[datetime]] = Column(UTCDateTime)
    review_started_at: Mapped[Optional[datetime]] = Column(UTCDateTime)

    # the customer's own rating of the intake (1–5, asked right after filing; migration 0013):
    # the latest one given, and when (ratings.py)
    rating: Mapped[Optional[int]] = Column(Integer)
    rated_at: Mapped[Optional[datetime]] = Column(UTCDateTime)

    repeat_of: Mapped[Optional[str]] = Column(String(24))
    repeat_flag: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    group_flag: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    group_key: Mapped[Optional[str]] = Column(String(32))

    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

    def sla_state(self) -> "case_rules.SlaState":
        """The SLA clock of this case, for the rules in case_rules.py."""
        return case_rules.SlaState(
            status=case_rules.Status(self.status),
            contact_due_at=self.contact_due_at,
            reply_due_at=self.reply_due_at,
            decision_due_at=self.decision_due_at,
            contacted_at=self.contacted_at,
            replied_at=self.replied_at,
            resolved_at=self.resolved_at,
            paused=self.paused_since is not None,
        )

    @property
    def decision_clock_from(self) -> datetime:
        """Where the decision clock starts: filing, or the 核查 request that restarted it."""
        return self.review_started_at or self.created_at


class TranscriptTurn(Base):
    __tablename__ = "case_transcript"
    __table_args__ = (
        # lets a retrying client (the action server's outbox) resend turns without duplicates
        UniqueConstraint("case_id", "turn_key", name="uq_case_transcript_turn_key"),
        Index("ix_case_transcript_case_at", "case_id", "at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(
        Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
    )
    turn_key: Mapped[Optional[str]] = Column(String(64))
    # customer | bot | agent | note (an agent's internal note, never sent to the customer)
    role: Mapped[str] = Column(String(16), nullable=False)
    # masked (pii.py); the full text Fernet-encrypted in text_enc, NULL when nothing was masked
    text: Mapped[str] = Column(Text, nullable=False)
    text_enc: Mapped[Optional[str]] = Column(Text)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    # console user who wrote an agent turn or note
    author: Mapped[Optional[str]] = Column(String(64))
    # agent turns only: sent | failed (the channel did not take it; the console shows it)
    delivery: Mapped[Optional[str]] = Column(String(16))


class CaseEvent(Base):
    """History: status changes, corrections, assignment and SLA extensions."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_id", "case_id", "id"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(
        Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    actor: Mapped[str] = Column(String(64), nullable=False)
    kind: Mapped[str] = Column(String(16), nullable=False)
    field: Mapped[Optional[str]] = Column(String(32))
    # PII fields keep only masked values here
    old_value: Mapped[Optional[str]] = Column(Text)
    new_value: Mapped[Optional[str]] = Column(Text)
    note: Mapped[Optional[str]] = Column(Text)


class AuditEntry(Base):
    """Who touched which case when; a read of a full case is an entry too."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_case_no", "case_no", "at"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    actor: Mapped[str] = Column(String(64), nullable=False)
    action: Mapped[str] = Column(String(32), nullable=False)
    case_no: Mapped[Optional[str]] = Column(String(24))
    remote: Mapped[Optional[str]] = Column(String(64))
    # what an action on many cases covered (an export: its filters, PII masked, and row count)
    detail: Mapped[Optional[str]] = Column(Text)


class CaseCounter(Base):
    """One row per business day; case numbers come from an atomic upsert on it."""

    __tablename__ = "case_counters"

    day: Mapped[str] = Column(String(8), primary_key=True)
    value: Mapped[int] = Column(Integer, nullable=False)


class Handoff(Base):
    """A conversation handed from the bot to a person (docs/design.md, "Escalation and handoff").

    waiting (in the live queue) → active (an agent claimed it) → closed, where `outcome` says
    whether the agent released it back to the bot or closed the conversation.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        # the action server's outbox retries with the same key: one handoff per request
        UniqueConstraint("conversation_id", "request_id", name="uq_handoffs_conversation_request"),
        Index("ix_handoffs_status_priority", "status", "priority", "created_at"),
        Index("ix_handoffs_conversation", "conversation_id", "created_at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(128), nullable=False)
    request_id: Mapped[str] = Column(String(64), nullable=False)
    case_id: Mapped[int] = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    channel: Mapped[str] = Column(String(16), nullable=False)
    reason: Mapped[str] = Column(String(16), nullable=False)
    # the cues that fired (keywords, never the customer's own words around them)
    signals: Mapped[List[str]] = Column(JSON, nullable=False, default=list)
    priority: Mapped[str] = Column(String(8), nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False)
    outcome: Mapped[Optional[str]] = Column(String(16))
    claimed_by: Mapped[Optional[str]] = Column(String(64))
    # Rasa tracker timestamp of the last customer message copied into the transcript
    synced_until: Mapped[Optional[float]] = Column(Float)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    claimed_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    closed_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    # the holder is typing a reply until then (the customer's 正在输入…, agent_typing.py); never
    # touches updated_at, which the console's stream and the finishing mark go by
    agent_typing_until: Mapped[Optional[datetime]] = Column(UTCDateTime)


class ConsoleUser(Base):
    """A person who signs in to the console: agent, supervisor or trainer."""

    __tablename__ = "console_users"
    __table_args__ = (UniqueConstraint("username", name="uq_console_users_username"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(64), nullable=False)
    display_name: Mapped[str] = Column(String(64), nullable=False)
    password_hash: Mapped[str] = Column(String(255), nullable=False)
    role: Mapped[str] = Column(String(16), nullable=False)
    # the branch the user works at (its directory name and code): confidential complaints about
    # it are hidden from them; NULL for head office
    branch: Mapped[Optional[str]] = Column(String(128))
    branch_code: Mapped[Optional[str]] = Column(String(16))
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    # auto-assignment (issue 15, assignment.py): 在线 / 忙碌 / 离开 as the user set it, and when
    # a console page of theirs was last open (a stale one counts as 离开)
    presence: Mapped[str] = Column(String(8), nullable=False, default="away", server_default="away")
    seen_at: Mapped[Optional[datetime]] = Column(UTCDateTime)


class ConsoleSession(Base):
    """A signed-in browser. Only a hash of the cookie's token is stored, so a copy of the
    database does not let anyone sign in."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_expires", "expires_at"),)

    token_hash: Mapped[str] = Column(String(64), primary_key=True)
    user_id: Mapped[int] = Column(
        Integer, ForeignKey("console_users.id", ondelete="CASCADE"), nullable=False
    )
    csrf_token: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)


class NluExample(Base):
    """A customer message from the NLU inbox, decided by a trainer (bot/trainer/inbox.py).

    Only the scrubbed text is stored (placeholders instead of phone and name); `discarded`
    rows keep no text at all, they only keep the message out of the inbox."""

    __tablename__ = "nlu_examples"
    __table_args__ = (
        UniqueConstraint("message_id", name="uq_nlu_examples_message_id"),
        Index("ix_nlu_examples_status", "status", "reviewed_at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    # Rasa's message id of the customer message: one decision per message
    message_id: Mapped[str] = Column(String(64), nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False)  # confirmed | discarded
    text: Mapped[Optional[str]] = Column(Text)
    intent: Mapped[Optional[str]] = Column(String(64))
    entities: Mapped[List[Any]] = Column(JSON, nullable=False, default=list)
    predicted_intent: Mapped[Optional[str]] = Column(String(64))
    confidence: Mapped[Optional[float]] = Column(Float)
    reviewed_by: Mapped[str] = Column(String(64), nullable=False)
    reviewed_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)


class EscalationMark(Base):
    """An agent's or trainer's verdict on the escalation detector (issue 13, learning from
    production): a handoff that was not needed (`unnecessary`, 不必要) or a customer message
    that should have been handed off (`missed`, 漏转).

    `text` is the message as the trainer pages show it (bot/trainer/stories.Scrubber:
    13800000000, 张三, card and ID numbers as zeros); `reason` is the handoff's reason for
    `unnecessary` and the reason that should have fired for `missed`."""

    __tablename__ = "escalation_marks"
    __table_args__ = (
        # one 不必要 per handoff, one 漏转 per message
        UniqueConstraint("handoff_id", "kind", name="uq_escalation_marks_handoff_kind"),
        UniqueConstraint("turn_id", "kind", name="uq_escalation_marks_turn_kind"),
        Index("ix_escalation_marks_message_at", "message_at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    kind: Mapped[str] = Column(String(16), nullable=False)  # unnecessary | missed
    reason: Mapped[str] = Column(String(16), nullable=False)
    conversation_id: Mapped[str] = Column(String(128), nullable=False)
    case_id: Mapped[Optional[int]] = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"))
    handoff_id: Mapped[Optional[int]] = Column(Integer)
    turn_id: Mapped[Optional[int]] = Column(Integer)
    # Rasa's message id and tracker event id of the message, when the tracker store has it
    message_id: Mapped[Optional[str]] = Column(String(64))
    event_id: Mapped[Optional[int]] = Column(BigInteger)
    text: Mapped[str] = Column(Text, nullable=False)
    message_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    note: Mapped[Optional[str]] = Column(Text)
    marked_by: Mapped[str] = Column(String(64), nullable=False)
    marked_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    # when a trainer sent the message to the NLU inbox
    inbox_at: Mapped[Optional[datetime]] = Column(UTCDateTime)


# ---------------------------------------------------------------------------------------------
# The lifecycle (issue 14, migration 0009): decisions, extensions, pauses and 核查, one row each,
# beside the case's history rows (case_events), which a notice sender reads.


class CaseDecision(Base):
    """A decision on a case (决定) and when it was told to the customer (告知). A 核查 leads to a
    second decision (`round` 2); the latest row is the decision in force."""

    __tablename__ = "case_decisions"
    __table_args__ = (Index("ix_case_decisions_case", "case_id", "id"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    round: Mapped[int] = Column(Integer, nullable=False)  # 1, or 2 after a 核查
    outcome: Mapped[str] = Column(String(24), nullable=False)  # case_rules.Outcome
    liability: Mapped[str] = Column(String(16), nullable=False)  # case_rules.Liability
    # fen, like cases.amount_fen; NULL: no amount agreed
    amount_fen: Mapped[Optional[int]] = Column(BigInteger)
    # masked like history notes (pii.mask): numbers and the customer's name
    reasons: Mapped[str] = Column(Text, nullable=False)
    decided_by: Mapped[str] = Column(String(64), nullable=False)
    decided_role: Mapped[Optional[str]] = Column(String(16))  # console role; NULL through the API
    decided_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    # the deadline it was measured against, for "on time" reports
    due_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    notified_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    notified_by: Mapped[Optional[str]] = Column(String(64))
    notified_via: Mapped[Optional[str]] = Column(String(16))  # case_rules.NotifyVia
    notify_note: Mapped[Optional[str]] = Column(Text)


class CaseExtension(Base):
    """A decision deadline extended (延期), with the reason and who approved it in which role."""

    __tablename__ = "case_extensions"
    __table_args__ = (Index("ix_case_extensions_case", "case_id", "id"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    from_days: Mapped[int] = Column(Integer, nullable=False)
    to_days: Mapped[int] = Column(Integer, nullable=False)
    reason: Mapped[str] = Column(Text, nullable=False)
    approved_by: Mapped[str] = Column(String(64), nullable=False)
    # console role of the approver; NULL for the API's legacy /extend (a service, not checked)
    approved_role: Mapped[Optional[str]] = Column(String(16))
    approved_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    old_due_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    new_due_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)


class CasePause(Base):
    """The decision clock stopped for an external 鉴定/评估 (暂停), from start to end."""

    __tablename__ = "case_pauses"
    __table_args__ = (Index("ix_case_pauses_case", "case_id", "id"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    reason: Mapped[str] = Column(Text, nullable=False)
    started_by: Mapped[str] = Column(String(64), nullable=False)
    started_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    ended_by: Mapped[Optional[str]] = Column(String(64))
    ended_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    end_note: Mapped[Optional[str]] = Column(Text)
    # calendar days added to the deadline (case_rules.paused_days_between), once ended
    days: Mapped[Optional[int]] = Column(Integer)


class CaseReview(Base):
    """A 核查: a higher office reopened the decided case within 30 days of its decision."""

    __tablename__ = "case_reviews"
    __table_args__ = (Index("ix_case_reviews_case", "case_id", "id"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    decision_id: Mapped[int] = Column(Integer, ForeignKey("case_decisions.id", ondelete="CASCADE"), nullable=False)
    office: Mapped[str] = Column(String(100), nullable=False)
    reason: Mapped[str] = Column(Text, nullable=False)
    requested_by: Mapped[str] = Column(String(64), nullable=False)
    requested_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    due_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)


# ---------------------------------------------------------------------------------------------
# Honest waits (issue 15, migration 0010): the call-back queue, 待回电 (bot/casedesk/handoffs/callbacks.py)


class Callback(Base):
    """A promise to call a customer back instead of making them wait for a person: the handoff
    would have waited too long or outside service hours, or its customer went quiet (`reason`,
    waits.CallbackReason). The handoff itself is closed with the outcome `callback`.

    pending (in the console's 待回电 list) ──an agent called──▶ done (with a note, audited)
    """

    __tablename__ = "callbacks"
    __table_args__ = (
        # one call-back per handoff: a retried handoff request or a second idle pass finds it
        UniqueConstraint("handoff_id", name="uq_callbacks_handoff"),
        # the 待回电 list: pending ones, the earliest promise first
        Index("ix_callbacks_status_promised", "status", "promised_by"),
        Index("ix_callbacks_case", "case_id"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    handoff_id: Mapped[int] = Column(Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False)
    conversation_id: Mapped[str] = Column(String(128), nullable=False)
    reason: Mapped[str] = Column(String(16), nullable=False)
    # the number to call: the case's, or another the customer gave; encrypted, and masked for lists
    phone_enc: Mapped[Optional[str]] = Column(Text)
    phone_masked: Mapped[Optional[str]] = Column(String(16))
    # the customer's answer to "回电打这个号码可以吗": confirmed | changed | unconfirmed; NULL: none yet
    confirmation: Mapped[Optional[str]] = Column(String(16))
    # when the customer said it (the bot's clock): a late retry of an older answer loses
    confirmed_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    promised_by: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False)  # pending | done
    # when the customer was told of it in the chat (by the bot, or by the desk through Rasa)
    told_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    done_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    done_by: Mapped[Optional[str]] = Column(String(64))
    # what the agent noted about the call: masked (pii.py), the full text encrypted
    note: Mapped[Optional[str]] = Column(Text)
    note_enc: Mapped[Optional[str]] = Column(Text)


# ---------------------------------------------------------------------------------------------
# Customer notices (issue 14, migration 0011): the notice outbox (bot/casedesk/customer/notices.py). Each
# lifecycle step the customer is told of (受理, 延期, 暂停, 恢复计时, 决定) becomes one notice, made
# from its history row (case_events) and unique on it, then one delivery per route.


class NoticeCursor(Base):
    """The last history row the notice outbox has turned into notices (one row, `lifecycle`)."""

    __tablename__ = "notice_cursor"

    name: Mapped[str] = Column(String(32), primary_key=True)
    last_event_id: Mapped[int] = Column(Integer, nullable=False)
    # history rows up to this one were there before notices existed (migration 0011): never read
    start_event_id: Mapped[int] = Column(Integer, nullable=False)


class CaseNotice(Base):
    """A notice to the customer of one lifecycle step: the text as rendered from data/notices.yml
    (no full number or name in it: reasons are stored masked), kept for the customer's channel."""

    __tablename__ = "case_notices"
    __table_args__ = (
        # exactly once: one notice per history row, and one 受理 per case
        UniqueConstraint("source_event_id", name="uq_case_notices_event"),
        UniqueConstraint("case_id", "kind", "step_key", name="uq_case_notices_step"),
        # the web chat's look-up by its session (= the conversation that filed the case)
        Index("ix_case_notices_conversation", "conversation_id", "id"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    source_event_id: Mapped[int] = Column(Integer, nullable=False)
    kind: Mapped[str] = Column(String(16), nullable=False)  # notices.Kind
    step_key: Mapped[str] = Column(String(32), nullable=False)
    conversation_id: Mapped[str] = Column(String(128), nullable=False)
    channel: Mapped[str] = Column(String(16), nullable=False)
    # the values the text was rendered from (case number, dates, masked reason), for other routes
    params: Mapped[Any] = Column(JSON, nullable=False, default=dict)
    text: Mapped[str] = Column(Text, nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)


class NoticeDelivery(Base):
    """One route of a notice: web (shown when the customer opens the chat), sms, wechat.

    pending ──sent──▶ sent | shown (web) ; pending ──▶ failed (after retries) | skipped (no phone)
    A row is claimed (`sending`) before the sender is called, so no SMS goes out twice."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "route", name="uq_notice_deliveries_route"),
        Index("ix_notice_deliveries_status", "status", "route", "id"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    notice_id: Mapped[int] = Column(Integer, ForeignKey("case_notices.id", ondelete="CASCADE"), nullable=False)
    route: Mapped[str] = Column(String(16), nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    recipient_masked: Mapped[Optional[str]] = Column(String(32))
    provider_ref: Mapped[Optional[str]] = Column(String(64))
    error: Mapped[Optional[str]] = Column(String(200))
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    done_at: Mapped[Optional[datetime]] = Column(UTCDateTime)


class ReplyCheck(Base):
    """质检 before sending (issue 15; bot/quality/reply_check.py, bot/casedesk/handoffs/reply_checks.py):
    one row per agent reply checked before it went to the customer.

    passed → sent (turn_id: the transcript turn)
    blocked ──the author asks──▶ requested ──a supervisor──▶ released (sent, with a reason) | rejected
    A supervisor may also release a blocked reply nobody asked about (their own, typically).
    """

    __tablename__ = "reply_checks"
    __table_args__ = (
        Index("ix_reply_checks_checked_at", "checked_at"),
        Index("ix_reply_checks_handoff", "handoff_id", "checked_at"),
        Index("ix_reply_checks_status", "status", "checked_at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    handoff_id: Mapped[int] = Column(Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False)
    case_id: Mapped[int] = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    author: Mapped[str] = Column(String(64), nullable=False)
    source: Mapped[str] = Column(String(16), nullable=False)  # console | api
    checked_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    verdict: Mapped[str] = Column(String(16), nullable=False)  # passed | blocked
    rules: Mapped[List[str]] = Column(JSON, nullable=False, default=list)
    # [{"rule": ..., "words": [...]}]: the words that matched, numbers masked
    findings: Mapped[List[Any]] = Column(JSON, nullable=False, default=list)
    # a blocked reply: masked (pii.py), the full text encrypted when masking changed it
    text: Mapped[Optional[str]] = Column(Text)
    text_enc: Mapped[Optional[str]] = Column(Text)
    status: Mapped[str] = Column(String(16), nullable=False)  # sent | blocked | requested | released | rejected
    turn_id: Mapped[Optional[int]] = Column(Integer)
    request_note: Mapped[Optional[str]] = Column(Text)
    requested_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    decided_by: Mapped[Optional[str]] = Column(String(64))
    decided_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
    decision_reason: Mapped[Optional[str]] = Column(Text)


# ---------------------------------------------------------------------------------------------
# 快捷回复 (issue 15, migration 0014): canned replies supervisors manage (bot/casedesk/handoffs/canned.py)


class CannedReply(Base):
    """A reply agents insert with one click, its placeholders ({客户称呼}, {案件编号}) filled for
    the case in hand. Sent through the same 质检 as any reply; checked when saved too."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = Column(Integer, primary_key=True)
    title: Mapped[str] = Column(String(40), nullable=False)
    text: Mapped[str] = Column(Text, nullable=False)
    updated_by: Mapped[str] = Column(String(64), nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)


# ---------------------------------------------------------------------------------------------
# 回访 (issue 14, migration 0015): the survey after a decision (bot/casedesk/customer/surveys.py)


class CaseSurvey(Base):
    """The 回访 of one decision (seed 003 第八条): made some days after the decision, sent as a
    notice with a link only the customer has, answered once with a 1–5 score and a comment (the
    latest answer wins while it is open). A 核查's second decision gets a 回访 of its own."""

    __tablename__ = "case_surveys"
    __table_args__ = (UniqueConstraint("decision_id", name="uq_case_surveys_decision"),
                      Index("ix_case_surveys_case", "case_id"))

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    decision_id: Mapped[int] = Column(Integer, ForeignKey("case_decisions.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    closes_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    score: Mapped[Optional[int]] = Column(Integer)
    # masked like history notes (pii.mask): numbers and the customer's name
    comment: Mapped[Optional[str]] = Column(Text)
    answered_at: Mapped[Optional[datetime]] = Column(UTCDateTime)
