"""The NLU inbox's decisions in the case desk database (table `nlu_examples`), and the one case
query the trainer pages need: which conversations belong to a case the user must not see.

What a trainer may save (no PII, known intents and entities) is checked in bot/trainer/inbox.py;
this module only stores it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence, Set

from sqlalchemy import delete, not_, select

from .access import visible_cases
from .db import Database
from .models import Case, NluExample

CONFIRMED = "confirmed"
DISCARDED = "discarded"


async def decided_ids(db: Database) -> Set[str]:
    async with db.reading() as s:
        return set((await s.execute(select(NluExample.message_id))).scalars())


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
    async with db.writing() as s:
        result = await s.execute(delete(NluExample).where(NluExample.id == example_id))
        return bool(result.rowcount)


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
