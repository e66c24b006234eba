"""处理流程 on the case page (issue 14): what the panel shows and which forms it offers whom.

The page is `templates/console/_lifecycle.html`; the forms' handlers are `lifecycle_views.py`; the
rules are case_rules.py's ("The lifecycle"). Kept apart from the handlers so the case page's view
(views.render_case) and the handlers can both use it without needing each other.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from bot.casedesk.cases import case_rules, lifecycle, schemas
from bot.casedesk.cases.case_rules import Status, Step
from bot.casedesk.console import labels
from bot.casedesk.console.auth import Identity

# roles that may extend to 30 days, pause the clock and open a 核查
SUPERVISING = frozenset({case_rules.SUPERVISOR_ROLE, case_rules.SENIOR_ROLE})

# what each form sends back to the page after a refusal (never re-filled from the case)
FORM_FIELDS: Dict[str, tuple] = {
    "decision": ("outcome", "liability", "amount", "reasons"),
    "notified": ("via", "note"),
    "extension": ("days", "reason"),
    "pause": ("reason",),
    "resume": ("note",),
    "review": ("office", "reason"),
}

# a form's outcome, shown once on the next page (views.NOTICES)
NOTICES: Dict[str, str] = {
    "decided": "处理决定已记录，案件进入“决定”环节；系统已通知客户处理结果，请尽快联系客户说明理由，并记录告知情况。",
    "notified": "已记录处理决定告知客户，案件进入“告知”环节，可以结案。",
    "extended30": "办理期限已延长至 30 天；系统会在客户的渠道通知客户延期原因和新的期限。",
    "extended60": "办理期限已延长至 60 天（已记录您的审批）；系统会在客户的渠道通知客户延期原因和新的期限。",
    "paused": "已暂停计时：鉴定/评估期间不计入办理期限；系统会通知客户。",
    "resumed": "已恢复计时，暂停的天数已顺延到办理期限；系统会通知客户新的期限。",
    "reviewed": "已受理核查：案件重新进入调查，核查期限为 30 天。",
}


@dataclass(frozen=True)
class StepView:
    code: str
    label: str
    state: str  # done | current | todo


def _steps(current: Step) -> List[StepView]:
    if current == Step.WITHDRAWN:
        return [StepView(s.value, labels.STEP_LABELS[s.value], "todo") for s in case_rules.STEPS]
    at = case_rules.STEPS.index(current)
    out = []
    for i, s in enumerate(case_rules.STEPS):
        # 结案 is the end: reached, it is done rather than under way
        state = "done" if i < at or (i == at and s == Step.CLOSE) else "current" if i == at else "todo"
        out.append(StepView(s.value, labels.STEP_LABELS[s.value], state))
    return out


def _left(due: datetime, now: datetime) -> str:
    """How the deadline stands, in words: 剩余 3 天 / 今天到期 / 已超时 2 天."""
    days = (due.astimezone(case_rules.CHINA_TZ).date() - now.astimezone(case_rules.CHINA_TZ).date()).days
    if due < now:
        return f"已超时 {max(1, -days)} 天" if days < 0 else "已超时"
    if days == 0:
        return "今天到期"
    return f"剩余 {days} 天"


def _who(username: Optional[str], role: Optional[str], names: Mapping[str, str]) -> str:
    """A member of staff as colleagues know them: the display name, and the role when it counts."""
    if not username:
        return "—"
    name = names.get(username, username)
    return f"{name}（{labels.ROLE_LABELS[role]}）" if role in labels.ROLE_LABELS else name


def _decision(d: Any, names: Mapping[str, str]) -> Dict[str, Any]:
    return {
        "round": d.round,
        "outcome": labels.label(labels.OUTCOME_LABELS, d.outcome),
        "liability": labels.label(labels.LIABILITY_LABELS, d.liability),
        "amount": schemas.format_amount(d.amount_fen),
        "reasons": d.reasons,
        "decided_by": _who(d.decided_by, d.decided_role, names),
        "decided_at": d.decided_at,
        "on_time": d.decided_at <= d.due_at,
        "due_at": d.due_at,
        "notified_at": d.notified_at,
        "notified_by": names.get(d.notified_by, d.notified_by) if d.notified_by else d.notified_by,
        "notified_via": labels.label(labels.NOTIFY_VIA_LABELS, d.notified_via) if d.notified_via else None,
        "notify_note": d.notify_note,
    }


def _clock_log(lc: lifecycle.Lifecycle, names: Mapping[str, str]) -> List[Dict[str, Any]]:
    """Extensions and pauses in the order they happened, as the page's table rows."""
    rows: List[Dict[str, Any]] = []
    for e in lc.extensions:
        rows.append({
            "at": e.approved_at, "kind": "延期", "css": "extension",
            "what": f"{e.from_days} 天 → {e.to_days} 天，办结期限改为 {e.new_due_at.astimezone(case_rules.CHINA_TZ):%Y-%m-%d %H:%M}",
            "reason": e.reason, "by": "审批：" + _who(e.approved_by, e.approved_role, names),
        })
    for p in lc.pauses:
        if p.ended_at is None:
            what = f"自 {p.started_at.astimezone(case_rules.CHINA_TZ):%Y-%m-%d %H:%M} 起暂停，尚未恢复"
        else:
            what = (
                f"{p.started_at.astimezone(case_rules.CHINA_TZ):%Y-%m-%d %H:%M} 至 "
                f"{p.ended_at.astimezone(case_rules.CHINA_TZ):%Y-%m-%d %H:%M}，顺延 {p.days} 天"
            )
        by = names.get(p.started_by, p.started_by) + (f"；恢复：{names.get(p.ended_by, p.ended_by)}" if p.ended_by else "")
        reason = p.reason + (f"（{p.end_note}）" if p.end_note else "")
        rows.append({"at": p.started_at, "kind": "暂停计时", "css": "pause", "what": what, "reason": reason, "by": by})
    return sorted(rows, key=lambda r: r["at"])


def panel(me: Identity, lc: lifecycle.Lifecycle, now: datetime, again: Optional[Dict[str, Any]] = None,
          names: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """What the 处理流程 panel shows and which forms it offers `me`; `names`: staff user names to
    the display names colleagues know them by (live.staff_names)."""
    names = names or {}
    case = lc.case
    status = Status(case.status)
    open_ = status in case_rules.OPEN_STATUSES
    running = open_ and case.paused_since is None
    supervising = me.role in SUPERVISING
    next_ext = lc.next_extension
    may_extend = next_ext is not None and me.role in case_rules.EXTENSION_APPROVERS[next_ext]
    again = again or {}
    return {
        "step": lc.step.value,
        "step_label": labels.STEP_LABELS[lc.step.value],
        "steps": _steps(lc.step),
        "due": case.decision_due_at,
        "days": case.decision_days,
        "clock": "paused" if case.paused_since is not None else "running" if running else "stopped",
        "paused_since": case.paused_since,
        "paused_days": case.paused_days,
        "paused_so_far": lc.paused_days_so_far(now),
        "clock_from": case.decision_clock_from,
        "in_review": lc.in_review,
        # a deadline only stands while the case is handled and the clock runs
        "left": _left(case.decision_due_at, now) if running else None,
        "overdue": running and case.decision_due_at < now,
        "decision": _decision(lc.decision, names) if lc.decision is not None else None,
        "earlier_decisions": [_decision(d, names) for d in lc.decisions[:-1]],
        "clock_log": _clock_log(lc, names),
        "reviews": [
            {"at": r.requested_at, "office": r.office, "reason": r.reason, "by": names.get(r.requested_by, r.requested_by),
             "due_at": r.due_at}
            for r in lc.reviews
        ],
        "legacy_resolved": status in (Status.RESOLVED, Status.CLOSED) and lc.decision is None,
        "review_window_ends_at": lc.review_window_ends_at,
        "review_open": lc.review_open(now),
        # the forms `me` is offered
        "can_decide": status in (Status.ACKNOWLEDGED, Status.IN_PROGRESS) and case.paused_since is None,
        "decide_hint": (
            "案件尚未开始处理：请先将状态变更为“已联系客户”或“处理中”，再记录处理决定。" if status == Status.NEW else
            "计时暂停中：外部鉴定/评估结束并恢复计时后，才能记录处理决定。" if open_ and case.paused_since else None
        ),
        "can_notify": lc.decision is not None and status == Status.RESOLVED and not lc.notified,
        "next_extension": next_ext,
        "can_extend": may_extend,
        # a supervisor at 30 days sees why there is no button
        "extend_hint": (
            "延长至 60 天须经高级管理人员审批，请联系高级管理人员办理。"
            if next_ext == case_rules.MAX_DECISION_DAYS and supervising and not may_extend else None
        ),
        "can_pause": supervising and open_ and case.paused_since is None,
        "can_resume": case.paused_since is not None,
        "can_review": supervising and lc.review_open(now),
        "outcomes": list(labels.OUTCOME_LABELS.items()),
        "liabilities": list(labels.LIABILITY_LABELS.items()),
        "vias": list(labels.NOTIFY_VIA_LABELS.items()),
        "reasons_min": schemas.DECISION_REASONS_MIN,
        "reason_min": schemas.LIFECYCLE_REASON_MIN,
        "reason_max": schemas.LIFECYCLE_REASON_MAX,
        "form": again.get("form"),
        "error": again.get("error"),
        # every form field, so the template reads them all (StrictUndefined) whichever form failed
        "typed": {**{k: "" for names in FORM_FIELDS.values() for k in names}, **again.get("typed", {})},
    }
