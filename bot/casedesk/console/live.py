"""What the console shows live — queue rows, one handoff's state, transcript turns — as plain
dicts, built the same way for the first page render and for the event stream.

Handoffs are read through the handoff service with the user's hidden branch (bot/casedesk/access.py), so a
confidential complaint about the user's own branch is absent from the queue, the workspace
and the stream alike.
Customer data stays masked here: full name and phone appear only on the audited case page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import select

from .. import handoffs
from ..db import Database
from bot.redact import redact

from ..domain import local_iso
from ..errors import NotFound
from ..models import Case, Handoff, TranscriptTurn
from . import labels

OPEN_HANDOFF = ("waiting", "active")


def queue_row(h: Handoff, c: Case) -> Dict[str, Any]:
    return {
        "id": h.id,
        "status": h.status,
        "status_label": labels.label(labels.HANDOFF_STATUS_LABELS, h.status),
        "priority": h.priority,
        "reason": h.reason,
        "reason_label": labels.label(labels.REASON_LABELS, h.reason),
        "channel_label": labels.label(labels.CHANNEL_LABELS, h.channel),
        "claimed_by": h.claimed_by,
        "created_at": local_iso(h.created_at),
        "claimed_at": local_iso(h.claimed_at),
        "case_no": c.case_no,
        "category_label": labels.label(labels.CATEGORY_LABELS, c.category),
        "phone": c.phone_masked or "",
        "contact_due_at": local_iso(c.contact_due_at),
        # the SLA timer stops once the customer has been contacted
        "contacted_at": local_iso(c.contacted_at),
    }


async def queue(db: Database, branch: Optional[str]) -> List[Dict[str, Any]]:
    """Waiting handoffs first, the most severe escalation reason first (domain.HANDOFF_SEVERITY),
    longest waiting first within one severity; then active ones the same way (the service's
    queue order). console.js shows the rows in this order and never re-sorts them."""
    items = await handoffs.list_handoffs(db, status=list(OPEN_HANDOFF), hidden_branch=branch)
    return [queue_row(item.handoff, item.case) for item in items]


async def handoff_with_case(
    db: Database, handoff_id: int, branch: Optional[str]
) -> Optional[Tuple[Handoff, Case]]:
    try:
        item = await handoffs.get_handoff(db, handoff_id, hidden_branch=branch)
    except NotFound:
        return None
    return item.handoff, item.case


def handoff_state(h: Handoff, c: Case) -> Dict[str, Any]:
    """The parts of a workspace that change while it is open."""
    return {
        "id": h.id,
        "status": h.status,
        "status_label": labels.label(labels.HANDOFF_STATUS_LABELS, h.status),
        "outcome": h.outcome,
        "claimed_by": h.claimed_by,
        "case_status": c.status,
        "case_status_label": labels.status_label(c.status),
    }


def turn_row(t: TranscriptTurn) -> Dict[str, Any]:
    return {
        "id": t.id,
        "role": t.role,
        "role_label": labels.label(labels.TURN_ROLE_LABELS, t.role),
        # stored masked (pii.py: numbers and the customer's name); the full text only on the
        # audited case page. Masked again for a row written before that.
        "text": redact(t.text) or "",
        "at": local_iso(t.at),
        "author": t.author,
        "delivery": t.delivery,
    }


async def turns(db: Database, case_id: int, after_id: int = 0) -> List[Dict[str, Any]]:
    return [turn_row(t) for t in await handoffs.transcript(db, case_id, after_id)]


@dataclass(frozen=True)
class CaseRef:
    id: int
    case_no: str
    branch: Optional[str]
    branch_code: Optional[str]
    confidential: bool


async def case_ref(db: Database, case_no: str) -> Optional[CaseRef]:
    """Just enough of a case to apply the access rule before anything is read or audited."""
    stmt = select(Case.id, Case.case_no, Case.branch, Case.branch_code, Case.confidential).where(
        Case.case_no == case_no
    )
    async with db.reading() as s:
        row = (await s.execute(stmt)).first()
    return CaseRef(row.id, row.case_no, row.branch, row.branch_code, bool(row.confidential)) if row else None


def server_now(now: datetime) -> Optional[str]:
    return local_iso(now)
