"""The API's input validation and output shapes, in plain code.

Everything a client can send is checked here before it reaches the database, so bad input ends
as a 400 with a Chinese message and never as a 500 (the fuzz test holds us to it).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Sequence, Type, TypeVar

from multidict import MultiMapping
from pydantic import BaseModel, Extra, Field, StrictStr, ValidationError, root_validator, validator

from bot import branches

from bot.redact import redact

from bot.casedesk.cases import case_rules, pii
from bot.crypto import PiiCipher
from bot.casedesk.cases.case_rules import (
    BusinessLine,
    Category,
    Channel,
    HandoffReason,
    Liability,
    NotifyVia,
    Outcome,
    Priority,
    Role,
    Status,
    codes_in_words,
    local_iso,
)
from bot.casedesk.api.errors import BadRequest
from bot.casedesk.models import Case, CaseDecision, CaseEvent, CaseExtension, CasePause, CaseReview, TranscriptTurn
from bot.vocabulary import HandoffStatus

LABELS: Dict[str, str] = {
    "conversation_id": "会话编号",
    "intake_id": "受理编号",
    "channel": "渠道",
    "category": "投诉分类",
    "business_line": "业务类别",
    "priority": "优先级",
    "customer_name": "客户姓名",
    "phone": "手机号码",
    "branch": "网点",
    "branch_code": "网点编码",
    "occurred_at": "发生时间",
    "amount": "金额",
    "description": "投诉内容",
    "demand": "客户诉求",
    "confidential": "保密要求",
    "compensation_requested": "是否要求赔偿",
    "handoff_reason": "转人工原因",
    "escalation_signals": "升级信号",
    "transcript": "对话记录",
    "turns": "对话记录",
    "role": "发言方",
    "text": "发言内容",
    "at": "发言时间",
    "turn_key": "发言编号",
    "status": "状态",
    "owner": "处理人",
    "note": "备注",
    "reason": "延期原因",
    "limit": "每页条数",
    "offset": "起始位置",
    "overdue": "是否超时",
    "repeat": "是否重复投诉",
    "group": "是否群体投诉",
}

MAX_TURNS = 1000
MAX_AMOUNT = Decimal("1000000000000")  # 1 万亿元: anything above is a typing error
MAX_LIMIT = 200


def _label(name: str) -> str:
    return f"“{LABELS.get(name, name)}”（{name}）"


def _invalid(name: str, hint: str) -> BadRequest:
    return BadRequest(f"字段{_label(name)}{hint}，请检查后重试。", code="invalid_value")


def _missing(name: str) -> BadRequest:
    return BadRequest(f"缺少必填字段{_label(name)}，请补充后重试。", code="missing_field")


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


# ---------------------------------------------------------------------------------------------
# Bodies


def parse_json_object(raw: bytes) -> Dict[str, Any]:
    if not raw.strip():
        raise BadRequest("请求体为空，请提供 JSON 对象。", code="invalid_json")
    try:
        # Decimal keeps 12800.50 exact; NaN/Infinity are not amounts
        value = json.loads(
            raw.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant
        )
    except (ValueError, RecursionError):
        raise BadRequest("请求内容不是有效的 JSON，请检查格式后重试。", code="invalid_json")
    if not isinstance(value, dict):
        raise BadRequest("请求体必须是一个 JSON 对象。", code="invalid_json")
    return value


def _check_unknown(body: Mapping[str, Any], allowed: Sequence[str], immutable: Sequence[str] = ()) -> None:
    frozen = [k for k in body if k in immutable]
    if frozen:
        names = "、".join(_label(k) for k in frozen)
        raise BadRequest(f"字段{names}创建后不可修改。", code="immutable_field")
    unknown = [k for k in body if k not in allowed]
    if unknown:
        names = "、".join(f"“{k}”" for k in unknown[:5])
        raise BadRequest(f"抱歉，无法识别字段 {names}，请核对字段名称。", code="unknown_field")


def _clean(name: str, value: str, max_len: int) -> str:
    # PostgreSQL refuses NUL bytes and lone surrogates cannot be encoded: both would be a 500
    if "\x00" in value:
        raise _invalid(name, "包含不允许的字符")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _invalid(name, "包含无法识别的字符")
    value = value.strip()
    if len(value) > max_len:
        raise _invalid(name, f"过长（最多 {max_len} 个字符）")
    return value


def text_field(
    body: Mapping[str, Any], name: str, max_len: int, required: bool = False
) -> Optional[str]:
    value = body.get(name)
    if value is None:
        if required:
            raise _missing(name)
        return None
    if not isinstance(value, str):
        raise _invalid(name, "必须是文本")
    value = _clean(name, value, max_len)
    if not value:
        if required:
            raise _missing(name)
        return None
    return value


E = TypeVar("E", bound=case_rules.StrEnum)


def enum_field(
    body: Mapping[str, Any], name: str, enum_cls: Type[E], default: Optional[E] = None,
    required: bool = False,
) -> Optional[E]:
    value = body.get(name)
    if value is None:
        if required:
            raise _missing(name)
        return default
    if isinstance(value, str):
        try:
            return enum_cls(value.strip())
        except ValueError:
            pass
    raise _invalid(name, f"取值无效，可选值为：{', '.join(enum_cls.values())}")


def bool_field(body: Mapping[str, Any], name: str, default: bool = False) -> bool:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _invalid(name, "必须是 true 或 false")
    return value


def phone_field(body: Mapping[str, Any], name: str = "phone") -> Optional[str]:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _invalid(name, "必须是文本")
    value = _clean(name, value, 32)
    if not value:
        return None
    phone = case_rules.normalize_phone(value)
    if phone is None:
        raise _invalid(name, "格式不正确，应为 11 位手机号码或带区号的座机号码（如 0571-87023456）")
    return phone


def amount_field(body: Mapping[str, Any], name: str = "amount") -> Optional[int]:
    """Yuan in, fen out."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, float):
        # only from Python callers: JSON bodies are parsed with Decimal already
        value = Decimal(repr(value)) if value == value else "nan"
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise _invalid(name, "必须是数字（单位：元）")
    try:
        if isinstance(value, str):
            text = _clean(name, value, 32).replace(",", "")
            if not text:
                return None
            amount = Decimal(text)
        else:
            amount = Decimal(value)
    except InvalidOperation:
        raise _invalid(name, "必须是数字（单位：元）")
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise _invalid(name, "超出合理范围")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise _invalid(name, "最多保留两位小数")
    return int(fen)


def occurred_field(body: Mapping[str, Any], now: datetime, name: str = "occurred_at") -> Optional[str]:
    value = text_field(body, name, 40)
    if value is None:
        return None
    try:
        return case_rules.parse_occurred_at(value, now)
    except (ValueError, OverflowError):
        raise _invalid(
            name,
            "应为不晚于今天的日期、时间或日期区间，格式如 2026-11-21、2026-11-21T15:00:00+08:00"
            " 或 2026-11-01/2026-11-30（客户只记得大概时间时）",
        )


def signals_field(body: Mapping[str, Any], name: str = "escalation_signals") -> List[str]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 20:
        raise _invalid(name, "必须是不超过 20 项的文本列表")
    out: List[str] = []
    for item in value:
        if not isinstance(item, str):
            raise _invalid(name, "必须是不超过 20 项的文本列表")
        item = _clean(name, item, 64)
        if item and item not in out:
            out.append(item)
    return out


def _timestamp(name: str, raw: str) -> datetime:
    try:
        at = case_rules.parse_timestamp(raw)
    except (ValueError, OverflowError):
        raise _invalid(name, "应为 ISO-8601 时间，如 2026-11-21T15:00:00+08:00")
    if not 1990 <= at.year <= 2100:
        raise _invalid(name, "超出合理范围")
    return at


@dataclass
class NewTurn:
    role: Role
    text: str
    at: Optional[datetime]
    turn_key: Optional[str]


def turns_field(body: Mapping[str, Any], name: str, required: bool) -> List[NewTurn]:
    value = body.get(name)
    if value is None:
        if required:
            raise _missing(name)
        return []
    if not isinstance(value, list) or len(value) > MAX_TURNS:
        raise _invalid(name, f"必须是不超过 {MAX_TURNS} 条的列表")
    if required and not value:
        raise _missing(name)
    turns = []
    for item in value:
        if not isinstance(item, dict):
            raise _invalid(name, "的每一条必须是 JSON 对象")
        _check_unknown(item, ("role", "text", "at", "turn_key"))
        role = enum_field(item, "role", Role, required=True)
        text = text_field(item, "text", 10000, required=True)
        at_raw = text_field(item, "at", 40)
        turns.append(
            NewTurn(
                role=role,  # type: ignore[arg-type]
                text=text,  # type: ignore[arg-type]
                at=_timestamp("at", at_raw) if at_raw else None,
                turn_key=text_field(item, "turn_key", 64),
            )
        )
    return turns


@dataclass
class NewCase:
    conversation_id: str
    intake_id: str
    channel: Channel
    description: str
    category: Category = Category.OTHER
    business_line: BusinessLine = BusinessLine.OTHER
    priority: Priority = Priority.NORMAL
    customer_name: Optional[str] = None
    phone: Optional[str] = None
    branch: Optional[str] = None
    occurred_at: Optional[str] = None
    amount_fen: Optional[int] = None
    demand: Optional[str] = None
    confidential: bool = False
    compensation_requested: bool = False
    handoff_reason: Optional[HandoffReason] = None
    escalation_signals: List[str] = field(default_factory=list)
    transcript: List[NewTurn] = field(default_factory=list)


CREATE_FIELDS = (
    "conversation_id", "intake_id", "channel", "category", "business_line", "priority",
    "customer_name", "phone", "branch", "occurred_at", "amount", "description", "demand",
    "confidential", "compensation_requested", "handoff_reason", "escalation_signals",
    "transcript",
)


def parse_new_case(body: Mapping[str, Any], now: datetime) -> NewCase:
    _check_unknown(body, CREATE_FIELDS)
    return NewCase(
        conversation_id=text_field(body, "conversation_id", 128, required=True),  # type: ignore[arg-type]
        intake_id=text_field(body, "intake_id", 64, required=True),  # type: ignore[arg-type]
        channel=enum_field(body, "channel", Channel, required=True),  # type: ignore[arg-type]
        description=text_field(body, "description", 5000, required=True),  # type: ignore[arg-type]
        category=enum_field(body, "category", Category, Category.OTHER),  # type: ignore[arg-type]
        business_line=enum_field(body, "business_line", BusinessLine, BusinessLine.OTHER),  # type: ignore[arg-type]
        priority=enum_field(body, "priority", Priority, Priority.NORMAL),  # type: ignore[arg-type]
        customer_name=text_field(body, "customer_name", 50),
        phone=phone_field(body),
        branch=text_field(body, "branch", 100),
        occurred_at=occurred_field(body, now),
        amount_fen=amount_field(body),
        demand=text_field(body, "demand", 2000),
        confidential=bool_field(body, "confidential"),
        compensation_requested=bool_field(body, "compensation_requested"),
        handoff_reason=enum_field(body, "handoff_reason", HandoffReason),
        escalation_signals=signals_field(body),
        transcript=turns_field(body, "transcript", required=False),
    )


IMMUTABLE_FIELDS = (
    "case_no", "conversation_id", "intake_id", "channel", "created_at", "updated_at",
    "repeat_of", "repeat_flag", "group_flag", "group_key", "sla", "transcript", "history",
)
CORRECTABLE_FIELDS = (
    "category", "business_line", "priority", "customer_name", "phone", "branch", "branch_code",
    "occurred_at", "amount", "description", "demand", "confidential",
    "compensation_requested", "handoff_reason", "escalation_signals",
)
PATCH_FIELDS = ("status", "owner", "note") + CORRECTABLE_FIELDS


@dataclass
class CasePatch:
    status: Optional[Status] = None
    owner: Optional[str] = None
    note: Optional[str] = None
    # field name (API spelling) → parsed value; None clears an optional field
    changes: Dict[str, Any] = field(default_factory=dict)


def parse_patch(body: Mapping[str, Any], now: datetime) -> CasePatch:
    _check_unknown(body, PATCH_FIELDS, IMMUTABLE_FIELDS)
    if not body:
        raise BadRequest("请提供要修改的字段，例如 status 或需要更正的案件信息。", code="empty_patch")
    patch = CasePatch(
        status=enum_field(body, "status", Status),
        owner=text_field(body, "owner", 128),
        note=text_field(body, "note", 2000),
    )
    if "owner" in body and patch.owner is None:
        raise _invalid("owner", "不能为空；如需退回队列，请填写队列名称，如 queue:general")
    parsers = {
        "category": lambda: enum_field(body, "category", Category, required=True),
        "business_line": lambda: enum_field(body, "business_line", BusinessLine, required=True),
        "priority": lambda: enum_field(body, "priority", Priority, required=True),
        "customer_name": lambda: text_field(body, "customer_name", 50),
        "phone": lambda: phone_field(body),
        "branch": lambda: text_field(body, "branch", 100),
        "branch_code": lambda: branch_code_field(body),
        "occurred_at": lambda: occurred_field(body, now),
        "amount": lambda: amount_field(body),
        "description": lambda: text_field(body, "description", 5000, required=True),
        "demand": lambda: text_field(body, "demand", 2000),
        "confidential": lambda: _required_bool(body, "confidential"),
        "compensation_requested": lambda: _required_bool(body, "compensation_requested"),
        "handoff_reason": lambda: enum_field(body, "handoff_reason", HandoffReason),
        "escalation_signals": lambda: signals_field(body),
    }
    for name in CORRECTABLE_FIELDS:
        if name in body:
            patch.changes[name] = parsers[name]()
    return patch


def branch_code_field(body: Mapping[str, Any]) -> Optional[str]:
    """A supervisor's resolution of the case's branch: a code of the branch directory
    (data/branches.yml), or null to mark it unresolved again."""
    code = text_field(body, "branch_code", 16)
    if code is not None and branches.directory().get(code) is None:
        raise _invalid("branch_code", "不在网点目录中，请填写网点目录（data/branches.yml）中的网点编码")
    return code


def _required_bool(body: Mapping[str, Any], name: str) -> bool:
    if body.get(name) is None:
        raise _invalid(name, "必须是 true 或 false")
    return bool_field(body, name)


def parse_extension(body: Mapping[str, Any]) -> str:
    _check_unknown(body, ("reason",))
    return text_field(body, "reason", 500, required=True)  # type: ignore[return-value]


def parse_turns(body: Mapping[str, Any]) -> List[NewTurn]:
    _check_unknown(body, ("turns",))
    return turns_field(body, "turns", required=True)


# ---------------------------------------------------------------------------------------------
# Query strings


@dataclass
class ListQuery:
    conversation_id: Optional[str] = None
    statuses: List[Status] = field(default_factory=list)
    priorities: List[Priority] = field(default_factory=list)
    categories: List[Category] = field(default_factory=list)
    business_lines: List[BusinessLine] = field(default_factory=list)
    owner: Optional[str] = None
    overdue: Optional[bool] = None
    repeat: Optional[bool] = None
    group: Optional[bool] = None
    limit: int = 50
    offset: int = 0


LIST_PARAMS = (
    "conversation_id", "status", "priority", "category", "business_line", "owner",
    "overdue", "repeat", "group", "limit", "offset",
)


def _query_enums(query: MultiMapping[str], name: str, enum_cls: Type[E]) -> List[E]:
    out: List[E] = []
    for raw in query.getall(name, []):
        for part in raw.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                value = enum_cls(part)
            except ValueError:
                raise _invalid(name, f"取值无效，可选值为：{', '.join(enum_cls.values())}")
            if value not in out:
                out.append(value)
    return out


def _query_single(query: MultiMapping[str], name: str) -> Optional[str]:
    values = query.getall(name, [])
    if len(values) > 1:
        raise _invalid(name, "只能出现一次")
    return values[0] if values else None


def _query_bool(query: MultiMapping[str], name: str) -> Optional[bool]:
    raw = _query_single(query, name)
    if raw is None or raw == "":
        return None
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise _invalid(name, "必须是 true 或 false")


def _query_int(query: MultiMapping[str], name: str, default: int, low: int, high: int) -> int:
    raw = _query_single(query, name)
    if raw is None or raw == "":
        return default
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or not low <= int(raw) <= high:
        raise _invalid(name, f"必须是 {low} 到 {high} 之间的整数")
    return int(raw)


def _query_text(query: MultiMapping[str], name: str, max_len: int) -> Optional[str]:
    raw = _query_single(query, name)
    if raw is None:
        return None
    value = _clean(name, raw, max_len)
    return value or None


def parse_list_query(query: MultiMapping[str]) -> ListQuery:
    unknown = [k for k in query.keys() if k not in LIST_PARAMS]
    if unknown:
        names = "、".join(f"“{k}”" for k in dict.fromkeys(unknown))
        raise BadRequest(f"抱歉，无法识别查询参数 {names}，请核对参数名称。", code="unknown_field")
    return ListQuery(
        conversation_id=_query_text(query, "conversation_id", 128),
        statuses=_query_enums(query, "status", Status),
        priorities=_query_enums(query, "priority", Priority),
        categories=_query_enums(query, "category", Category),
        business_lines=_query_enums(query, "business_line", BusinessLine),
        owner=_query_text(query, "owner", 128),
        overdue=_query_bool(query, "overdue"),
        repeat=_query_bool(query, "repeat"),
        group=_query_bool(query, "group"),
        limit=_query_int(query, "limit", 50, 1, MAX_LIMIT),
        offset=_query_int(query, "offset", 0, 0, 100_000_000),
    )


# ---------------------------------------------------------------------------------------------
# Output


def format_amount(fen: Optional[int]) -> Optional[str]:
    # a string, not a float: 12800.50 must stay exactly that in every client
    if fen is None:
        return None
    return f"{fen // 100}.{fen % 100:02d}"


def sla_view(case: Case, now: datetime) -> Dict[str, Any]:
    state = case.sla_state()
    return {
        "next_due_at": local_iso(case.next_due_at),
        "contact_due_at": local_iso(case.contact_due_at),
        "reply_due_at": local_iso(case.reply_due_at),
        "decision_due_at": local_iso(case.decision_due_at),
        # the decision clock (issue 14): limit in days, paused days added, a pause running
        "decision_days": case.decision_days,
        "paused_days": case.paused_days,
        "paused_since": local_iso(case.paused_since),
        "extended": case.extended,
        "extension_reason": case.extension_reason,
        "extended_at": local_iso(case.extended_at),
        "contacted_at": local_iso(case.contacted_at),
        "replied_at": local_iso(case.replied_at),
        "resolved_at": local_iso(case.resolved_at),
        "overdue": case_rules.overdue_deadlines(state, now),
    }


def _common(case: Case, now: datetime) -> Dict[str, Any]:
    return {
        "case_no": case.case_no,
        "conversation_id": case.conversation_id,
        "intake_id": case.intake_id,
        "channel": case.channel,
        "status": case.status,
        "category": case.category,
        "business_line": case.business_line,
        "priority": case.priority,
        "branch": case.branch,
        "branch_code": case.branch_code,
        "branch_name": branches.directory().name_of(case.branch_code),
        "occurred_at": case.occurred_at,
        "amount": format_amount(case.amount_fen),
        "confidential": case.confidential,
        "compensation_requested": case.compensation_requested,
        "handoff_reason": case.handoff_reason,
        "escalation_signals": list(case.escalation_signals or []),
        "owner": case.owner,
        "sla": sla_view(case, now),
        "repeat_of": case.repeat_of,
        "repeat_flag": case.repeat_flag,
        "group_flag": case.group_flag,
        "group_key": case.group_key,
        "created_at": local_iso(case.created_at),
        "updated_at": local_iso(case.updated_at),
    }


SUMMARY_CHARS = 80


def case_summary(case: Case, now: datetime) -> Dict[str, Any]:
    """The masked view: lists, and the answers to create and PATCH."""
    out = _common(case, now)
    summary = case_rules.mask_text(case.description) or ""
    out.update(
        conversation_id=case_rules.mask_conversation_id(case.conversation_id, case.channel),
        customer_name=case.customer_name_masked,
        phone=case.phone_masked,
        summary=summary[:SUMMARY_CHARS] + ("…" if len(summary) > SUMMARY_CHARS else ""),
        masked=True,
    )
    return out


def case_detail(
    case: Case,
    turns: Sequence[TranscriptTurn],
    events: Sequence[CaseEvent],
    cipher: PiiCipher,
    now: datetime,
) -> Dict[str, Any]:
    out = _common(case, now)
    out.update(
        customer_name=cipher.decrypt(case.customer_name_enc),
        phone=cipher.decrypt(case.phone_enc),
        # the one answer with the full free text (audited by db.read_case)
        description=pii.reveal(cipher, case.description, case.description_enc),
        demand=pii.reveal(cipher, case.demand, case.demand_enc),
        rating=case.rating,
        masked=False,
        transcript=[
            {"role": t.role, "text": pii.reveal(cipher, t.text, t.text_enc), "at": local_iso(t.at), "turn_key": t.turn_key}
            for t in turns
        ],
        history=[
            {
                "at": local_iso(e.at),
                "actor": e.actor,
                "kind": e.kind,
                "field": e.field,
                "old_value": e.old_value,
                "new_value": e.new_value,
                "note": e.note,
            }
            for e in events
        ],
    )
    return out


# ---------------------------------------------------------------------------------------------
# Handoffs (docs/design.md, "Escalation and handoff")

HANDOFF_LABELS: Dict[str, str] = {
    "request_id": "请求编号",
    "reason": "转人工原因",
    "signals": "升级信号",
    "case_no": "案件编号",
    "case": "案件信息",
    "internal": "是否内部备注",
    "since": "转人工时间戳",
}
LABELS.update({k: v for k, v in HANDOFF_LABELS.items() if k not in ("reason",)})

HANDOFF_FIELDS = ("conversation_id", "request_id", "channel", "reason", "signals", "case_no", "case", "since")
# the case sub-object is a POST /api/cases body without what the handoff itself carries
HANDOFF_CASE_FIELDS = tuple(f for f in CREATE_FIELDS if f not in ("conversation_id", "channel"))
MAX_SIGNALS = 20
MAX_SIGNAL_CHARS = 32
MAX_MESSAGE_CHARS = 2000
# a case filed at handoff time may have no description yet: the agent completes it later
HANDOFF_PLACEHOLDER_DESCRIPTION = "（客户在描述投诉内容前转人工，详见对话记录）"


@dataclass
class NewHandoff:
    conversation_id: str
    request_id: str
    channel: Channel
    reason: HandoffReason
    signals: List[str] = field(default_factory=list)
    case_no: Optional[str] = None
    # parsed case sub-object, conversation_id/channel/handoff_reason/signals already filled in
    case: Optional[NewCase] = None
    # Rasa timestamp of the message that triggered the handoff: customer messages after it are
    # copied to the agent, also when the handoff reaches the desk late (outbox after an outage)
    since: Optional[float] = None


def _handoff_signals(body: Mapping[str, Any]) -> List[str]:
    value = body.get("signals")
    if value is None:
        return []
    hint = f"必须是不超过 {MAX_SIGNALS} 项、每项不超过 {MAX_SIGNAL_CHARS} 个字符的文本列表"
    if not isinstance(value, list) or len(value) > MAX_SIGNALS:
        raise _invalid("signals", hint)
    out: List[str] = []
    for item in value:
        if not isinstance(item, str) or len(item.strip()) > MAX_SIGNAL_CHARS:
            raise _invalid("signals", hint)
        item = _clean("signals", item, MAX_SIGNAL_CHARS)
        if item and item not in out:
            out.append(item)
    return out


def parse_new_handoff(body: Mapping[str, Any], now: datetime) -> NewHandoff:
    _check_unknown(body, HANDOFF_FIELDS)
    conversation_id = text_field(body, "conversation_id", 128, required=True)
    request_id = text_field(body, "request_id", 64, required=True)
    channel = enum_field(body, "channel", Channel, required=True)
    try:
        reason = enum_field(body, "reason", HandoffReason, required=True)
    except BadRequest as exc:
        # "reason" is labelled for extensions (延期原因); here it is the handoff's reason
        raise BadRequest(exc.message.replace(_label("reason"), "“转人工原因”（reason）"), code=exc.code)
    signals = _handoff_signals(body)
    case_no = text_field(body, "case_no", 24)
    if case_no is not None and not case_rules.CASE_NO_RE.match(case_no):
        raise _invalid("case_no", "格式不正确，应如 TS20261122000123")
    raw_case = body.get("case")
    if raw_case is not None and not isinstance(raw_case, dict):
        raise _invalid("case", "必须是 JSON 对象")
    if case_no is None and raw_case is None:
        raise BadRequest(
            f"请提供{_label('case_no')}或{_label('case')}其中之一，请补充后重试。",
            code="missing_field",
        )
    case: Optional[NewCase] = None
    if raw_case is not None and case_no is None:
        _check_unknown(raw_case, HANDOFF_CASE_FIELDS)
        filled = dict(raw_case)
        filled.update(conversation_id=conversation_id, channel=channel.value)  # type: ignore[union-attr]
        # the retry key of the handoff doubles as the intake key of its case, so a retried
        # handoff never files a second case
        if not isinstance(filled.get("intake_id"), str) or not filled["intake_id"].strip():
            filled["intake_id"] = request_id
        if not isinstance(filled.get("description"), str) or not filled["description"].strip():
            filled["description"] = HANDOFF_PLACEHOLDER_DESCRIPTION
        case = parse_new_case(filled, now)
        case.handoff_reason = reason
        case.priority = Priority.HIGH
        case.escalation_signals = merge_signals(case.escalation_signals, signals)
    since = body.get("since")
    if since is not None and (
        isinstance(since, bool) or not isinstance(since, (int, float, Decimal)) or not 0 <= since < 1e11
    ):
        raise _invalid("since", "必须是 Unix 时间戳（秒）")
    return NewHandoff(
        since=float(since) if since is not None else None,
        conversation_id=conversation_id,  # type: ignore[arg-type]
        request_id=request_id,  # type: ignore[arg-type]
        channel=channel,  # type: ignore[arg-type]
        reason=reason,  # type: ignore[arg-type]
        signals=signals,
        case_no=case_no,
        case=case,
    )


def merge_signals(current: Sequence[str], new: Sequence[str]) -> List[str]:
    out = list(current or [])
    for item in new:
        if item not in out:
            out.append(item)
    return out[: MAX_SIGNALS * 2]


def message_text(value: Any, name: str = "text") -> str:
    """An agent's reply or note: what the console and the API both accept."""
    if not isinstance(value, str):
        raise _invalid(name, "必须是文本") if value is not None else _missing(name)
    if len(value.strip()) > MAX_MESSAGE_CHARS:
        raise BadRequest(
            f"消息过长（最多 {MAX_MESSAGE_CHARS} 个字符），请分段发送。", code="invalid_value"
        )
    value = _clean(name, value, MAX_MESSAGE_CHARS)
    if not value:
        raise BadRequest("消息内容不能为空，请输入后再发送。", code="missing_field")
    return value


@dataclass
class AgentMessage:
    text: str
    internal: bool = False


def parse_agent_message(body: Mapping[str, Any]) -> AgentMessage:
    _check_unknown(body, ("text", "internal"))
    return AgentMessage(text=message_text(body.get("text")), internal=bool_field(body, "internal"))


HANDOFF_STATUSES = tuple(HandoffStatus.values())
HANDOFF_LIST_PARAMS = ("status", "conversation_id")


@dataclass
class HandoffQuery:
    statuses: List[str] = field(default_factory=list)
    conversation_id: Optional[str] = None


def parse_handoff_query(query: MultiMapping[str]) -> HandoffQuery:
    unknown = [k for k in query.keys() if k not in HANDOFF_LIST_PARAMS]
    if unknown:
        names = "、".join(f"“{k}”" for k in dict.fromkeys(unknown))
        raise BadRequest(f"抱歉，无法识别查询参数 {names}，请核对参数名称。", code="unknown_field")
    statuses: List[str] = []
    for raw in query.getall("status", []):
        for part in raw.split(","):
            part = part.strip()
            if not part:
                continue
            if part not in HANDOFF_STATUSES:
                raise _invalid("status", f"取值无效，可选值为：{', '.join(HANDOFF_STATUSES)}")
            if part not in statuses:
                statuses.append(part)
    return HandoffQuery(statuses=statuses, conversation_id=_query_text(query, "conversation_id", 128))


def turn_view(t: TranscriptTurn) -> Dict[str, Any]:
    return {
        "id": t.id,
        "role": t.role,
        # stored masked (pii.py); masked again in case of a row written before that
        "text": redact(t.text),
        "at": local_iso(t.at),
        "turn_key": t.turn_key,
        "author": t.author,
        "delivery": t.delivery,
    }


def handoff_summary(handoff: Any, case: Case, now: datetime) -> Dict[str, Any]:
    """The queue's view of a handoff with its case: masked, so lists can go anywhere."""
    end = handoff.claimed_at if handoff.claimed_at is not None else (handoff.closed_at or now)
    return {
        "id": handoff.id,
        "conversation_id": case_rules.mask_conversation_id(handoff.conversation_id, handoff.channel),
        "case_no": case.case_no,
        "reason": handoff.reason,
        "signals": list(handoff.signals or []),
        "status": handoff.status,
        "outcome": handoff.outcome,
        "priority": handoff.priority,
        "channel": handoff.channel,
        "claimed_by": handoff.claimed_by,
        "created_at": local_iso(handoff.created_at),
        "claimed_at": local_iso(handoff.claimed_at),
        "closed_at": local_iso(handoff.closed_at),
        "updated_at": local_iso(handoff.updated_at),
        # time the customer waited (or is waiting) for a person
        "waiting_seconds": max(0, int((end - handoff.created_at).total_seconds())),
        "case": {
            "case_no": case.case_no,
            "category": case.category,
            "business_line": case.business_line,
            "customer_name": case.customer_name_masked,
            "phone": case.phone_masked,
            "branch": case.branch,
            "confidential": case.confidential,
            "summary": (case_rules.mask_text(case.description) or "")[:SUMMARY_CHARS],
        },
    }


# ---------------------------------------------------------------------------------------------
# Progress lookup (issue 14): the assistant asks for a customer, who typed the case number (or
# none: the latest case of the conversation) and the last four digits of their phone

LABELS.update({"phone_last4": "手机号后四位", "case_no": "案件编号"})
PROGRESS_FIELDS = ("conversation_id", "case_no", "phone_last4")


@dataclass
class ProgressQuery:
    conversation_id: str
    case_no: Optional[str]  # None: the latest case of the conversation
    phone_last4: str


def parse_progress_query(body: Mapping[str, Any]) -> ProgressQuery:
    _check_unknown(body, PROGRESS_FIELDS)
    conversation_id = text_field(body, "conversation_id", 128, required=True)
    case_no = text_field(body, "case_no", 24)
    if case_no is not None:
        case_no = case_no.upper()
        if not case_rules.CASE_NO_RE.match(case_no):
            raise _invalid("case_no", "格式不正确，应如 TS20261122000123")
    last4 = text_field(body, "phone_last4", 4, required=True)
    if not (last4 and len(last4) == 4 and last4.isascii() and last4.isdigit()):
        raise _invalid("phone_last4", "应为 4 位数字")
    return ProgressQuery(conversation_id=conversation_id, case_no=case_no, phone_last4=last4)  # type: ignore[arg-type]


# 撤诉 from the chat: the same check, and the customer's own words on why (optional; stored
# masked in the case's history)
WITHDRAW_FIELDS = PROGRESS_FIELDS + ("reason",)
MAX_WITHDRAW_REASON = 200


@dataclass
class WithdrawQuery(ProgressQuery):
    reason: Optional[str] = None


def parse_withdraw_query(body: Mapping[str, Any]) -> WithdrawQuery:
    _check_unknown(body, WITHDRAW_FIELDS)
    query = parse_progress_query({k: v for k, v in body.items() if k != "reason"})
    try:
        reason = text_field(body, "reason", MAX_WITHDRAW_REASON)
    except BadRequest as exc:
        # "reason" is labelled for extensions (延期原因); here it is the customer's own words
        raise BadRequest(exc.message.replace(_label("reason"), "“撤诉原因”（reason）"), code=exc.code)
    return WithdrawQuery(query.conversation_id, query.case_no, query.phone_last4, reason)


# The customer's rating of the intake, sent by the assistant with the conversation it came from
# (ratings.py)
RATING_FIELDS = ("conversation_id", "score")
LABELS.update({"score": "评分"})


@dataclass
class RatingBody:
    conversation_id: str
    score: int


def parse_rating(body: Mapping[str, Any]) -> RatingBody:
    _check_unknown(body, RATING_FIELDS)
    conversation_id = text_field(body, "conversation_id", 128, required=True)
    score = body.get("score")
    if score is None:
        raise _missing("score")
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise _invalid("score", "应为 1 到 5 的整数")
    return RatingBody(conversation_id=conversation_id, score=score)  # type: ignore[arg-type]


def progress_view(progress: Any) -> Dict[str, Any]:
    """What a verified customer may see (progress.Progress): no name, phone, branch, owner or
    note."""
    deadline = progress.deadline
    return {
        "verified": True,
        "case_no": progress.case_no,
        "status": progress.status,
        "status_label": progress.status_label,
        "handled_by": progress.handled_by,
        "next_deadline": (
            {"date": deadline.on.isoformat(), "kind": deadline.kind, "label": deadline.label}
            if deadline is not None else None
        ),
        "latest_update": progress.latest_update,
    }


# ---------------------------------------------------------------------------------------------
# The lifecycle (issue 14: decisions, extensions, pauses, 核查; rules in case_rules.py, steps in
# lifecycle.py). Request bodies are pydantic models: types, enums and unknown fields are pydantic's
# checks, the text and amount checks are this module's own field parsers, and the OpenAPI
# document's request schemas are generated from these models (openapi.py), so they cannot drift.

DECISION_REASONS_MIN = 10
LIFECYCLE_REASON_MIN = 4
LIFECYCLE_REASON_MAX = 500
DECISION_REASONS_MAX = 2000
# reasons a customer will read: at least some Chinese, not a code or a placeholder
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


class LifecycleBody(BaseModel):
    """A lifecycle request body. `field_labels` names the fields in messages ("reason" is a
    延期原因 in one body and a 暂停原因 in another)."""

    field_labels: ClassVar[Dict[str, str]] = {}

    class Config:
        extra = Extra.forbid

    @classmethod
    def say(cls, name: str) -> str:
        return f"“{cls.field_labels.get(name) or LABELS.get(name, name)}”（{name}）"

    @classmethod
    def text(cls, name: str, value: Optional[str], min_len: int, max_len: int, required: bool = True) -> Optional[str]:
        """Trimmed text, refused with a Chinese message naming the field (NUL, lone surrogates,
        too short or long); empty is missing."""
        if value is None or not value.strip():
            if required:
                raise BadRequest(f"缺少必填字段{cls.say(name)}，请补充后重试。", code="missing_field")
            return None
        if "\x00" in value:
            raise BadRequest(f"字段{cls.say(name)}包含不允许的字符，请检查后重试。", code="invalid_value")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest(f"字段{cls.say(name)}包含无法识别的字符，请检查后重试。", code="invalid_value")
        value = value.strip()
        if len(value) < min_len:
            raise BadRequest(f"字段{cls.say(name)}太短，请至少写 {min_len} 个字。", code="invalid_value")
        if len(value) > max_len:
            raise BadRequest(f"字段{cls.say(name)}过长（最多 {max_len} 个字符），请精简后重试。", code="invalid_value")
        return value


M = TypeVar("M", bound=LifecycleBody)


def parse_body(model: Type[M], body: Mapping[str, Any]) -> M:
    """A lifecycle body, or a 400 with a Chinese message. The validators' own refusals
    (BadRequest, not a ValueError) pass through pydantic as they are."""
    _check_unknown(body, tuple(model.__fields__))
    try:
        return model.parse_obj(dict(body))
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else ""
        kind = error["type"]
        if kind in ("value_error.missing", "type_error.none.not_allowed"):
            raise BadRequest(f"缺少必填字段{model.say(name)}，请补充后重试。", code="missing_field")
        if kind == "type_error.enum":
            choices = ", ".join(str(v) for v in error.get("ctx", {}).get("enum_values", []))
            raise BadRequest(f"字段{model.say(name)}取值无效，可选值为：{choices}，请检查后重试。", code="invalid_value")
        hint = "必须是文本" if kind.startswith("type_error.str") else "类型不正确"
        raise BadRequest(f"字段{model.say(name)}{hint}，请检查后重试。", code="invalid_value")


class DecisionBody(LifecycleBody):
    """处理决定: outcome, 责任 (seed 000), an amount agreed (yuan in; fen once parsed), reasons."""

    field_labels: ClassVar[Dict[str, str]] = {
        "outcome": "处理结果", "liability": "责任认定", "amount": "同意的金额（元）", "reasons": "处理理由",
    }

    outcome: Outcome = Field(..., description=f"处理结果：{codes_in_words(Outcome)}")
    liability: Liability = Field(..., description=f"责任认定：{codes_in_words(Liability)}")
    amount: Optional[Any] = Field(None, description="同意的金额（元），最多两位小数；可缺省；不支持时不能填")
    reasons: StrictStr = Field(
        ..., description=f"处理理由：用中文写明（{DECISION_REASONS_MIN}–{DECISION_REASONS_MAX} 字），客户会在处理决定中读到"
    )

    class Config:
        extra = Extra.forbid

        @staticmethod
        def schema_extra(schema: Dict[str, Any], model: Any) -> None:
            schema["properties"]["amount"].update(oneOf=[{"type": "number"}, {"type": "string"}], nullable=True)
            schema["properties"]["reasons"].update(minLength=DECISION_REASONS_MIN, maxLength=DECISION_REASONS_MAX)

    @validator("amount", pre=True)
    def _amount(cls, value: Any) -> Optional[int]:
        try:
            return amount_field({"amount": value})
        except BadRequest:
            raise BadRequest(
                f"字段{cls.say('amount')}必须是不超过两位小数的数字（单位：元），如 5000 或 12800.50，请检查后重试。",
                code="invalid_value",
            )

    @validator("reasons")
    def _reasons(cls, value: str) -> str:
        text = cls.text("reasons", value, DECISION_REASONS_MIN, DECISION_REASONS_MAX) or ""
        if not _CHINESE.search(text):
            raise BadRequest("请用中文写明处理理由：客户会在处理决定中读到它。", code="invalid_value")
        return text

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        try:
            case_rules.check_decision_amount(values["outcome"], values.get("amount"))
        except ValueError as exc:
            raise BadRequest(f"{exc}。", code="invalid_value")
        return values

    @property
    def amount_fen(self) -> Optional[int]:
        return self.amount


class ExtensionBody(LifecycleBody):
    """延期 through the API: to 30 days (a supervisor) or 60 (a senior manager), approver named."""

    field_labels: ClassVar[Dict[str, str]] = {"days": "延长至（天）", "reason": "延期原因", "approved_by": "审批人"}

    days: int = Field(..., description="延长至 30 天（主管或高级管理人员审批）或 60 天（仅高级管理人员审批）；须先到 30 天")
    reason: StrictStr = Field(..., description=f"延期原因（{LIFECYCLE_REASON_MIN}–{LIFECYCLE_REASON_MAX} 字），须告知客户")
    approved_by: StrictStr = Field(..., description="审批人：控制台账号（用户名），其角色须有此项审批权限")

    class Config:
        extra = Extra.forbid

        @staticmethod
        def schema_extra(schema: Dict[str, Any], model: Any) -> None:
            schema["properties"]["days"].update(enum=sorted(case_rules.EXTENSION_APPROVERS))
            schema["properties"]["reason"].update(minLength=LIFECYCLE_REASON_MIN, maxLength=LIFECYCLE_REASON_MAX)
            schema["properties"]["approved_by"].update(maxLength=64)

    @validator("days", pre=True)
    def _days(cls, value: Any) -> int:
        # 30 or "30" (a form); not 30.5, true or "三十"
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or value not in case_rules.EXTENSION_APPROVERS:
            raise BadRequest(f"字段{cls.say('days')}只能是 30 或 60，请检查后重试。", code="invalid_value")
        return value

    @validator("reason")
    def _reason(cls, value: str) -> str:
        return cls.text("reason", value, LIFECYCLE_REASON_MIN, LIFECYCLE_REASON_MAX) or ""

    @validator("approved_by")
    def _approver(cls, value: str) -> str:
        return cls.text("approved_by", value, 1, 64) or ""


class PauseBody(LifecycleBody):
    """暂停计时 for an external 鉴定/评估."""

    field_labels: ClassVar[Dict[str, str]] = {"reason": "暂停原因"}

    reason: StrictStr = Field(..., description=f"暂停原因（{LIFECYCLE_REASON_MIN}–{LIFECYCLE_REASON_MAX} 字），如 送司法鉴定中心鉴定签名真伪")

    class Config:
        extra = Extra.forbid

        @staticmethod
        def schema_extra(schema: Dict[str, Any], model: Any) -> None:
            schema["properties"]["reason"].update(minLength=LIFECYCLE_REASON_MIN, maxLength=LIFECYCLE_REASON_MAX)

    @validator("reason")
    def _reason(cls, value: str) -> str:
        return cls.text("reason", value, LIFECYCLE_REASON_MIN, LIFECYCLE_REASON_MAX) or ""


class _NoteBody(LifecycleBody):
    """A step whose only free text is an optional note (恢复计时, 告知)."""

    note: Optional[StrictStr] = Field(None, description="可选说明")

    class Config:
        extra = Extra.forbid

        @staticmethod
        def schema_extra(schema: Dict[str, Any], model: Any) -> None:
            schema["properties"]["note"].update(maxLength=LIFECYCLE_REASON_MAX, nullable=True)

    @validator("note")
    def _note(cls, value: Optional[str]) -> Optional[str]:
        return cls.text("note", value, 0, LIFECYCLE_REASON_MAX, required=False)


class ResumeBody(_NoteBody):
    """恢复计时: the 鉴定/评估 is back."""

    field_labels: ClassVar[Dict[str, str]] = {"note": "说明"}

    note: Optional[StrictStr] = Field(None, description="可选说明，如 鉴定结论已收到")


class NotifiedBody(_NoteBody):
    """告知: the customer has been told the decision."""

    field_labels: ClassVar[Dict[str, str]] = {"via": "告知方式", "note": "说明"}

    via: NotifyVia = Field(..., description=f"告知方式：{codes_in_words(NotifyVia)}")
    note: Optional[StrictStr] = Field(None, description="可选说明，如 客户表示认可")


class ReviewBody(LifecycleBody):
    """核查: a higher office reopens the decided case."""

    field_labels: ClassVar[Dict[str, str]] = {"office": "核查机构", "reason": "核查原因"}

    office: StrictStr = Field(..., description="受理核查的上级机构，如 总行消费者权益保护部")
    reason: StrictStr = Field(..., description=f"核查原因（{LIFECYCLE_REASON_MIN}–{LIFECYCLE_REASON_MAX} 字），如 客户对处理结果有异议")

    class Config:
        extra = Extra.forbid

        @staticmethod
        def schema_extra(schema: Dict[str, Any], model: Any) -> None:
            schema["properties"]["office"].update(minLength=2, maxLength=100)
            schema["properties"]["reason"].update(minLength=LIFECYCLE_REASON_MIN, maxLength=LIFECYCLE_REASON_MAX)

    @validator("office")
    def _office(cls, value: str) -> str:
        return cls.text("office", value, 2, 100) or ""

    @validator("reason")
    def _reason(cls, value: str) -> str:
        return cls.text("reason", value, LIFECYCLE_REASON_MIN, LIFECYCLE_REASON_MAX) or ""


LIFECYCLE_BODIES: Dict[str, Type[LifecycleBody]] = {
    "DecisionCreate": DecisionBody,
    "ExtensionCreate": ExtensionBody,
    "PauseStart": PauseBody,
    "PauseEnd": ResumeBody,
    "DecisionNotified": NotifiedBody,
    "ReviewCreate": ReviewBody,
}

NOTICE_EVENT_PARAMS = ("after", "limit")


def parse_notice_query(query: MultiMapping[str]) -> Dict[str, int]:
    unknown = [k for k in query.keys() if k not in NOTICE_EVENT_PARAMS]
    if unknown:
        names = "、".join(f"“{k}”" for k in dict.fromkeys(unknown))
        raise BadRequest(f"抱歉，无法识别查询参数 {names}，请核对参数名称。", code="unknown_field")
    return {
        "after": _query_int(query, "after", 0, 0, 999_999_999),
        "limit": _query_int(query, "limit", 100, 1, MAX_LIMIT),
    }


def decision_view(d: CaseDecision) -> Dict[str, Any]:
    return {
        "id": d.id,
        "round": d.round,
        "outcome": d.outcome,
        "liability": d.liability,
        "amount": format_amount(d.amount_fen),
        "reasons": d.reasons,
        "decided_by": d.decided_by,
        "decided_at": local_iso(d.decided_at),
        "due_at": local_iso(d.due_at),
        "on_time": d.decided_at <= d.due_at,
        "notified_at": local_iso(d.notified_at),
        "notified_by": d.notified_by,
        "notified_via": d.notified_via,
        "notify_note": d.notify_note,
    }


def extension_view(e: CaseExtension) -> Dict[str, Any]:
    return {
        "id": e.id,
        "from_days": e.from_days,
        "to_days": e.to_days,
        "reason": e.reason,
        "approved_by": e.approved_by,
        "approved_role": e.approved_role,
        "approved_at": local_iso(e.approved_at),
        "old_due_at": local_iso(e.old_due_at),
        "new_due_at": local_iso(e.new_due_at),
    }


def pause_view(p: CasePause) -> Dict[str, Any]:
    return {
        "id": p.id,
        "reason": p.reason,
        "started_by": p.started_by,
        "started_at": local_iso(p.started_at),
        "ended_by": p.ended_by,
        "ended_at": local_iso(p.ended_at),
        "end_note": p.end_note,
        "days": p.days,
    }


def review_view(r: CaseReview) -> Dict[str, Any]:
    return {
        "id": r.id,
        "decision_id": r.decision_id,
        "office": r.office,
        "reason": r.reason,
        "requested_by": r.requested_by,
        "requested_at": local_iso(r.requested_at),
        "due_at": local_iso(r.due_at),
    }


def lifecycle_view(lc: Any, now: datetime) -> Dict[str, Any]:
    """A case's lifecycle (lifecycle.Lifecycle): step, decision clock, and every record."""
    case = lc.case
    window = lc.review_window_ends_at
    return {
        "case_no": case.case_no,
        "status": case.status,
        "step": lc.step.value,
        "clock": {
            "started_at": local_iso(case.decision_clock_from),
            "days": case.decision_days,
            "paused_days": case.paused_days,
            "paused_since": local_iso(case.paused_since),
            "decision_due_at": local_iso(case.decision_due_at),
            "in_review": lc.in_review,
            "next_extension": lc.next_extension,
        },
        "decision": decision_view(lc.decision) if lc.decision is not None else None,
        "decisions": [decision_view(d) for d in lc.decisions],
        "extensions": [extension_view(e) for e in lc.extensions],
        "pauses": [pause_view(p) for p in lc.pauses],
        "reviews": [review_view(r) for r in lc.reviews],
        "review_window_ends_at": local_iso(window),
        "review_open": lc.review_open(now),
    }


def case_notice_view(notice: Any, deliveries: Any) -> Dict[str, Any]:
    """A notice as sent: the text (masked when rendered), and per route its state; the SMS number
    only as the outbox stored it, masked."""
    return {
        "kind": notice.kind,
        "text": notice.text,
        "created_at": local_iso(notice.created_at),
        "deliveries": [
            {
                "route": d.route,
                "status": d.status,
                "attempts": d.attempts,
                "recipient": d.recipient_masked if d.route == "sms" else None,
                "done_at": local_iso(d.done_at) if d.done_at else None,
            }
            for d in deliveries
        ],
    }


def notice_event_view(e: Any) -> Dict[str, Any]:
    return {
        "id": e.id,
        "case_no": e.case_no,
        "channel": e.channel,
        "kind": e.kind,
        "at": local_iso(e.at),
        "new_value": e.new_value,
        "note": e.note,
    }
