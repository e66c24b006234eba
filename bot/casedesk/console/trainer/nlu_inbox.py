"""The NLU inbox's decisions in the case desk database (table `nlu_examples`), and the one case
query the trainer pages need: which conversations belong to a case the user must not see.

What a trainer may save (no PII, known intents and entities) is checked in bot/trainer/inbox.py;
this module only stores it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence, Set

from sqlalchemy import delete, not_, select

from bot.casedesk.cases.access import visible_cases
from bot.casedesk.db import Database
from bot.casedesk.models import Case, NluExample

CONFIRMED = "confirmed"
DISCARDED = "discarded"


class DecidedIds(set):
    """The message ids a trainer decided, and `flagged`: message ids an escalation mark sent to
    the inbox (bot/casedesk/handoffs/escalation_marks.py) → why; those enter the inbox whatever the
    NLU's confidence (bot/trainer/inbox.candidates)."""

    flagged: Dict[str, str]


async def decided_ids(db: Database) -> Set[str]:
    from bot.casedesk.handoffs.escalation_marks import inbox_flags

    async with db.reading() as s:
        decided = DecidedIds((await s.execute(select(NluExample.message_id))).scalars())
    decided.flagged = {k: v for k, v in (await inbox_flags(db)).items() if k not in decided}
    return decided


async def decide(
    db: Database,
    message_id: str,
    status: str,
    reviewer: str,
    now: datetime,
    *,
    text: Optional[str] = None,
    intent: Optional[str] = None,
    entities: Sequence[Dict[str, Any]] = (),
    predicted_intent: Optional[str] = None,
    confidence: Optional[float] = None,
) -> NluExample:
    """Records a decision; deciding the same message again replaces the earlier one."""
    if status not in (CONFIRMED, DISCARDED):
        raise ValueError(status)
    async with db.writing() as s:
        row = (await s.execute(
            select(NluExample).where(NluExample.message_id == message_id)
        )).scalar_one_or_none()
        if row is None:
            row = NluExample(message_id=message_id)
            s.add(row)
        row.status = status
        # a discarded message keeps no text: it only stays out of the inbox
        row.text = text if status == CONFIRMED else None
        row.intent = intent if status == CONFIRMED else None
        row.entities = [dict(e) for e in entities] if status == CONFIRMED else []
        row.predicted_intent, row.confidence = predicted_intent, confidence
        row.reviewed_by, row.reviewed_at = reviewer, now
    return row


async def undo(db: Database, example_id: int) -> bool:
    """Takes a decision back, with the decisions made together with it (the inbox decides the
    same sentence said several times at once: same reviewer, moment, outcome and text)."""
    async with db.writing() as s:
        row = (await s.execute(select(NluExample).where(NluExample.id == example_id))).scalar_one_or_none()
        if row is None:
            return False
        same = [NluExample.reviewed_by == row.reviewed_by, NluExample.reviewed_at == row.reviewed_at,
                NluExample.status == row.status]
        same.append(NluExample.text == row.text if row.text is not None else NluExample.text.is_(None))
        same.append(NluExample.intent == row.intent if row.intent is not None else NluExample.intent.is_(None))
        result = await s.execute(delete(NluExample).where(*same))
        return bool(result.rowcount)


def together(rows: Sequence[NluExample]) -> List[Dict[str, Any]]:
    """Decisions made together (one inbox entry for the same sentence said several times) as one
    line: {"row": the first, "count": how many messages}."""
    out: Dict[tuple, Dict[str, Any]] = {}
    for row in rows:
        key = (row.reviewed_by, row.reviewed_at, row.status, row.text, row.intent)
        if key in out:
            out[key]["count"] += 1
        else:
            out[key] = {"row": row, "count": 1}
    return list(out.values())


async def confirmed(db: Database) -> List[NluExample]:
    async with db.reading() as s:
        rows = await s.execute(
            select(NluExample).where(NluExample.status == CONFIRMED)
            .order_by(NluExample.intent, NluExample.reviewed_at)
        )
        return list(rows.scalars())


async def recent(db: Database, limit: int = 30) -> List[NluExample]:
    async with db.reading() as s:
        rows = await s.execute(select(NluExample).order_by(NluExample.reviewed_at.desc()).limit(limit))
        return list(rows.scalars())


async def hidden_conversations(db: Database, branch: Optional[str]) -> Set[str]:
    """Conversation ids of the confidential cases about the user's own branch (access.py)."""
    if not branch:
        return set()
    async with db.reading() as s:
        rows = await s.execute(select(Case.conversation_id).where(not_(visible_cases(branch))))
        return {c for c in rows.scalars() if c}
