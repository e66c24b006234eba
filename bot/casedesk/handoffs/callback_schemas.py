"""Request and answer shapes of /api/callbacks (issue 15): the confirmation body as a pydantic
model — its JSON schema is the one the OpenAPI document serves (openapi.py) — and the list item.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, Mapping, Optional

from pydantic import BaseModel, Extra, StrictBool, StrictStr, ValidationError, root_validator, validator

from bot.casedesk.cases import case_rules
from bot.casedesk.api.errors import BadRequest

LIST_PARAMS = ("status", "conversation_id")
FIELD_LABELS = {
    "conversation_id": "会话编号",
    "callback_id": "回电编号",
    "request_id": "请求编号",
    "phone": "回电号码",
    "confirmed": "是否确认号码",
    "said_at": "客户答复时间",
}


class ConfirmBody(BaseModel):
    """POST /api/callbacks/{id}/confirm: the customer's answer to "回电打这个号码可以吗".
    Exactly one of `phone` (another number) and `confirmed` (yes to the number on file, or
    false: left open). `said_at` orders answers a retry delivers late."""

    conversation_id: StrictStr
    callback_id: Optional[int] = None
    request_id: Optional[StrictStr] = None
    phone: Optional[StrictStr] = None
    confirmed: Optional[StrictBool] = None
    said_at: Optional[float] = None

    class Config:
        extra = Extra.forbid

    @validator("conversation_id")
    def _conversation(cls, v: str) -> str:
        if not v.strip() or len(v) > 128:
            raise ValueError("必须是 1 至 128 个字符的文本")
        return v

    @validator("request_id")
    def _request(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and len(v) > 64:
            raise ValueError("最多 64 个字符")
        return v

    @validator("phone")
    def _phone(cls, v: Optional[str]) -> Optional[str]:
        if v is None:
            return None
        number = case_rules.normalize_phone(v[:40])
        if number is None:
            raise ValueError("不是有效的手机号码或带区号的座机号码")
        return number

    @validator("said_at")
    def _said_at(cls, v: Optional[float]) -> Optional[float]:
        if v is not None and not 0 <= v < 1e11:
            raise ValueError("必须是 Unix 时间戳（秒）")
        return v

    @root_validator(skip_on_failure=True)
    def _one_answer(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        if (values.get("phone") is None) == (values.get("confirmed") is None):
            raise ValueError("请提供“回电号码”（phone）或“是否确认号码”（confirmed）其中之一")
        return values


def _bad_request(exc: ValidationError) -> BadRequest:
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first.get("loc") else ""
    if first["type"] == "value_error.extra":
        return BadRequest(f"抱歉，无法识别字段“{field}”，请核对字段名称。", code="unknown_field")
    if first["type"] == "value_error.missing":
        return BadRequest(f"缺少必填字段“{FIELD_LABELS.get(field, field)}”（{field}），请补充后重试。", code="missing_field")
    if field == "__root__":
        return BadRequest(f"{first['msg']}，请检查后重试。", code="invalid_value")
    # pydantic's own English messages are for types; ours (raised above) are already Chinese
    hint = first["msg"] if first["type"] == "value_error" else "类型不正确"
    return BadRequest(f"字段“{FIELD_LABELS.get(field, field)}”（{field}）{hint}，请检查后重试。", code="invalid_value")


def parse_confirm(body: Mapping[str, Any]) -> ConfirmBody:
    try:
        return ConfirmBody.parse_obj(body)
    except ValidationError as exc:
        raise _bad_request(exc)


def confirm_schema() -> Dict[str, Any]:
    """ConfirmBody as OpenAPI 3.0 reads it (pydantic's title and the Chinese description kept)."""
    # a copy: pydantic caches the schema it returns, and this function edits it
    schema = copy.deepcopy(ConfirmBody.schema())
    schema["description"] = (
        "客户对回电号码的答复：确认登记的号码（confirmed=true），或留下另一个号码（phone），二者必填其一；"
        "said_at 为客户答复时间（Unix 秒），晚到的旧答复不覆盖新答复"
    )
    return schema


CALLBACK_SUMMARY: Dict[str, Any] = {
    "type": "object",
    "description": "待回电列表的一项；号码为脱敏值",
    "properties": {
        "id": {"type": "integer"},
        "case_no": {"type": "string"},
        "handoff_id": {"type": "integer"},
        "handoff_reason": {"type": "string"},
        "reason": {"type": "string", "enum": ["long_wait", "after_hours", "idle"],
                   "description": "long_wait 排队过久；after_hours 非服务时间；idle 客户久未回复"},
        "status": {"type": "string", "enum": ["pending", "done"]},
        "phone_masked": {"type": "string", "nullable": True},
        "confirmation": {"type": "string", "enum": ["confirmed", "changed", "unconfirmed"], "nullable": True},
        "promised_by": {"type": "string", "format": "date-time"},
        "promise_words": {"type": "string", "example": "今天 15:30 前"},
        "overdue": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
        "told": {"type": "boolean", "description": "客户是否已在对话中得知回电安排"},
        "done_at": {"type": "string", "format": "date-time", "nullable": True},
        "done_by": {"type": "string", "nullable": True},
        "note": {"type": "string", "nullable": True, "description": "回电情况（脱敏）"},
    },
}
CALLBACK_OFFER: Dict[str, Any] = {
    "type": "object",
    "nullable": True,
    "description": "等待不能如实告知（超过上限或不在服务时间）时的回电安排；此时不报等待时间",
    "properties": {
        "id": {"type": "integer"},
        "reason": CALLBACK_SUMMARY["properties"]["reason"],
        "status": {"type": "string", "enum": ["pending", "done"]},
        "promised_by": {"type": "string", "format": "date-time"},
        "promise_words": {"type": "string", "example": "今天 15:30 前"},
        "phone_masked": {"type": "string", "nullable": True},
        "confirmation": CALLBACK_SUMMARY["properties"]["confirmation"],
        "hotline": {"type": "string", "example": "95566"},
        "service_hours": {"type": "string", "example": "09:00–21:00"},
    },
}
