"""更正案件信息 (issue 15): an agent corrects one case field the customer told them, with a reason.

This module reads the form (which fields, their Chinese labels, the values as people type them,
the reason) and says who may correct what; the change itself is `db.correct_case`, the same path
as the API's PATCH /api/cases/{no} (`db._apply_correction`): name and phone re-encrypted with
their masks and keyed hashes, a history row per field with masked values and the reason as its
note, one audit row `update`. The handler is `views.case_correct`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

from bot.casedesk.cases import case_rules, schemas
from bot.casedesk.cases.access import hidden_branch
from bot.casedesk.api.errors import BadRequest
from bot.casedesk.models import Case
from bot.casedesk.console.auth import Identity

# field (the API's spelling) → what the form calls it, and a hint for the value
FIELDS: Dict[str, str] = {
    "customer_name": "客户姓名",
    "phone": "联系电话",
    "branch": "网点",
    "occurred_at": "发生日期",
    "amount": "涉及金额（元）",
    "demand": "客户诉求",
    "description": "投诉内容",
}
HINTS: Dict[str, str] = {
    "customer_name": "客户的完整姓名",
    "phone": "11 位手机号码，或带区号的座机号码（如 0571-87023456）",
    "branch": "客户所说的网点，如 朝阳路支行",
    "occurred_at": "如 2026-11-21 或 2026年11月21日；只记得大概时间可填 2026-11-01/2026-11-30",
    "amount": "数字，单位为元，如 5000 或 12,800.50",
    "demand": "客户的诉求",
    "description": "投诉内容的完整文字（替换原内容）",
}
MAX_LENGTHS: Dict[str, int] = {
    "customer_name": 50, "branch": 100, "demand": 2000, "description": 5000,
}
REASON_MIN, REASON_MAX = 4, 500

# a day as people type it (as the case list's filters read it): 2026/11/21, 2026年11月21日
_DAY = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?")


class CorrectionError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Correction:
    field: str
    value: Any  # parsed as the API parses it: a normalised phone, fen, an ISO date, text
    reason: str


def editable(case: Case) -> bool:
    """Corrections while the case is being handled: before 已办结 (case_rules.OPEN_STATUSES)."""
    return case_rules.Status(case.status) in case_rules.OPEN_STATUSES


def fields_for(me: Identity, confidential: bool) -> List[str]:
    """The fields `me` may correct. A confidential case's branch only at head office: the branch
    decides who may see the case, and no branch may move a complaint about another branch into
    that branch's sight (the rule of 确认所涉网点, docs/console.md)."""
    return [f for f in FIELDS if f != "branch" or not confidential or hidden_branch(me) is None]


def _day(text: str) -> str:
    m = _DAY.fullmatch(text)
    if m is None:
        return text
    try:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3))).date().isoformat()
    except ValueError:
        return text  # 2026-02-30: the API's parser says it is not a date


def parse(form: Dict[str, str], allowed: List[str], now: datetime) -> Correction:
    """The form's field, value and reason, parsed by the API's own field parsers (schemas.py);
    a refusal is a CorrectionError with a Chinese message for the page."""
    field = form.get("field", "")
    if field not in FIELDS:
        raise CorrectionError("请选择要更正的项目。")
    if field not in allowed:
        raise CorrectionError("保密投诉的网点只能由总行人员更正。")
    label = FIELDS[field]
    raw = (form.get("value") or "").strip()
    if field in ("phone", "amount", "occurred_at"):
        raw = unicodedata.normalize("NFKC", raw)  # full-width digits from a Chinese IME
    if not raw:
        raise CorrectionError(f"请填写更正后的{label}。")
    reason = (form.get("reason") or "").strip()
    if len(reason) < REASON_MIN:
        raise CorrectionError(f"请填写更正原因（至少 {REASON_MIN} 个字），例如“客户来电告知号码已更换”。")
    if len(reason) > REASON_MAX:
        raise CorrectionError(f"更正原因太长了，请精简到 {REASON_MAX} 个字以内。")
    body = {field: raw}
    try:
        if field == "phone":
            value: Any = schemas.phone_field(body)
        elif field == "amount":
            value = schemas.amount_field(body)
        elif field == "occurred_at":
            value = schemas.occurred_field({field: _day(raw)}, now)
        else:
            value = schemas.text_field(body, field, MAX_LENGTHS[field], required=True)
    except BadRequest:
        raise CorrectionError(_message(field, raw))
    return Correction(field, value, reason)


def _message(field: str, raw: str) -> str:
    label = FIELDS[field]
    if field == "phone":
        return f"{label}格式不正确：请填写 11 位手机号码，或带区号的座机号码（如 0571-87023456）。"
    if field == "amount":
        return f"{label}必须是不超过两位小数的数字，单位为元，如 5000 或 12800.50。"
    if field == "occurred_at":
        return (
            f"{label}应为不晚于今天的日期，如 2026-11-21 或 2026年11月21日；"
            "只记得大概时间时可填日期区间，如 2026-11-01/2026-11-30。"
        )
    if "\x00" in raw:
        return f"{label}包含不允许的字符，请检查后重试。"
    return f"{label}太长了（最多 {MAX_LENGTHS[field]} 个字），请精简后重试。"


def form_view(me: Identity, case: Case, again: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """What the case page's form needs: the choices, whether the case may be corrected, and
    after a refusal the message and what was typed (never re-filled from the case itself)."""
    again = again or {}
    return {
        "open": editable(case),
        "fields": [(f, FIELDS[f], HINTS[f]) for f in fields_for(me, bool(case.confidential))],
        "error": again.get("error"),
        "field": again.get("field", ""),
        "value": again.get("value", ""),
        "reason": again.get("reason", ""),
        "reason_min": REASON_MIN,
        "reason_max": REASON_MAX,
    }
