"""质检 before sending (issue 15): every agent reply passes bot/quality/reply_check.py before it
goes to the customer, and every result is recorded in `reply_checks` (migration 0012).

    passed ─────────────────────────────────────────▶ sent (handoffs.send_agent_message)
    blocked ──the author asks (申请主管放行)──▶ requested ──a supervisor──▶ released | rejected
    blocked ──a supervisor (their own reply, or one they see)──────────▶ released

A blocked reply is not sent and is kept (masked, the full text encrypted: pii.seal) so that a
supervisor can let it through with a reason: it then goes out as the author's reply, and the
release is in the transcript (an internal note), in the audit log (`reply.release`: who, when,
why) and on the row. The console (console/reply_check_views.py) and the handoff API
(handoff_views.post_message) both send through `send_reply`.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import func, select, update

from bot.quality.reply_check import ADVICE, RULE_LABELS, RULES, ReplyCheck as CheckResult, check_reply

from bot.casedesk import db as casedb
from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.cases import pii, schemas
from bot.casedesk.cases.access import can_see, visible_cases
from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.api.errors import ApiError, BadRequest, Conflict, NotFound
from bot.casedesk.models import Case, ConsoleUser, Handoff, ReplyCheck, TranscriptTurn
from bot.casedesk.handoffs.rasa_bridge import RasaBridge

log = logging.getLogger(__name__)

PASSED, BLOCKED = "passed", "blocked"
SENT, REQUESTED, RELEASED, REJECTED = "sent", "requested", "released", "rejected"
OPEN = (BLOCKED, REQUESTED)  # a supervisor may still decide

STATUS_LABELS: Dict[str, str] = {
    SENT: "已通过并发送",
    BLOCKED: "已拦截",
    REQUESTED: "待主管放行",
    RELEASED: "主管已放行",
    REJECTED: "主管未放行",
}

MIN_REASON_CHARS = 4
MAX_NOTE_CHARS = 500


def beijing_text(at: Optional[datetime]) -> str:
    return at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if at else ""


class ReplyBlocked(ApiError):
    """The reply did not pass: nothing was sent. `check` says which rules and words."""

    status = 422
    code = "reply_blocked"

    def __init__(self, check: CheckResult, check_id: int) -> None:
        super().__init__(check.summary + "".join(check.reasons))
        self.check = check
        self.check_id = check_id

    def answer(self, can_release: bool) -> Dict[str, Any]:
        """What the workspace shows next to the reply box (console.js; the page without JS)."""
        return {
            "ok": False,
            "blocked": True,
            "check_id": self.check_id,
            "summary": self.check.summary,
            "message": self.check.summary,
            "findings": findings_json(self.check),
            "can_release": can_release,
        }


def findings_json(check: CheckResult) -> List[Dict[str, Any]]:
    return [
        {"rule": f.rule, "label": f.label, "words": list(f.words), "reason": f.reason, "advice": ADVICE[f.rule]}
        for f in check.findings
    ]


def _clip_note(value: Optional[str], name: str, required: bool) -> str:
    text = (value or "").strip()
    if required and len(text) < MIN_REASON_CHARS:
        raise BadRequest(f"请写明{name}（至少 {MIN_REASON_CHARS} 个字）。", code="missing_field")
    if len(text) > MAX_NOTE_CHARS:
        raise BadRequest(f"{name}太长了（最多 {MAX_NOTE_CHARS} 个字）。", code="invalid_value")
    return text


async def _open_handoff(s: Any, handoff_id: int, author: str, hidden_branch: Optional[str]) -> Tuple[Handoff, Case]:
    """The handoff as send_agent_message would find it: visible, open, not another's."""
    handoff, case = await handoffs._locked(s, handoff_id, hidden_branch)
    handoffs._check_open(handoff)
    handoffs._check_holder(handoff, author)
    return handoff, case


async def send_reply(
    db: casedb.Database,
    bridge: RasaBridge,
    handoff_id: int,
    author: str,
    text: Any,
    now: datetime,
    *,
    agent_name: Optional[str] = None,
    hidden_branch: Optional[str] = None,
    remote: Optional[str] = None,
    source: str = "console",
) -> Tuple[TranscriptTurn, int]:
    """Checks the reply; sends it when it passes, (turn, check id). A reply that does not pass
    is recorded and raises ReplyBlocked (nothing sent)."""
    body = schemas.message_text(text)
    check = check_reply(body)
    if not check.passed:
        check_id = await _record_blocked(db, handoff_id, author, body, check, now, hidden_branch, remote, source)
        log.info("reply blocked handoff=%s by=%s rules=%s", handoff_id, author, ",".join(check.rules))
        raise ReplyBlocked(check, check_id)
    turn = await handoffs.send_agent_message(
        db, bridge, handoff_id, author, body, now,
        agent_name=agent_name, hidden_branch=hidden_branch, remote=remote,
    )
    async with db.writing() as s:
        row = ReplyCheck(
            handoff_id=handoff_id, case_id=turn.case_id, author=author, source=source, checked_at=now,
            verdict=PASSED, rules=[], findings=[], status=SENT, turn_id=turn.id,
        )
        s.add(row)
        await s.flush()
        check_id = row.id
    return turn, check_id


async def _record_blocked(
    db: casedb.Database, handoff_id: int, author: str, body: str, check: CheckResult,
    now: datetime, hidden_branch: Optional[str], remote: Optional[str], source: str,
) -> int:
    async with db.writing() as s:
        handoff, case = await _open_handoff(s, handoff_id, author, hidden_branch)
        masked, text_enc = pii.seal(db.cipher, body, pii.case_names(db.cipher, case.customer_name_enc))
        row = ReplyCheck(
            handoff_id=handoff.id, case_id=case.id, author=author, source=source, checked_at=now,
            verdict=BLOCKED, rules=check.rules, findings=findings_json(check),
            text=masked, text_enc=text_enc, status=BLOCKED,
        )
        s.add(row)
        await s.flush()
        casedb.audit(s, now, author, "reply.blocked", case.case_no, remote,
                     json.dumps({"check": row.id, "rules": check.rules}, ensure_ascii=False))
        return row.id


async def _row(s: Any, check_id: int, hidden_branch: Optional[str]) -> Tuple[ReplyCheck, Case]:
    found = (
        await s.execute(select(ReplyCheck, Case).join(Case, Case.id == ReplyCheck.case_id).where(ReplyCheck.id == check_id))
    ).first()
    if found is None or not can_see(hidden_branch, found[1].confidential, found[1].branch_code):
        raise NotFound("未找到这条质检记录，或您无权查看。", code="reply_check_not_found")
    return found[0], found[1]


async def _decided(s: Any, row: ReplyCheck) -> Conflict:
    when = beijing_text(row.decided_at)
    who = (await _display_names(s, [row.decided_by])).get(row.decided_by or "", row.decided_by) or "主管"
    return Conflict(
        f"这条回复已由 {who} 于 {when} 处理（{STATUS_LABELS.get(row.status, row.status)}），无需重复操作。",
        code="reply_check_decided",
    )


async def request_release(
    db: casedb.Database, check_id: int, author: str, note: Optional[str], now: datetime,
    *, hidden_branch: Optional[str] = None, remote: Optional[str] = None,
) -> ReplyCheck:
    """The author asks a supervisor to let their blocked reply through (申请主管放行)."""
    text = _clip_note(note, "申请说明", required=False)
    async with db.writing() as s:
        row, case = await _row(s, check_id, hidden_branch)
        if row.author != author:
            raise Conflict("只有写这条回复的坐席可以申请放行。", code="not_author")
        if row.status == REQUESTED:
            return row
        if row.status != BLOCKED:
            raise await _decided(s, row)
        names = pii.case_names(db.cipher, case.customer_name_enc)
        row.status, row.requested_at = REQUESTED, now
        row.request_note = pii.mask(text, names) or None
        casedb.audit(s, now, author, "reply.release_request", case.case_no, remote,
                     json.dumps({"check": row.id}, ensure_ascii=False))
    log.info("reply release requested check=%s by=%s", check_id, author)
    return row


async def _display_names(s: Any, usernames: Any) -> Dict[str, str]:
    """username → display name (the console shows people by name, not by account)."""
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    rows = (await s.execute(select(ConsoleUser.username, ConsoleUser.display_name)
                            .where(ConsoleUser.username.in_(wanted)))).all()
    return {u: d for u, d in rows if d}


async def _display_name(db: casedb.Database, username: str) -> str:
    async with db.reading() as s:
        return (await _display_names(s, [username])).get(username, username)


async def release(
    db: casedb.Database, bridge: RasaBridge, check_id: int, supervisor: str, reason: Optional[str], now: datetime,
    *, supervisor_name: Optional[str] = None, hidden_branch: Optional[str] = None, remote: Optional[str] = None,
) -> Tuple[ReplyCheck, TranscriptTurn]:
    """A supervisor lets a blocked reply through with a reason: it is sent as its author's reply
    (the customer sees the author's name), the release is noted in the transcript and audited."""
    why = _clip_note(reason, "放行理由", required=True)
    async with db.writing() as s:
        row, case = await _row(s, check_id, hidden_branch)
        if row.status not in OPEN:
            raise await _decided(s, row)
        before, rules = row.status, list(row.rules or [])
        # taken here, so a second supervisor's click finds it decided
        taken = await s.execute(
            update(ReplyCheck).where(ReplyCheck.id == check_id, ReplyCheck.status.in_(OPEN))
            .values(status=RELEASED, decided_by=supervisor, decided_at=now)
        )
        if taken.rowcount != 1:
            raise await _decided(s, row)
        handoff_id, author, case_no = row.handoff_id, row.author, case.case_no
        full = pii.reveal(db.cipher, row.text, row.text_enc) or ""
        names = pii.case_names(db.cipher, case.customer_name_enc)
    try:
        turn = await handoffs.send_agent_message(
            db, bridge, handoff_id, author, full, now,
            agent_name=await _display_name(db, author), hidden_branch=hidden_branch, remote=remote,
        )
    except ApiError:
        async with db.writing() as s:  # not sent (the handoff ended or moved): open again
            await s.execute(update(ReplyCheck).where(ReplyCheck.id == check_id)
                            .values(status=before, decided_by=None, decided_at=None))
        raise
    labels = "、".join(RULE_LABELS.get(r, r) for r in rules)
    author_name = await _display_name(db, author)
    async with db.writing() as s:
        stored = await s.get(ReplyCheck, check_id)
        assert stored is not None
        stored.turn_id, stored.decision_reason = turn.id, pii.mask(why, names)
        # the full text now lives (encrypted) in the transcript, under its retention rules
        stored.text_enc = None
        casedb.audit(s, now, supervisor, "reply.release", case_no, remote,
                     json.dumps({"check": check_id, "author": author, "rules": rules,
                                 "reason": pii.mask(why, names)}, ensure_ascii=False))
    await handoffs.add_note(
        db, handoff_id, supervisor,
        f"质检放行：主管 {supervisor_name or supervisor} 放行了 {author_name} 被拦截的回复（{labels}）。理由：{why}",
        now, hidden_branch=hidden_branch, remote=remote,
    )
    log.info("reply released check=%s by=%s", check_id, supervisor)
    return stored, turn


async def reject(
    db: casedb.Database, check_id: int, supervisor: str, note: Optional[str], now: datetime,
    *, hidden_branch: Optional[str] = None, remote: Optional[str] = None,
) -> ReplyCheck:
    """A supervisor declines to let it through (the author rewrites it)."""
    text = _clip_note(note, "说明", required=False)
    async with db.writing() as s:
        row, case = await _row(s, check_id, hidden_branch)
        if row.status not in OPEN:
            raise await _decided(s, row)
        names = pii.case_names(db.cipher, case.customer_name_enc)
        row.status, row.decided_by, row.decided_at = REJECTED, supervisor, now
        row.text_enc = None  # never to be sent: the masked text is enough for the record
        row.decision_reason = pii.mask(text, names) or None
        casedb.audit(s, now, supervisor, "reply.reject", case.case_no, remote,
                     json.dumps({"check": row.id, "author": row.author}, ensure_ascii=False))
    return row


# ---------------------------------------------------------------------------------------------
# Reading: the workspace, the supervisor's 回复质检 page


def row_view(row: ReplyCheck, case_no: Optional[str] = None, names: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """What a page shows of a check: masked text, findings, who decided; never the full text."""
    names = names or {}
    return {
        "author_name": names.get(row.author, row.author),
        "decided_by_name": names.get(row.decided_by or "", row.decided_by),
        "id": row.id,
        "handoff_id": row.handoff_id,
        "case_no": case_no,
        "author": row.author,
        "checked_at": row.checked_at,
        "verdict": row.verdict,
        "status": row.status,
        "status_label": STATUS_LABELS.get(row.status, row.status),
        "rules": list(row.rules or []),
        "rule_labels": [RULE_LABELS.get(r, r) for r in row.rules or []],
        "findings": list(row.findings or []),
        "text": row.text,
        "request_note": row.request_note,
        "requested_at": row.requested_at,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "decision_reason": row.decision_reason,
        "open": row.status in OPEN,
    }


async def get(db: casedb.Database, check_id: int, hidden_branch: Optional[str]) -> Dict[str, Any]:
    async with db.reading() as s:
        row, case = await _row(s, check_id, hidden_branch)
        return row_view(row, case.case_no, await _display_names(s, [row.author, row.decided_by]))


async def open_for_handoff(db: casedb.Database, handoff_id: int) -> List[Dict[str, Any]]:
    """The handoff's blocked replies whose authors asked a supervisor to let them through (a
    blocked reply nobody asked about was most likely rewritten: it waits for no one)."""
    async with db.reading() as s:
        rows = (
            await s.execute(
                select(ReplyCheck).where(ReplyCheck.handoff_id == handoff_id, ReplyCheck.status == REQUESTED)
                .order_by(ReplyCheck.checked_at.desc(), ReplyCheck.id.desc()).limit(20)
            )
        ).scalars().all()
        names = await _display_names(s, [r.author for r in rows])
    return [row_view(r, names=names) for r in rows]


async def recent(
    db: casedb.Database, hidden_branch: Optional[str], statuses: Tuple[str, ...], limit: int = 50
) -> List[Dict[str, Any]]:
    async with db.reading() as s:
        rows = (
            await s.execute(
                select(ReplyCheck, Case.case_no).join(Case, Case.id == ReplyCheck.case_id)
                .where(ReplyCheck.status.in_(statuses), visible_cases(hidden_branch))
                .order_by(ReplyCheck.checked_at.desc(), ReplyCheck.id.desc()).limit(limit)
            )
        ).all()
        names = await _display_names(s, [u for r, _ in rows for u in (r.author, r.decided_by)])
    return [row_view(r, no, names) for r, no in rows]


@dataclass(frozen=True)
class Figures:
    days: int
    checked: int
    passed: int
    blocked: int
    released: int
    rejected: int
    pending: int  # requests waiting now, whenever made
    by_rule: List[Tuple[str, int]]
    by_author: List[Tuple[str, int, int]]  # author, checked, blocked

    @property
    def blocked_rate(self) -> str:
        return f"{self.blocked / self.checked:.1%}" if self.checked else "—"


async def figures(db: casedb.Database, hidden_branch: Optional[str], now: datetime, days: int = 30) -> Figures:
    """How many replies were checked and blocked over the last `days` days, by rule and author."""
    since = now - timedelta(days=days)
    where = (ReplyCheck.checked_at >= since, visible_cases(hidden_branch))
    async with db.reading() as s:
        statuses = dict(
            (await s.execute(
                select(ReplyCheck.status, func.count()).join(Case, Case.id == ReplyCheck.case_id)
                .where(*where).group_by(ReplyCheck.status)
            )).all()
        )
        authors = (await s.execute(
            select(ReplyCheck.author, ReplyCheck.verdict, func.count()).join(Case, Case.id == ReplyCheck.case_id)
            .where(*where).group_by(ReplyCheck.author, ReplyCheck.verdict)
        )).all()
        # a request waits for a supervisor however old it is
        pending = (await s.execute(
            select(func.count()).select_from(ReplyCheck).join(Case, Case.id == ReplyCheck.case_id)
            .where(ReplyCheck.status == REQUESTED, visible_cases(hidden_branch))
        )).scalar() or 0
        names = await _display_names(s, [a for a, _, _ in authors])
        blocked_rules = (await s.execute(
            select(ReplyCheck.rules).join(Case, Case.id == ReplyCheck.case_id)
            .where(*where, ReplyCheck.verdict == BLOCKED)
        )).scalars().all()
    per_rule = {rule: 0 for rule in RULES}
    for rules in blocked_rules:
        for rule in rules or []:
            per_rule[rule] = per_rule.get(rule, 0) + 1
    per_author: Dict[str, List[int]] = {}
    for author, verdict, n in authors:
        counts = per_author.setdefault(author, [0, 0])
        counts[0] += n
        if verdict == BLOCKED:
            counts[1] += n
    checked = sum(statuses.values())
    passed = statuses.get(SENT, 0)
    return Figures(
        days=days, checked=checked, passed=passed, blocked=checked - passed,
        released=statuses.get(RELEASED, 0), rejected=statuses.get(REJECTED, 0),
        pending=pending,
        by_rule=[(RULE_LABELS.get(r, r), n) for r, n in per_rule.items()],
        by_author=sorted(((names.get(a, a), c[0], c[1]) for a, c in per_author.items()), key=lambda t: (-t[2], t[0])),
    )
