"""Case rules of the complaint desk, free of HTTP and of the database.

Taxonomy (seed 001 分类, JR/T 0169-2018 业务类别), the status machine, SLA deadlines (seeds
000/001/003 and the 2020 regulator rules), routing to queues, repeat/group detection rules and
PII masking all live here so a reader can check them against the bank's procedures in one place.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Dict, FrozenSet, Iterable, List, Optional, Type

from bot import phones
from bot.redact import redact
# the codes and their labels live in one vocabulary, shared with the assistant (issue 16)
from bot.vocabulary import STATUS_LABELS as STATUS_LABELS
from bot.vocabulary import BusinessLine as BusinessLine
from bot.vocabulary import Category as Category
from bot.vocabulary import Channel as Channel
from bot.vocabulary import HandoffReason as HandoffReason
from bot.vocabulary import LabelledEnum as LabelledEnum
from bot.vocabulary import Priority as Priority
from bot.vocabulary import Status as Status
from bot.vocabulary import StrEnum as StrEnum

# China has no daylight saving time, so a fixed offset is exact and needs no tz database.
CHINA_TZ = timezone(timedelta(hours=8), name="Asia/Shanghai")


# The live queue's order (issue 15): by how much harm waiting can do, then longest waiting first.
# A life at risk comes before anything else (issue 13), then a threat of violence to staff or a
# branch; then a threat to go to the media or the regulator, which turns one complaint into a
# public or regulatory matter within hours (design.md ranks them together); then an angry
# customer; last a plain request for a person. A reason not listed (an old or unknown code)
# sorts last. Lower rank comes first; equal ranks share a place and go by waiting time. The
# handoff service's SQL order and the queue position quoted to the customer are both built
# from this one table (handoffs.severity_rank).
HANDOFF_SEVERITY: Dict[HandoffReason, int] = {
    HandoffReason.SELF_HARM: 0,
    HandoffReason.VIOLENCE: 1,
    HandoffReason.MEDIA: 2,
    HandoffReason.REGULATOR: 2,
    HandoffReason.ANGER: 3,
    HandoffReason.HUMAN: 4,
}
LEAST_SEVERE = max(HANDOFF_SEVERITY.values()) + 1


def severity_of(reason: Optional[str]) -> int:
    """A handoff reason's place in the queue (HANDOFF_SEVERITY); unknown or missing: last."""
    try:
        return HANDOFF_SEVERITY[HandoffReason(reason or "")]
    except ValueError:
        return LEAST_SEVERE


class Role(LabelledEnum):
    """Who said a transcript turn."""

    CUSTOMER = "customer", "客户"
    BOT = "bot", "机器人"
    AGENT = "agent", "坐席"
    # an agent's internal note: in the transcript for colleagues, never sent to the customer
    NOTE = "note", "内部备注"


# the history's actor of what the customer did themselves through the assistant (撤诉, a rating);
# the console shows 客户本人
CUSTOMER_ACTOR = "customer"



# acknowledged means the customer has been contacted; a case may skip it when the agent contacts
# and starts handling in one go. resolved → in_progress is the reopen when the customer is not
# satisfied with the answer. closed and withdrawn are final: a new complaint is a new case.
TRANSITIONS: Dict[Status, FrozenSet[Status]] = {
    Status.NEW: frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WITHDRAWN}),
    Status.ACKNOWLEDGED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.WITHDRAWN}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.WITHDRAWN}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

OPEN_STATUSES: FrozenSet[Status] = frozenset(
    {Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS}
)


class IllegalTransition(Exception):
    def __init__(self, current: Status, target: Status) -> None:
        super().__init__(f"{current.value} -> {target.value}")
        self.current = current
        self.target = target

    @property
    def message(self) -> str:
        allowed = "、".join(STATUS_LABELS[s] for s in sorted(TRANSITIONS[self.current]))
        tail = f"当前可变更为：{allowed}。" if allowed else "该状态为终态，不能再变更。"
        return (
            f"抱歉，案件当前状态为“{STATUS_LABELS[self.current]}”，"
            f"不能变更为“{STATUS_LABELS[self.target]}”。{tail}"
        )


class SlaConflict(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_transition(current: Status, target: Status) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)


# ---------------------------------------------------------------------------------------------
# SLA


CONTACT_WITHIN = {Priority.HIGH: timedelta(hours=1), Priority.NORMAL: timedelta(hours=24)}
# Only the 绿色通道 promises a substantive reply before the decision.
REPLY_WITHIN = {Priority.HIGH: timedelta(hours=4), Priority.NORMAL: None}
# The decision limit in calendar days (《银行业保险业消费投诉处理管理办法》2020 第二十三条): 15, which a
# supervisor may extend to 30 and, with a senior manager's approval, to 60 (see "The lifecycle").
DECISION_DAYS = 15
DECISION_WITHIN = timedelta(days=DECISION_DAYS)
DECISION_EXTENDED_WITHIN = timedelta(days=30)


@dataclass(frozen=True)
class SlaDeadlines:
    contact_due_at: datetime
    reply_due_at: Optional[datetime]
    decision_due_at: datetime


def sla_deadlines(created_at: datetime, priority: Priority, extended: bool = False) -> SlaDeadlines:
    reply = REPLY_WITHIN[priority]
    return SlaDeadlines(
        contact_due_at=created_at + CONTACT_WITHIN[priority],
        reply_due_at=created_at + reply if reply is not None else None,
        decision_due_at=created_at + (DECISION_EXTENDED_WITHIN if extended else DECISION_WITHIN),
    )


@dataclass(frozen=True)
class SlaState:
    status: Status
    contact_due_at: datetime
    reply_due_at: Optional[datetime]
    decision_due_at: datetime
    contacted_at: Optional[datetime]
    replied_at: Optional[datetime]
    resolved_at: Optional[datetime]
    # the decision clock is stopped for an external 鉴定/评估 (a pause without an end yet)
    paused: bool = False


def pending_deadlines(state: SlaState) -> Dict[str, datetime]:
    """The commitments not met yet, by name. While the decision clock is paused the decision
    deadline is not pending: its date moves with every paused day, and it cannot be missed."""
    if state.status not in OPEN_STATUSES:
        return {}
    pending = {}
    if state.contacted_at is None:
        pending["contact"] = state.contact_due_at
    if state.reply_due_at is not None and state.replied_at is None:
        pending["reply"] = state.reply_due_at
    if state.resolved_at is None and not state.paused:
        pending["decision"] = state.decision_due_at
    return pending


def overdue_deadlines(state: SlaState, now: datetime) -> List[str]:
    """Which commitments are missed right now."""
    return [name for name, due in pending_deadlines(state).items() if due < now]


def next_due_at(state: SlaState) -> Optional[datetime]:
    """The earliest pending deadline, stored on the case so "overdue" is one indexed comparison
    (`next_due_at < now`) instead of a scan over every case's deadlines."""
    pending = pending_deadlines(state)
    return min(pending.values()) if pending else None


# "due soon" on the console's case list: a deadline within this window. Four hours is half a
# shift: an agent who filters on it at the start of a shift can still act on every case it shows.
DUE_SOON_WITHIN = timedelta(hours=4)


class SlaStatus(LabelledEnum):
    OVERDUE = "overdue", "已超时"
    DUE_SOON = "due_soon", f"{int(DUE_SOON_WITHIN.total_seconds() // 3600)} 小时内到期"
    ON_TIME = "on_time", "未到期"
    NONE = "none", "无待办时限"  # nothing pending: resolved, closed or withdrawn


def sla_status(next_due: Optional[datetime], now: datetime) -> SlaStatus:
    """Where a case stands against its earliest pending deadline (`next_due_at`)."""
    if next_due is None:
        return SlaStatus.NONE
    if next_due < now:
        return SlaStatus.OVERDUE
    if next_due < now + DUE_SOON_WITHIN:
        return SlaStatus.DUE_SOON
    return SlaStatus.ON_TIME


@dataclass(frozen=True)
class Milestones:
    contacted_at: Optional[datetime]
    replied_at: Optional[datetime]
    resolved_at: Optional[datetime]


def milestones_after(target: Status, now: datetime, m: Milestones) -> Milestones:
    """SLA clocks stop when the status shows the commitment was met."""
    contacted, replied, resolved = m.contacted_at, m.replied_at, m.resolved_at
    if target in (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED):
        contacted = contacted or now
    if target in (Status.IN_PROGRESS, Status.RESOLVED):
        replied = replied or now
    if target == Status.RESOLVED:
        resolved = now
    elif target == Status.IN_PROGRESS:
        # a reopened case runs against its decision deadline again
        resolved = None
    return Milestones(contacted, replied, resolved)


# ---------------------------------------------------------------------------------------------
# The lifecycle (issue 14): 受理 → 调查 → 决定 → 告知 → 结案
#
# The regulator's steps (《银行业保险业消费投诉处理管理办法》2020) ride on the status machine above
# instead of replacing it, so every client of the statuses keeps working:
#
#   受理 accept       new, acknowledged   (filed; the customer contacted)
#   调查 investigate  in_progress
#   决定 decide       resolved, the decision not yet told to the customer
#   告知 notify       resolved, the decision told (its record's notified_at)
#   结案 close        closed
#   撤诉              withdrawn, which leaves the steps from any open status
#
# A decision is a record (outcome, 责任, amount, reasons) whose recording moves the case to
# resolved. The decision clock counts calendar days from filing: 15, extended to 30 by a
# supervisor and to 60 by a senior manager, each with a reason; days paused for an external
# 鉴定/评估 are added on. Within 30 days of the decision a higher office may reopen the case for
# 核查 (once), which has 30 days of its own. Every check below takes `now` from the caller: the
# app's injectable clock.


class Step(LabelledEnum):
    ACCEPT = "accept", "受理"
    INVESTIGATE = "investigate", "调查"
    DECIDE = "decide", "决定"
    NOTIFY = "notify", "告知"
    CLOSE = "close", "结案"
    WITHDRAWN = "withdrawn", "客户撤诉"


# the steps in order (withdrawn is a way out, not a step)
STEPS = (Step.ACCEPT, Step.INVESTIGATE, Step.DECIDE, Step.NOTIFY, Step.CLOSE)


def lifecycle_step(status: Status, notified: bool) -> Step:
    """The step a case has reached. `notified`: its latest decision was told to the customer. A
    case made resolved without a decision record (the API's PATCH, or before issue 14) is at 决定:
    decided, not told."""
    if status in (Status.NEW, Status.ACKNOWLEDGED):
        return Step.ACCEPT
    if status == Status.IN_PROGRESS:
        return Step.INVESTIGATE
    if status == Status.RESOLVED:
        return Step.NOTIFY if notified else Step.DECIDE
    if status == Status.CLOSED:
        return Step.CLOSE
    return Step.WITHDRAWN


class Outcome(LabelledEnum):
    SUPPORTED = "supported", "支持"
    PARTLY_SUPPORTED = "partly_supported", "部分支持"
    NOT_SUPPORTED = "not_supported", "不支持"


class Liability(LabelledEnum):
    # seed 000 四(二): 投诉按有责、无责、双方责任分类
    LIABLE = "liable", "有责"  # the bank is at fault
    NOT_LIABLE = "not_liable", "无责"
    SHARED = "shared", "双方责任"


class NotifyVia(LabelledEnum):
    """How the customer was told of the decision."""

    PHONE = "phone", "电话"
    SMS = "sms", "短信"
    CHANNEL = "channel", "客户所在渠道消息"  # a message on the customer's own channel (web chat, WeChat)
    LETTER = "letter", "书面"
    IN_PERSON = "in_person", "当面"


def codes_in_words(codes: Type[LabelledEnum]) -> str:
    """A labelled enum's codes with their labels, for API field descriptions:
    "supported 支持、partly_supported 部分支持、not_supported 不支持"."""
    return "、".join(f"{m.value} {m.label}" for m in codes)


# the console's role codes allowed to approve each extension (console/auth.py ConsoleRole)
SUPERVISOR_ROLE = "supervisor"
SENIOR_ROLE = "senior_manager"
# limit now → the one it may be extended to; 60 is the most the rules allow
EXTENSION_STEPS: Dict[int, int] = {DECISION_DAYS: 30, 30: 60}
MAX_DECISION_DAYS = 60
EXTENSION_APPROVERS: Dict[int, FrozenSet[str]] = {
    30: frozenset({SUPERVISOR_ROLE, SENIOR_ROLE}),
    # 经其上级机构或者总行、总公司高级管理人员审批: a supervisor alone cannot
    60: frozenset({SENIOR_ROLE}),
}
# 第二十六条: the customer may ask a higher office for 核查 within 30 days of the decision, and
# the higher office decides within 30 days of the request
REVIEW_WINDOW = timedelta(days=30)
REVIEW_DAYS = 30


class LifecycleConflict(SlaConflict):
    """A step the case's state does not allow (409), with a machine code for API clients."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class LifecycleForbidden(Exception):
    """A step the person's role does not allow (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _when(dt: datetime) -> str:
    return dt.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def decision_due(clock_from: datetime, days: int, paused_days: int = 0) -> datetime:
    """The decision deadline: `days` calendar days after the clock started (filing, or the
    核查 request), moved on by the days the clock was paused."""
    return clock_from + timedelta(days=days + paused_days)


def paused_days_between(started_at: datetime, ended_at: datetime) -> int:
    """Calendar days a pause kept the clock stopped: Beijing dates from its start to its end
    (sent out on the 5th, back on the 8th: 3 days). A pause that starts and ends on one day
    moves nothing: no whole day was lost."""
    start = started_at.astimezone(CHINA_TZ).date()
    end = ended_at.astimezone(CHINA_TZ).date()
    return max(0, (end - start).days)


def check_extension(
    status: Status, current_days: int, target_days: int, in_review: bool, role: Optional[str]
) -> None:
    """15 → 30 (a supervisor or senior manager) → 60 (a senior manager only). `role` None: the
    caller is not a console user (the API's legacy /extend, a trusted service) and is not
    checked."""
    if status not in OPEN_STATUSES:
        raise LifecycleConflict(f"案件状态为“{STATUS_LABELS[status]}”，无需延长办理期限。", "extension_not_allowed")
    if in_review:
        raise LifecycleConflict(
            f"核查须在受理核查申请之日起 {REVIEW_DAYS} 日内作出决定，不能延期。", "extension_not_allowed"
        )
    if current_days >= MAX_DECISION_DAYS:
        raise LifecycleConflict(
            f"办理期限已延长至 {MAX_DECISION_DAYS} 天，这是规定的最长期限，不能再延长。", "extension_not_allowed"
        )
    if target_days not in EXTENSION_APPROVERS:
        raise LifecycleConflict("办理期限只能延长至 30 天或 60 天。", "extension_not_allowed")
    if target_days <= current_days:
        raise LifecycleConflict(
            f"办理期限已延长至 {current_days} 天；如需再延长至 {MAX_DECISION_DAYS} 天，须经高级管理人员审批。",
            "extension_not_allowed",
        )
    if EXTENSION_STEPS.get(current_days) != target_days:
        raise LifecycleConflict(
            f"须先将办理期限延长至 {EXTENSION_STEPS[current_days]} 天，才能再延长至 {target_days} 天。",
            "extension_not_allowed",
        )
    if role is not None and role not in EXTENSION_APPROVERS[target_days]:
        if target_days == MAX_DECISION_DAYS:
            raise LifecycleForbidden(f"延长至 {target_days} 天须经高级管理人员审批，请由高级管理人员办理。")
        raise LifecycleForbidden(f"延长至 {target_days} 天须由主管或高级管理人员办理。")


def check_pause(status: Status, paused_since: Optional[datetime]) -> None:
    """The clock stops only while the case is being handled and before its decision."""
    if status not in OPEN_STATUSES:
        raise LifecycleConflict(f"案件状态为“{STATUS_LABELS[status]}”，不能暂停计时。", "pause_not_allowed")
    if paused_since is not None:
        raise LifecycleConflict(
            f"计时已于 {_when(paused_since)} 暂停，尚未恢复；请先结束当前暂停。", "pause_not_allowed"
        )


def check_resume(paused_since: Optional[datetime]) -> None:
    if paused_since is None:
        raise LifecycleConflict("该案件的计时没有暂停，无需恢复。", "not_paused")


def check_decision(status: Status, paused_since: Optional[datetime]) -> None:
    """A decision moves the case to resolved: from acknowledged or in_progress (TRANSITIONS)."""
    if paused_since is not None:
        raise LifecycleConflict(
            "计时暂停中（外部鉴定/评估尚未结束），请先结束暂停，再记录处理决定。", "decision_not_allowed"
        )
    if status == Status.NEW:
        raise LifecycleConflict(
            "案件尚未开始处理，请先将状态变更为“已联系客户”或“处理中”，再记录处理决定。", "decision_not_allowed"
        )
    if status == Status.RESOLVED:
        raise LifecycleConflict(
            "该案件已有处理决定；如需改变决定，须先经核查，或将案件重新变更为“处理中”。", "decision_not_allowed"
        )
    if Status.RESOLVED not in TRANSITIONS[status]:
        raise LifecycleConflict(f"案件已是“{STATUS_LABELS[status]}”，不能再记录处理决定。", "decision_not_allowed")


def check_decision_amount(outcome: Outcome, amount_fen: Optional[int]) -> None:
    if outcome == Outcome.NOT_SUPPORTED and amount_fen:
        raise ValueError("处理结果为“不支持”时没有同意的金额，请清空金额或更改处理结果")


def check_notify(status: Status, decided: bool, notified_at: Optional[datetime]) -> None:
    if status != Status.RESOLVED or not decided:
        raise LifecycleConflict("请先记录处理决定，再记录已告知客户。", "no_decision")
    if notified_at is not None:
        raise LifecycleConflict(f"处理决定已于 {_when(notified_at)} 告知客户。", "already_notified")


def check_close(decided: bool, notified: bool) -> None:
    """结案 after 告知: a recorded decision must have been told to the customer. A case resolved
    without a decision record (before issue 14, or by the API alone) closes as it always did."""
    if decided and not notified:
        raise LifecycleConflict(
            "处理决定尚未告知客户：请先在“处理决定”中记录已告知客户，再结案。", "decision_not_notified"
        )


def review_window_end(decided_at: datetime) -> datetime:
    """The last moment a 核查 may be asked for: 30 calendar days after the decision."""
    return decided_at + REVIEW_WINDOW


def check_review(
    status: Status, decided_at: Optional[datetime], reviewed_at: Optional[datetime], now: datetime
) -> None:
    """核查: a decided case (resolved, or closed since) within 30 days of its decision, once.
    closed is final for every other change; only this reopens it."""
    if status not in (Status.RESOLVED, Status.CLOSED):
        raise LifecycleConflict(
            f"案件状态为“{STATUS_LABELS[status]}”：只有已作出处理决定的案件才能申请核查。", "review_not_allowed"
        )
    if decided_at is None:
        raise LifecycleConflict("该案件没有处理决定记录，不能申请核查。", "review_not_allowed")
    if reviewed_at is not None:
        raise LifecycleConflict(
            f"该案件已于 {_when(reviewed_at)} 受理过核查，不能再次申请核查。", "review_not_allowed"
        )
    end = review_window_end(decided_at)
    if now > end:
        raise LifecycleConflict(
            f"处理决定于 {_when(decided_at)} 作出，核查须在作出决定后 {REVIEW_WINDOW.days} 日内"
            f"（截至 {_when(end)}）申请；现已超过期限，不能再申请核查。",
            "review_window_closed",
        )


# ---------------------------------------------------------------------------------------------
# Priority and routing


def effective_priority(priority: Priority, handoff_reason: Optional[HandoffReason]) -> Priority:
    # docs/design.md: any handoff is high priority, whatever the classifier said.
    return Priority.HIGH if handoff_reason is not None else priority


# Queues are data: supervisors route by these names, a person is assigned later by PATCH.
QUEUE_HIGH = "queue:high_priority"
CATEGORY_QUEUES: Dict[Category, str] = {
    Category.TRANSACTION_DISPUTE: "queue:transaction_dispute",
    # complaints about staff go to the complaint department, never back to the branch (seed 000)
    Category.STAFF_SERVICE: "queue:staff_service",
}
QUEUE_GENERAL = "queue:general"


def route_queue(priority: Priority, category: Category) -> str:
    if priority == Priority.HIGH:
        return QUEUE_HIGH
    return CATEGORY_QUEUES.get(category, QUEUE_GENERAL)


def is_queue(owner: str) -> bool:
    return owner.startswith("queue:")


# ---------------------------------------------------------------------------------------------
# Case number


def case_day(now: datetime) -> str:
    """The business day of a case number is the bank's (Beijing) date, not UTC's."""
    return now.astimezone(CHINA_TZ).strftime("%Y%m%d")


def format_case_no(day: str, seq: int) -> str:
    return f"TS{day}{seq:06d}"


CASE_NO_RE = re.compile(r"^TS[0-9]{14,20}$")


# ---------------------------------------------------------------------------------------------
# Repeat and group complaints (seed 000 第9项)

REPEAT_WINDOW = timedelta(days=30)
GROUP_WINDOW = timedelta(hours=24)
GROUP_MIN_CUSTOMERS = 3


def is_group(phone_hashes: Iterable[Optional[str]]) -> bool:
    # customers without a phone cannot be told apart, so they do not make a group
    return len({h for h in phone_hashes if h}) >= GROUP_MIN_CUSTOMERS


def group_key(branch: str, category: Category, now: datetime) -> str:
    digest = hashlib.sha256(f"{branch}\x1f{category.value}".encode("utf-8")).hexdigest()[:8]
    return f"GRP{case_day(now)}-{digest}"


# ---------------------------------------------------------------------------------------------
# PII


# One phone rule set for the whole project (bot/phones.py): mobiles and landlines with their
# area code, stored as national digits ("13812345678", "057187023456"); a case may carry either.
PHONE_RE = phones.NATIONAL_RE


def normalize_phone(raw: str) -> Optional[str]:
    return phones.normalize_phone(raw)


def mask_phone(phone: Optional[str]) -> Optional[str]:
    return phones.mask_phone(phone)


# the separator of transliterated names (买买提·艾力) comes in several look-alike characters
_NAME_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", ".": "·", "‧": "·"})


def normalize_name(name: Optional[str]) -> Optional[str]:
    """A customer's full name as it is hashed for look-ups (crypto.name_hash): the same person
    typed by the customer and by an agent gives the same value — full-width and Traditional
    characters, spaces ("王 建国") and the dot of a transliterated name do not matter."""
    if not name:
        return None
    from bot.text import to_simplified  # opencc, loaded on first use

    value = unicodedata.normalize("NFKC", name)
    value = "".join(value.split()).translate(_NAME_DOTS)
    value = to_simplified(value).casefold()
    return value or None


def mask_name(name: Optional[str]) -> Optional[str]:
    if not name:
        return name
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def mask_conversation_id(conversation_id: Optional[str], channel: Optional[str]) -> Optional[str]:
    """A WeChat conversation id is the customer's OpenID, a stable personal identifier: lists,
    queues and logs show its first and last four characters only (oABC****wxyz). Ids of the
    other channels are random session ids and stay as they are."""
    if not conversation_id or channel != Channel.WECHAT.value:
        return conversation_id
    if len(conversation_id) <= 8:
        return "*" * len(conversation_id)
    return f"{conversation_id[:4]}****{conversation_id[-4:]}"


def mask_text(text: Optional[str]) -> Optional[str]:
    """Free text can carry a phone, ID or card number typed by the customer; lists must not
    show it. The rule set is bot/redact.py's, shared with the log filter."""
    return redact(text)


# ---------------------------------------------------------------------------------------------
# Dates


def parse_occurred_at(raw: str, now: datetime) -> str:
    """An ISO date or datetime (naive datetimes are Beijing time), or an ISO 8601 interval of two
    dates "2026-11-01/2026-11-30" for a customer who only knows roughly when ("上个月"): the
    agent searches that window. Returns the normalised form; an interval of one day is that day."""
    text = raw.strip()
    if "/" in text:
        return _occurred_interval(text, now)
    value: object
    if len(text) == 10:
        value = date.fromisoformat(text)
        day = value
    else:
        dt = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=CHINA_TZ)
        value = dt
        day = dt.astimezone(CHINA_TZ).date()
    _check_occurred_day(day, now)
    if isinstance(value, datetime):
        return value.astimezone(CHINA_TZ).isoformat(timespec="seconds")
    return value.isoformat()


def _occurred_interval(text: str, now: datetime) -> str:
    first, _, last = text.partition("/")
    # dates only: a window of days is what the customer can give; times would be false precision
    if len(first.strip()) != 10 or len(last.strip()) != 10:
        raise ValueError("an interval is two ISO dates")
    start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    if start > end:
        raise ValueError("interval ends before it starts")
    _check_occurred_day(start, now)
    _check_occurred_day(end, now)
    return start.isoformat() if start == end else f"{start.isoformat()}/{end.isoformat()}"


def _check_occurred_day(day: date, now: datetime) -> None:
    if day.year < 1990:
        raise ValueError("too old")
    # one day of slack: the caller's "today" may be ahead of Beijing's around midnight
    if day > (now.astimezone(CHINA_TZ) + timedelta(days=1)).date():
        raise ValueError("in the future")


def parse_timestamp(raw: str) -> datetime:
    text = raw.strip()
    if len(text) == 10:
        d = date.fromisoformat(text)
        return datetime(d.year, d.month, d.day, tzinfo=CHINA_TZ).astimezone(timezone.utc)
    dt = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CHINA_TZ)
    return dt.astimezone(timezone.utc)


def local_iso(dt: Optional[datetime]) -> Optional[str]:
    if dt is None:
        return None
    return dt.astimezone(CHINA_TZ).isoformat(timespec="seconds")
