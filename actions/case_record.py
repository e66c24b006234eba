"""The case as the customer hears it (read-back) and as the case desk receives it (payload).

Both are built from the same slots, so what the customer confirmed is what gets filed. Field
names and the payload shape are the contract in docs/architecture.md.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, TypeVar, overload

from actions.classify import business_line_label, category_label
from actions.parsing import NOT_KNOWN, describe_date, format_amount, is_valid_amount, mask_phone
from bot.redact import redact

# A fact the customer would not or could not give: filed as empty, read back as 未提供.
NOT_GIVEN = "未提供"
NAME_DECLINED = NOT_GIVEN

# Rasa input channel name → the case desk's channel.
CHANNELS = {"rest": "rest", "socketio": "web", "wechat": "wechat"}

FIELD_LABELS = {
    "customer_name": "姓名",
    "phone": "联系电话",  # a mobile or a landline
    "branch": "网点",
    "occurred_at": "发生日期",
    "amount": "涉及金额",
    "description": "投诉内容",
    "demand": "您的诉求",
    "confidential": "是否保密",
}

_UNSET = (None, "", NOT_KNOWN, NOT_GIVEN)


def channel_of(input_channel: Optional[str]) -> str:
    return CHANNELS.get(input_channel or "", "rest")


def _iso(ts: Any) -> str:
    try:
        return datetime.fromtimestamp(float(ts), tz=timezone.utc).isoformat()
    except (TypeError, ValueError, OverflowError):
        return datetime.now(tz=timezone.utc).isoformat()


# The case desk refuses longer fields (docs/casedesk.md) and a refused case would be lost:
# what does not fit is shortened here, and the full words stay in Rasa's tracker.
MAX_DESCRIPTION_CHARS = 5000
MAX_DEMAND_CHARS = 2000
MAX_TURN_CHARS = 4000
MAX_TRANSCRIPT_TURNS = 300
MAX_TRANSCRIPT_CHARS = 60000
CUT = "…（内容过长，已截断）"


# A str in is a str out; only None gives None (the overloads tell mypy so).
@overload
def fit(text: str, limit: int) -> str: ...


@overload
def fit(text: Optional[str], limit: int) -> Optional[str]: ...


def fit(text: Optional[str], limit: int) -> Optional[str]:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - len(CUT)] + CUT


# an event as the caller has it (a dict from Rasa, or any mapping): returned as it came
_Event = TypeVar("_Event", bound=Mapping[str, Any])


def current_conversation(events: Iterable[_Event]) -> List[_Event]:
    """The events since the last restart or new session. Rasa hands actions the whole history;
    what came before a restart (an agent closed it) or an expired session is another
    conversation, and may be another, confidential, complaint."""
    events = list(events)
    start = max((i for i, e in enumerate(events) if e.get("event") in ("restart", "session_started")),
                default=-1)
    return events[start + 1:]


def build_transcript(events: Iterable[Mapping[str, Any]]) -> List[Dict[str, str]]:
    """The conversation of this intake as the agent will read it: customer and bot lines,
    oldest first, from the message that opened the intake. An earlier complaint in the same
    conversation is its own case and stays out (it may be confidential). The most recent lines
    are kept when the whole would be more than the case desk takes."""
    events = current_conversation(events)
    start = 0
    opened = max((i for i, e in enumerate(events)
                  if e.get("event") == "action" and e.get("name") == "action_start_intake"), default=None)
    if opened is not None:
        start = max((i for i in range(opened) if events[i].get("event") == "user"), default=0)
    lines = []
    for event in events[start:]:
        kind = event.get("event")
        text = event.get("text")
        if kind not in ("user", "bot") or not text:
            continue
        lines.append({
            "role": "customer" if kind == "user" else "bot",
            "text": fit(str(text), MAX_TURN_CHARS),
            "at": _iso(event.get("timestamp")),
        })
    kept, total = [], 0
    for line in reversed(lines[-MAX_TRANSCRIPT_TURNS:]):
        total += len(line["text"])
        if total > MAX_TRANSCRIPT_CHARS:
            break
        kept.append(line)
    return kept[::-1]


def _known(value: Any) -> Any:
    return None if value in _UNSET else value


def build_payload(
    slots: Mapping[str, Any],
    conversation_id: str,
    channel: str,
    transcript: List[Dict[str, str]],
) -> Dict[str, Any]:
    amount = slots.get("amount")
    return {
        "conversation_id": conversation_id,
        "intake_id": slots.get("intake_id"),
        "channel": channel,
        "category": slots.get("category") or "other",
        "business_line": slots.get("business_line") or "other",
        "priority": slots.get("priority") or "normal",
        "customer_name": _known(slots.get("customer_name")),
        "phone": _known(slots.get("phone")),
        "branch": _known(slots.get("branch")),
        "occurred_at": _known(slots.get("occurred_at")),
        # is_valid_amount accepts only an int or a float; the isinstance says so to mypy
        "amount": float(amount) if isinstance(amount, (int, float)) and is_valid_amount(amount) else None,
        "description": fit(slots.get("description"), MAX_DESCRIPTION_CHARS) or "（客户未描述具体情况）",
        "demand": fit(_known(slots.get("demand")), MAX_DEMAND_CHARS),
        "confidential": bool(slots.get("confidential")),
        "compensation_requested": bool(slots.get("compensation_requested")),
        "handoff_reason": None,
        "escalation_signals": [],
        "transcript": transcript,
    }


def _display_date(value: Any) -> str:
    return describe_date(str(value))


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def display_value(field: str, value: Any) -> str:
    if value in (NOT_KNOWN, NOT_GIVEN):
        return NOT_GIVEN
    if field == "phone":
        return mask_phone(value)
    if field == "occurred_at":
        return _display_date(value)
    if field == "amount":
        return format_amount(value)
    if field == "confidential":
        return "是（不会透露给被投诉的网点或人员）" if value else "否"
    if field in ("description", "demand"):
        # a phone, ID or card number typed into the story is not read back in clear
        return _shorten(redact(str(value)))
    return str(value)


def summary(slots: Mapping[str, Any]) -> str:
    """The read-back: every recorded field in plain Chinese, the phone number masked."""
    kind = category_label(slots.get("category"))
    if slots.get("business_line") not in (None, "other"):
        kind += f"（{business_line_label(slots.get('business_line'))}）"
    lines = [f"投诉类型：{kind}"]
    for field in ("customer_name", "phone", "branch", "occurred_at", "amount", "description", "demand"):
        value = slots.get(field)
        if value in (None, ""):
            continue
        lines.append(f"{FIELD_LABELS[field]}：{display_value(field, value)}")
    lines.append(f"{FIELD_LABELS['confidential']}：{display_value('confidential', slots.get('confidential'))}")
    if slots.get("compensation_requested"):
        lines.append("赔偿/退款要求：已记录，由责任部门核实后评估")
    return "\n".join(lines)
