"""The OpenAPI 3 document served at /api/openapi.json.

Written by hand next to the routes it describes; tests/casedesk/test_openapi.py fails when a
route is added or removed without updating this file. The lifecycle's request bodies (issue 14)
are generated from their pydantic models (schemas.LIFECYCLE_BODIES).
"""
from __future__ import annotations

import copy
from typing import Any, Dict, Optional, Tuple, Type

from bot.casedesk.cases import schemas as request_models
from bot.casedesk.handoffs.callback_schemas import CALLBACK_OFFER, CALLBACK_SUMMARY, confirm_schema
from bot.casedesk.customer.notice_texts import Kind as NoticeKind
from bot.casedesk.customer.notices import Delivery, Route
from bot.casedesk.cases.case_rules import (
    BusinessLine, Category, Channel, HandoffReason, Liability, NotifyVia, Outcome, Priority, Role, Status, Step,
    StrEnum, codes_in_words,
)
from bot.vocabulary import HandoffStatus


def _enum(cls: Any, nullable: bool = False) -> Dict[str, Any]:
    schema: Dict[str, Any] = {"type": "string", "enum": cls.values()}
    if nullable:
        schema["nullable"] = True
    return schema


def _ref(name: str) -> Dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> Dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }


def _ok(description: str, schema: str) -> Dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


CASE_NO_PARAM = {
    "name": "case_no",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^TS\\d{14,}$", "example": "TS20261122000123"},
}

_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_NTIME = {"type": "string", "format": "date-time", "nullable": True}

TURN = {
    "type": "object",
    "required": ["role", "text"],
    "additionalProperties": False,
    "properties": {
        "role": _enum(Role),
        "text": {"type": "string", "maxLength": 10000},
        "at": {"type": "string", "format": "date-time", "description": "缺省为服务器接收时间；无时区视为北京时间"},
        "turn_key": {"type": "string", "maxLength": 64, "description": "可选的去重键：同一案件内重复发送的同一发言只保存一次"},
    },
}

CORRECTABLE = {
    "category": _enum(Category),
    "business_line": _enum(BusinessLine),
    "priority": _enum(Priority),
    "customer_name": {"type": "string", "maxLength": 50, "nullable": True},
    "phone": {"type": "string", "description": "手机号，或带区号的座机号；可带 +86、空格或连字符", "nullable": True},
    "branch": {"type": "string", "maxLength": 100, "nullable": True},
    "occurred_at": {"type": "string", "description": "ISO 日期（2026-11-21）、日期时间，或客户只记得大概时的日期区间（2026-11-01/2026-11-30）", "nullable": True},
    "amount": {
        "oneOf": [{"type": "number"}, {"type": "string"}],
        "description": "金额（元），最多两位小数",
        "nullable": True,
    },
    "description": {"type": "string", "maxLength": 5000},
    "demand": {"type": "string", "maxLength": 2000, "nullable": True},
    "confidential": {"type": "boolean"},
    "compensation_requested": {"type": "boolean"},
    "handoff_reason": _enum(HandoffReason, nullable=True),
    "escalation_signals": {"type": "array", "items": {"type": "string", "maxLength": 64}, "maxItems": 20},
}

SLA = {
    "type": "object",
    "properties": {
        "next_due_at": {"type": "string", "format": "date-time", "nullable": True, "description": "最早的未完成时限；已办结/撤诉为 null"},
        "contact_due_at": {"type": "string", "format": "date-time"},
        "reply_due_at": _NTIME,
        "decision_due_at": {"type": "string", "format": "date-time", "description": "办结期限：受理（或受理核查）起的日历天数加上已结束的暂停天数"},
        "decision_days": {"type": "integer", "enum": [15, 30, 60], "description": "办结时限（天）：15，延期后 30 或 60；核查期间 30"},
        "paused_days": {"type": "integer", "minimum": 0, "description": "已结束的暂停（外部鉴定/评估）天数，已加到办结期限上"},
        "paused_since": {"type": "string", "format": "date-time", "nullable": True, "description": "计时暂停中：暂停开始时间；暂停期间办结期限不计超时"},
        "extended": {"type": "boolean"},
        "extension_reason": _NSTR,
        "extended_at": _NTIME,
        "contacted_at": _NTIME,
        "replied_at": _NTIME,
        "resolved_at": _NTIME,
        "overdue": {"type": "array", "items": {"type": "string", "enum": ["contact", "reply", "decision"]}},
    },
}

CASE_COMMON = {
    "case_no": _STR,
    "conversation_id": _STR,
    "intake_id": _STR,
    "channel": _enum(Channel),
    "status": _enum(Status),
    "category": _enum(Category),
    "business_line": _enum(BusinessLine),
    "priority": _enum(Priority),
    "customer_name": _NSTR,
    "phone": _NSTR,
    "branch": _NSTR,
    "branch_code": {"type": "string", "nullable": True, "description": "网点目录中的网点编码；null 为未确认（未能对应到目录）"},
    "branch_name": {"type": "string", "nullable": True, "description": "网点目录中的标准名称"},
    "occurred_at": _NSTR,
    "amount": {"type": "string", "nullable": True, "description": "元，两位小数的字符串，如 \"12800.50\""},
    "confidential": {"type": "boolean"},
    "compensation_requested": {"type": "boolean"},
    "handoff_reason": _enum(HandoffReason, nullable=True),
    "escalation_signals": {"type": "array", "items": _STR},
    "owner": {"type": "string", "description": "队列（queue:…）或处理人"},
    "sla": SLA,
    "repeat_of": _NSTR,
    "repeat_flag": {"type": "boolean"},
    "group_flag": {"type": "boolean"},
    "group_key": _NSTR,
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "masked": {"type": "boolean"},
}


def build_openapi() -> Dict[str, Any]:
    bad = _error("输入无效：JSON 格式、缺少字段、未知字段、取值、日期或金额错误")
    unauthorized = _error("缺少或错误的 Bearer 令牌")
    not_found = _error("案件不存在")
    too_large = _error("请求体超过 256 KiB")
    doc: Dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "投诉受理 案件台 (case desk) API",
            "version": "1.0.0",
            "description": (
                "银行投诉案件的受理、查询、状态流转与审计。/api/* 需要 "
                "`Authorization: Bearer <CASEDESK_TOKEN>`；可选 `X-Actor` 头标明操作人，记入审计。"
                "列表与写操作的返回中姓名、手机号为脱敏值；仅单个案件详情返回完整值，且每次读取都记审计。"
                "错误统一为 {\"error\": code, \"message\": 中文说明}。"
            ),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {"error": _STR, "message": _STR},
                },
                "Turn": TURN,
                "CaseCreate": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["conversation_id", "intake_id", "channel", "description"],
                    "properties": {
                        "conversation_id": {"type": "string", "maxLength": 128},
                        "intake_id": {"type": "string", "maxLength": 64},
                        "channel": _enum(Channel),
                        **CORRECTABLE,
                        "transcript": {"type": "array", "items": _ref("Turn"), "maxItems": 1000},
                    },
                },
                "CaseSummary": {
                    "type": "object",
                    "description": "脱敏视图：customer_name 如 王*国，phone 如 138****5678",
                    "properties": {**CASE_COMMON, "summary": _STR},
                },
                "CaseDetail": {
                    "type": "object",
                    "description": "完整视图（含明文姓名、手机号、对话记录与变更历史）；每次读取写入审计",
                    "properties": {
                        **CASE_COMMON,
                        "description": _STR,
                        "demand": _NSTR,
                        "rating": {"type": "integer", "minimum": 1, "maximum": 5, "nullable": True, "description": "客户登记后给出的评分（1–5 分，以最近一次为准）；未评价为 null"},
                        "transcript": {"type": "array", "items": _ref("Turn")},
                        "history": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "at": {"type": "string", "format": "date-time"},
                                    "actor": _STR,
                                    "kind": {"type": "string", "enum": ["created", "status", "correction", "assign", "extend", "flag", "note", "handoff", *LIFECYCLE_KINDS]},
                                    "field": _NSTR,
                                    "old_value": _NSTR,
                                    "new_value": _NSTR,
                                    "note": _NSTR,
                                },
                            },
                        },
                    },
                },
                "CaseList": {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": _ref("CaseSummary")},
                        "total": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "offset": {"type": "integer"},
                    },
                },
                "CasePatch": {
                    "type": "object",
                    "additionalProperties": False,
                    "description": (
                        "状态变更（new→acknowledged→in_progress→resolved→closed，任一未结状态可→withdrawn，"
                        "resolved 可重开为 in_progress；非法变更返回 409）和/或字段更正。"
                        "延长办理期限请用 POST /api/cases/{case_no}/extend。"
                    ),
                    "properties": {
                        "status": _enum(Status),
                        "owner": {"type": "string", "maxLength": 128},
                        "note": {"type": "string", "maxLength": 2000},
                        **CORRECTABLE,
                        "branch_code": {
                            "type": "string", "maxLength": 16, "nullable": True,
                            "description": (
                                "主管确认案件所涉网点：网点目录（data/branches.yml）中的网点编码；null 表示改回未确认。"
                                "更正 branch 时系统按目录重新识别编码，未能识别则为 null（保密投诉对所有网点用户隐藏）"
                            ),
                        },
                    },
                },
                "Extension": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["reason"],
                    "properties": {"reason": {"type": "string", "maxLength": 500}},
                },
                "TranscriptAppend": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["turns"],
                    "properties": {"turns": {"type": "array", "items": _ref("Turn"), "minItems": 1, "maxItems": 1000}},
                },
                "TranscriptAppended": {
                    "type": "object",
                    "properties": {"case_no": _STR, "appended": {"type": "integer"}, "total": {"type": "integer"}},
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "db", "checks"],
                    "properties": {
                        "status": {"type": "string", "enum": ["ok", "degraded", "unavailable"],
                                   "description": "ok 正常；degraded 部分依赖不可用（可登记投诉，坐席回复或通知发送受影响）；unavailable 数据库不可用"},
                        "db": _STR,
                        "checks": {
                            "type": "object",
                            "description": "各依赖的状态：database（数据库往返耗时）、rasa（对话服务是否应答）、notice_outbox（待发通知数与最早一条的等待秒数）",
                            "additionalProperties": {"type": "object"},
                        },
                    },
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/healthz": {
                "get": {
                    "summary": "健康检查：数据库、对话服务（Rasa）与通知发送各自的状态；无需令牌",
                    "security": [],
                    "responses": {
                        "200": _ok("正常或部分降级（见 status 与 checks）", "Health"),
                        "503": _ok("数据库不可用", "Health"),
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus 指标（队列、等待、超时、待发通知、待回电；仅计数，不含客户信息）；无需令牌",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "Prometheus 文本格式 0.0.4（docs/metrics.md）",
                            "content": {"text/plain; version=0.0.4": {"schema": _STR}},
                        },
                        "503": _error("数据库不可用：本次采集失败"),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "本文档；无需令牌",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3 文档"}},
                }
            },
            "/api/cases": {
                "post": {
                    "summary": "创建案件；按 (conversation_id, intake_id) 幂等",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("CaseCreate")}}},
                    "responses": {
                        "201": _ok("已创建（脱敏视图，含 case_no）", "CaseSummary"),
                        "200": _ok("同一 (conversation_id, intake_id) 已创建过：返回原案件", "CaseSummary"),
                        "400": bad,
                        "401": unauthorized,
                        "413": too_large,
                    },
                },
                "get": {
                    "summary": "案件列表（脱敏），按创建时间倒序",
                    "parameters": [
                        {"name": "conversation_id", "in": "query", "schema": _STR},
                        {"name": "status", "in": "query", "schema": _STR, "description": "可逗号分隔多个：" + ",".join(Status.values())},
                        {"name": "priority", "in": "query", "schema": _STR, "description": ",".join(Priority.values())},
                        {"name": "category", "in": "query", "schema": _STR, "description": ",".join(Category.values())},
                        {"name": "business_line", "in": "query", "schema": _STR, "description": ",".join(BusinessLine.values())},
                        {"name": "owner", "in": "query", "schema": _STR},
                        {"name": "overdue", "in": "query", "schema": {"type": "boolean"}, "description": "true：任一承诺时限（联系/答复/办结）已超时的未结案件"},
                        {"name": "repeat", "in": "query", "schema": {"type": "boolean"}, "description": "重复投诉（30 天内同一手机号同类投诉）"},
                        {"name": "group", "in": "query", "schema": {"type": "boolean"}, "description": "群体投诉（24 小时内同网点同类 ≥3 位客户）"},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                    ],
                    "responses": {"200": _ok("列表", "CaseList"), "400": bad, "401": unauthorized},
                },
            },
            "/api/cases/{case_no}": {
                "parameters": [CASE_NO_PARAM],
                "get": {
                    "summary": "单个案件完整信息（明文 PII、对话记录、历史）；每次读取写审计",
                    "responses": {"200": _ok("案件", "CaseDetail"), "401": unauthorized, "404": not_found},
                },
                "patch": {
                    "summary": "状态变更或字段更正（写历史与审计）",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("CasePatch")}}},
                    "responses": {
                        "200": _ok("更新后的案件（脱敏）", "CaseSummary"),
                        "400": bad,
                        "401": unauthorized,
                        "404": not_found,
                        "409": _error("非法的状态变更"),
                        "413": too_large,
                    },
                },
            },
            "/api/cases/{case_no}/extend": {
                "parameters": [CASE_NO_PARAM],
                "post": {
                    "summary": "延长办结期限：从 15 天延至 30 天（需记录原因并告知客户；操作人记为审批人）。"
                    "延至 60 天及记录审批人请用 POST /api/cases/{case_no}/extensions",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Extension")}}},
                    "responses": {
                        "200": _ok("更新后的案件（脱敏）", "CaseSummary"),
                        "400": bad,
                        "401": unauthorized,
                        "404": not_found,
                        "409": _error("已延长至 30 天或以上、核查期间，或案件已办结/撤诉（extension_not_allowed）"),
                    },
                },
            },
            "/api/cases/{case_no}/transcript": {
                "parameters": [CASE_NO_PARAM],
                "post": {
                    "summary": "追加对话记录（助手、转人工坐席使用）",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TranscriptAppend")}}},
                    "responses": {
                        "201": _ok("已追加", "TranscriptAppended"),
                        "400": bad,
                        "401": unauthorized,
                        "404": not_found,
                        "413": too_large,
                    },
                },
            },
        },
    }
    doc["components"]["schemas"].update(HANDOFF_SCHEMAS)
    doc["paths"].update(_handoff_paths(bad, unauthorized, too_large))
    doc["components"]["schemas"].update(PROGRESS_SCHEMAS)
    doc["paths"].update(_progress_paths(bad, unauthorized, too_large))
    doc["components"]["schemas"].update(lifecycle_schemas())
    doc["paths"].update(_lifecycle_paths(bad, unauthorized, not_found, too_large))
    doc["components"]["schemas"].update(
        CallbackConfirm=confirm_schema(),
        CallbackSummary=CALLBACK_SUMMARY,
        CallbackList={"type": "object", "properties": {
            "items": {"type": "array", "items": _ref("CallbackSummary")}, "total": {"type": "integer"}}},
    )
    doc["paths"].update(_callback_paths(bad, unauthorized, too_large))
    return doc


# ---------------------------------------------------------------------------------------------
# Call-backs (issue 15; rules in callbacks.py and waits.py)


def _callback_paths(bad: Dict[str, Any], unauthorized: Dict[str, Any], too_large: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "/api/callbacks": {
            "get": {
                "summary": "待回电列表：pending 按承诺回电时间先后，done 按回电时间倒序（号码脱敏）",
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["pending", "done"], "default": "pending"}},
                    {"name": "conversation_id", "in": "query", "schema": _STR},
                ],
                "responses": {"200": _ok("列表", "CallbackList"), "400": bad, "401": unauthorized},
            },
        },
        "/api/callbacks/{callback_id}/confirm": {
            "parameters": [{"name": "callback_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
            "post": {
                "summary": "客户确认回电号码或留下另一个号码（对话机器人调用）；最近一次答复有效，已回电的请求不再更改",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("CallbackConfirm")}}},
                "responses": {
                    "200": _ok("回电请求", "CallbackSummary"),
                    "400": bad,
                    "401": unauthorized,
                    "404": _error("回电请求不存在或不属于该会话（callback_not_found）"),
                    "413": too_large,
                },
            },
        },
    }


# ---------------------------------------------------------------------------------------------
# Handoffs

HANDOFF_STATUS = {"type": "string", "enum": HandoffStatus.values()}
HANDOFF_ID_PARAM = {
    "name": "handoff_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
_TIME = {"type": "string", "format": "date-time"}

HANDOFF_SCHEMAS: Dict[str, Any] = {
    "HandoffCreate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["conversation_id", "request_id", "channel", "reason"],
        "description": "case_no（本会话已立案）与 case（随转人工立案）二者必填其一",
        "properties": {
            "conversation_id": {"type": "string", "maxLength": 128},
            "request_id": {"type": "string", "maxLength": 64, "description": "重试键：同一会话内相同 request_id 只转一次"},
            "channel": _enum(Channel),
            "reason": _enum(HandoffReason),
            "signals": {"type": "array", "items": {"type": "string", "maxLength": 32}, "maxItems": 20},
            "case_no": {"type": "string", "pattern": "^TS\\d{14,}$"},
            "case": {
                "type": "object",
                "additionalProperties": False,
                "description": "同 POST /api/cases 的请求体，但不含 conversation_id、channel；均可缺省（description 缺省时填占位说明，intake_id 缺省为 request_id）",
                "properties": {
                    "intake_id": {"type": "string", "maxLength": 64},
                    **CORRECTABLE,
                    "transcript": {"type": "array", "items": _ref("Turn"), "maxItems": 1000},
                },
            },
        },
    },
    "HandoffOpened": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "status": HANDOFF_STATUS,
            "case_no": _STR,
            "position": {"type": "integer", "description": "在等待队列中的位置（从 1 起）；非等待状态为 0"},
            "expected_wait_minutes": {
                "type": "integer", "nullable": True,
                "description": "position × CASEDESK_MINUTES_PER_HANDOFF，至少 1；转为回电时为 null（不报等待时间）",
            },
            "created": {"type": "boolean"},
            "callback": CALLBACK_OFFER,
        },
    },
    "HandoffSummary": {
        "type": "object",
        "description": "队列视图；case 中姓名、手机号为脱敏值",
        "properties": {
            "id": {"type": "integer"},
            "conversation_id": _STR,
            "case_no": _STR,
            "reason": _enum(HandoffReason),
            "signals": {"type": "array", "items": _STR},
            "status": HANDOFF_STATUS,
            "outcome": {"type": "string", "enum": ["released", "closed", "callback"], "nullable": True},
            "priority": _enum(Priority),
            "channel": _enum(Channel),
            "claimed_by": _NSTR,
            "created_at": _TIME,
            "claimed_at": _NTIME,
            "closed_at": _NTIME,
            "updated_at": _TIME,
            "waiting_seconds": {"type": "integer", "description": "客户等待人工的秒数（至接入或结束）"},
            "case": {
                "type": "object",
                "properties": {
                    "case_no": _STR,
                    "category": _enum(Category),
                    "business_line": _enum(BusinessLine),
                    "customer_name": _NSTR,
                    "phone": _NSTR,
                    "branch": _NSTR,
                    "confidential": {"type": "boolean"},
                    "summary": _STR,
                },
            },
        },
    },
    "HandoffTurn": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "role": _enum(Role),
            "text": _STR,
            "at": _TIME,
            "turn_key": _NSTR,
            "author": _NSTR,
            "delivery": {"type": "string", "enum": ["sent", "failed"], "nullable": True},
        },
    },
    "HandoffDetail": {
        "allOf": [
            _ref("HandoffSummary"),
            {"type": "object", "properties": {"transcript": {"type": "array", "items": _ref("HandoffTurn")}}},
        ]
    },
    "HandoffList": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": _ref("HandoffSummary")}, "total": {"type": "integer"}},
    },
    "AgentMessage": {
        "type": "object",
        "additionalProperties": False,
        "required": ["text"],
        "properties": {
            "text": {"type": "string", "minLength": 1, "maxLength": 2000},
            "internal": {"type": "boolean", "default": False, "description": "true：内部备注，不发送给客户"},
        },
    },
}


def _handoff_paths(bad: Dict[str, Any], unauthorized: Dict[str, Any], too_large: Dict[str, Any]) -> Dict[str, Any]:
    not_found = _error("转人工会话不存在")
    conflict = _error("会话已结束（handoff_closed）或已由其他坐席接入（handoff_claimed）")
    rasa_down = _error("对话机器人（Rasa）暂不可用；会话保持原状态（rasa_unavailable）")
    actor = "操作坐席取自 X-Actor 头。"
    return {
        "/api/handoffs": {
            "post": {
                "summary": "转人工：立案或更新案件（高优先级、转人工原因），进入人工队列；按 (conversation_id, request_id) 幂等，会话已有未结转人工时返回该转人工",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("HandoffCreate")}}},
                "responses": {
                    "201": _ok("已转人工", "HandoffOpened"),
                    "200": _ok("重复请求或会话已在转人工中：返回原转人工", "HandoffOpened"),
                    "400": bad,
                    "401": unauthorized,
                    "404": _error("case_no 对应的案件不存在"),
                    "409": _error("案件不属于该会话（case_conversation_mismatch）"),
                    "413": too_large,
                },
            },
            "get": {
                "summary": "人工队列：等待中在前，其次处理中；按转人工原因的风险程度排序（自伤风险最先），同一风险程度等待最久在前（脱敏）",
                "parameters": [
                    {"name": "status", "in": "query", "schema": _STR, "description": "可逗号分隔多个：waiting,active,closed"},
                    {"name": "conversation_id", "in": "query", "schema": _STR},
                ],
                "responses": {"200": _ok("列表", "HandoffList"), "400": bad, "401": unauthorized},
            },
        },
        "/api/handoffs/{handoff_id}": {
            "parameters": [HANDOFF_ID_PARAM],
            "get": {
                "summary": "单个转人工及完整对话记录；每次读取写审计",
                "responses": {"200": _ok("转人工", "HandoffDetail"), "401": unauthorized, "404": not_found},
            },
        },
        "/api/handoffs/{handoff_id}/claim": {
            "parameters": [HANDOFF_ID_PARAM],
            "post": {
                "summary": "接入（waiting → active）。" + actor + "同一坐席重复接入无副作用",
                "responses": {"200": _ok("已接入", "HandoffSummary"), "400": bad, "401": unauthorized, "404": not_found, "409": conflict},
            },
        },
        "/api/handoffs/{handoff_id}/messages": {
            "parameters": [HANDOFF_ID_PARAM],
            "post": {
                "summary": "坐席回复（经 Rasa 发到客户所在渠道；等待中的会话随之接入）或内部备注（internal=true，不发送）。回复先经发送前质检，未通过的不发送（422 reply_blocked）。" + actor,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AgentMessage")}}},
                "responses": {
                    "201": _ok("已记录；delivery 为 sent 或 failed（渠道未接收，可重发）", "HandoffTurn"),
                    "400": bad,
                    "401": unauthorized,
                    "404": not_found,
                    "409": conflict,
                    "413": too_large,
                    # 质检 before sending (issue 15): bot/quality/reply_check.py
                    "422": _error("回复未通过发送前质检（承诺赔偿或处理结果、完整卡号/身份证号/电话号码、不文明用语），未发送；message 写明规则和词语"),
                },
            },
        },
        "/api/handoffs/{handoff_id}/release": {
            "parameters": [HANDOFF_ID_PARAM],
            "post": {
                "summary": "交还机器人（outcome=released）。" + actor,
                "responses": {"200": _ok("已结束", "HandoffSummary"), "400": bad, "401": unauthorized, "404": not_found, "409": conflict, "503": rasa_down},
            },
        },
        "/api/handoffs/{handoff_id}/close": {
            "parameters": [HANDOFF_ID_PARAM],
            "post": {
                "summary": "结束会话（outcome=closed；机器人致结束语并重置会话）。" + actor,
                "responses": {"200": _ok("已结束", "HandoffSummary"), "400": bad, "401": unauthorized, "404": not_found, "409": conflict, "503": rasa_down},
            },
        },
    }


# ---------------------------------------------------------------------------------------------
# Progress lookup (issue 14; rules in progress.py)

PROGRESS_SCHEMAS: Dict[str, Any] = {
    "ProgressQuery": {
        "type": "object",
        "additionalProperties": False,
        "required": ["conversation_id", "phone_last4"],
        "properties": {
            "conversation_id": {"type": "string", "maxLength": 128, "description": "客户所在会话；错误次数与锁定按会话计"},
            "case_no": {"type": "string", "pattern": "^TS\\d{14,}$", "description": "缺省：本会话最近登记的案件"},
            "phone_last4": {"type": "string", "pattern": "^[0-9]{4}$", "description": "登记时所留电话的后四位"},
        },
    },
    "Progress": {
        "type": "object",
        "additionalProperties": False,
        "description": "核对通过后客户可见的内容：不含姓名、电话、网点、处理人账号和内部备注",
        "required": ["verified", "case_no", "status", "status_label", "handled_by", "next_deadline", "latest_update"],
        "properties": {
            "verified": {"type": "boolean", "enum": [True]},
            "case_no": _STR,
            "status": _enum(Status),
            "status_label": {"type": "string", "description": "面向客户的状态说明"},
            "handled_by": {"type": "string", "description": "负责的处理组（不是工作人员账号）"},
            "next_deadline": {
                "type": "object",
                "nullable": True,
                "additionalProperties": False,
                "required": ["date", "kind", "label"],
                "description": "最早的未完成承诺时限（北京日期）；已办结、结案或撤诉为 null",
                "properties": {
                    "date": {"type": "string", "format": "date"},
                    "kind": {"type": "string", "enum": ["contact", "reply", "decision"]},
                    "label": _STR,
                },
            },
            "latest_update": {
                "type": "string",
                "nullable": True,
                "description": "最新的面向客户的进展说明：受理之后发给客户的最近一条通知（延期、暂停、恢复计时、处理结果），前面注明发送日期；尚无此类通知时为 null",
            },
        },
    },
    "WithdrawQuery": {
        "type": "object",
        "additionalProperties": False,
        "required": ["conversation_id", "phone_last4"],
        "description": "撤诉：核对方式与进度查询相同，另可附客户自己说的撤诉原因",
        "properties": {
            "conversation_id": {"type": "string", "maxLength": 128, "description": "客户所在会话；错误次数与锁定按会话计，与进度查询合并计算"},
            "case_no": {"type": "string", "pattern": "^TS\\d{14,}$", "description": "缺省：本会话最近登记的案件"},
            "phone_last4": {"type": "string", "pattern": "^[0-9]{4}$", "description": "登记时所留电话的后四位"},
            "reason": {"type": "string", "maxLength": 200, "description": "客户说的撤诉原因（可缺省）；号码和姓名遮盖后记入案件历史"},
        },
    },
    "Withdrawn": {
        "allOf": [
            _ref("Progress"),
            {"type": "object", "required": ["withdrawn"], "properties": {"withdrawn": {"type": "boolean", "enum": [True]}}},
        ],
        "description": "已撤回（重复提交同样返回 200，不会重复记录）；status 为 withdrawn",
    },
    "WithdrawTooLate": {
        "allOf": [
            _ref("Error"),
            {
                "type": "object",
                "required": ["case_no", "status", "status_label"],
                "properties": {"case_no": _STR, "status": _enum(Status), "status_label": {"type": "string", "description": "面向客户的状态说明"}},
            },
        ],
    },
    "ProgressDenied": {
        "allOf": [
            _ref("Error"),
            {"type": "object", "required": ["attempts_left"], "properties": {"attempts_left": {"type": "integer", "minimum": 1}}},
        ],
    },
    "ProgressLocked": {
        "allOf": [
            _ref("Error"),
            {
                "type": "object",
                "required": ["locked_until", "retry_after_seconds"],
                "properties": {"locked_until": {"type": "string", "format": "date-time"}, "retry_after_seconds": {"type": "integer", "minimum": 1}},
            },
        ],
    },
}


def _progress_paths(bad: Dict[str, Any], unauthorized: Dict[str, Any], too_large: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "/api/progress/lookup": {
            "post": {
                "summary": (
                    "客户查询投诉进度：核对案件编号与登记电话的后四位（在案件台比对，电话不出库），通过后返回客户可见的进度。"
                    "编号不存在、后四位错误、案件未留电话返回同一个 403，不透露编号是否存在；每次查询写审计。"
                    "同一会话连续 3 次核对未通过锁定 15 分钟；同一编号 24 小时内 10 次未通过亦锁定"
                ),
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ProgressQuery")}}},
                "responses": {
                    "200": _ok("核对通过", "Progress"),
                    "400": bad,
                    "401": unauthorized,
                    "403": _ok("核对未通过（verification_failed）；attempts_left 为锁定前还可尝试的次数", "ProgressDenied"),
                    "404": _error("未给编号且本会话没有登记过投诉（no_case_in_conversation）"),
                    "413": too_large,
                    "429": _ok("查询已锁定（lookup_locked）；另有 Retry-After 头", "ProgressLocked"),
                },
            }
        },
        "/api/cases/{case_no}/rating": {
            "post": {
                "summary": "客户对本次登记的评分（1–5 分），由智能助手在登记后转交；只有登记该案件的会话可以评分，以最近一次为准，重复提交同样的分数不重复记录",
                "parameters": [CASE_NO_PARAM],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": False, "required": ["conversation_id", "score"],
                    "properties": {
                        "conversation_id": {"type": "string", "maxLength": 128, "description": "登记该案件的会话"},
                        "score": {"type": "integer", "minimum": 1, "maximum": 5},
                    },
                }}}},
                "responses": {
                    "200": {"description": "已记录", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["case_no", "rating", "rated_at"],
                        "properties": {"case_no": _STR, "rating": {"type": "integer"}, "rated_at": {"type": "string", "format": "date-time"}},
                    }}}},
                    "400": bad,
                    "401": unauthorized,
                    "404": _error("案件不存在，或不是该会话登记的（not_found）"),
                    "413": too_large,
                },
            }
        },
        "/api/progress/withdraw": {
            "post": {
                "summary": (
                    "客户在对话中撤回投诉（撤诉）：核对方式、错误计数和锁定与进度查询相同；通过后未结案件变为 withdrawn，"
                    "与坐席变更状态走同一路径（案件历史、审计、结束进行中的暂停），并给客户发撤诉确认通知"
                ),
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("WithdrawQuery")}}},
                "responses": {
                    "200": _ok("已撤回", "Withdrawn"),
                    "400": bad,
                    "401": unauthorized,
                    "403": _ok("核对未通过（verification_failed）", "ProgressDenied"),
                    "404": _error("未给编号且本会话没有登记过投诉（no_case_in_conversation）"),
                    "409": _ok("已办结或已结案，不能再撤回（already_decided）", "WithdrawTooLate"),
                    "413": too_large,
                    "429": _ok("已锁定（lookup_locked）；另有 Retry-After 头", "ProgressLocked"),
                },
            }
        },
    }


# ---------------------------------------------------------------------------------------------
# The lifecycle (issue 14; rules in case_rules.py, steps in lifecycle.py). Request bodies are
# generated from their pydantic models (schemas.LIFECYCLE_BODIES); answers are written here.

LIFECYCLE_KINDS = ["pause", "resume", "decision", "notified", "review"]
# the feed's kinds (lifecycle.NOTICE_KINDS): the steps a customer is to be told of
NOTICE_KINDS = ["created", "extend", "pause", "resume", "decision", "review"]

_ENUM_DESCRIPTIONS: Dict[str, Tuple[Type[StrEnum], str]] = {
    "Outcome": (Outcome, f"处理结果：{codes_in_words(Outcome)}"),
    "Liability": (Liability, f"责任认定（seed 000）：{codes_in_words(Liability)}"),
    "NotifyVia": (NotifyVia, f"告知方式：{codes_in_words(NotifyVia)}"),
}
_BODY_DESCRIPTIONS = {
    "DecisionCreate": "记录处理决定：案件变为已办结（决定），办结计时停止。同意的金额（元）可缺省，“不支持”时不能填写",
    "ExtensionCreate": "延长办结期限：15 → 30 天（主管或高级管理人员审批），30 → 60 天（仅高级管理人员审批）",
    "PauseStart": "暂停计时：外部鉴定/评估期间不计入办结期限",
    "PauseEnd": "恢复计时：暂停的日历天数加到办结期限上",
    "DecisionNotified": "记录已将处理决定告知客户（告知）",
    "ReviewCreate": "核查：作出处理决定后 30 日内由上级机构受理，案件重新进入调查，核查期限 30 日（只能核查一次）",
}


def lifecycle_schemas() -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for name, model in request_models.LIFECYCLE_BODIES.items():
        # a copy: pydantic caches the schema it returns, and this function edits it
        schema = copy.deepcopy(model.schema(ref_template="#/components/schemas/{model}"))
        for ref_name in schema.pop("definitions", {}):
            # the enums the models refer to, described in Chinese like the rest of the document
            cls, text = _ENUM_DESCRIPTIONS[ref_name]
            out[ref_name] = {"type": "string", "enum": cls.values(), "description": text}
        schema.pop("title", None)
        for prop in schema["properties"].values():
            prop.pop("title", None)
        schema["description"] = _BODY_DESCRIPTIONS[name]
        out[name] = schema
    out.update(
        {
            "DecisionRecord": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "round": {"type": "integer", "enum": [1, 2], "description": "1：首次决定；2：核查后的决定"},
                    "outcome": _ref("Outcome"),
                    "liability": _ref("Liability"),
                    "amount": {"type": "string", "nullable": True, "description": "同意的金额（元），两位小数的字符串"},
                    "reasons": {"type": "string", "description": "处理理由（号码与客户姓名已脱敏）"},
                    "decided_by": _STR,
                    "decided_at": _TIME,
                    "due_at": {"type": "string", "format": "date-time", "description": "作出决定时的办结期限"},
                    "on_time": {"type": "boolean"},
                    "notified_at": {**_NTIME, "description": "告知客户的时间；null 为尚未告知"},
                    "notified_by": _NSTR,
                    "notified_via": {"type": "string", "enum": NotifyVia.values(), "nullable": True},
                    "notify_note": _NSTR,
                },
            },
            "ExtensionRecord": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "from_days": {"type": "integer"},
                    "to_days": {"type": "integer", "enum": [30, 60]},
                    "reason": _STR,
                    "approved_by": _STR,
                    "approved_role": {"type": "string", "nullable": True, "description": "审批人的控制台角色：supervisor、senior_manager；旧接口 /extend 为 null"},
                    "approved_at": _TIME,
                    "old_due_at": _TIME,
                    "new_due_at": _TIME,
                },
            },
            "PauseRecord": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "reason": _STR,
                    "started_by": _STR,
                    "started_at": _TIME,
                    "ended_by": _NSTR,
                    "ended_at": _NTIME,
                    "end_note": _NSTR,
                    "days": {"type": "integer", "nullable": True, "description": "加到办结期限上的日历天数（北京日期之差）；进行中为 null"},
                },
            },
            "ReviewRecord": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "decision_id": {"type": "integer"},
                    "office": _STR,
                    "reason": _STR,
                    "requested_by": _STR,
                    "requested_at": _TIME,
                    "due_at": {"type": "string", "format": "date-time", "description": "核查决定期限（受理核查后 30 日）"},
                },
            },
            "Lifecycle": {
                "type": "object",
                "description": "案件的处理流程：受理 → 调查 → 决定 → 告知 → 结案（撤诉另计）",
                "required": ["case_no", "status", "step", "clock", "decision", "decisions", "extensions", "pauses", "reviews"],
                "properties": {
                    "case_no": _STR,
                    "status": _enum(Status),
                    "step": {**_enum(Step), "description": codes_in_words(Step)},
                    "clock": {
                        "type": "object",
                        "properties": {
                            "started_at": {"type": "string", "format": "date-time", "description": "计时起点：受理，或受理核查"},
                            "days": {"type": "integer", "enum": [15, 30, 60]},
                            "paused_days": {"type": "integer"},
                            "paused_since": _NTIME,
                            "decision_due_at": _TIME,
                            "in_review": {"type": "boolean"},
                            "next_extension": {"type": "integer", "enum": [30, 60], "nullable": True, "description": "下一次可延长至的天数；不能再延长为 null"},
                        },
                    },
                    "decision": {"oneOf": [_ref("DecisionRecord")], "nullable": True, "description": "现行的（最近一次）处理决定"},
                    "decisions": {"type": "array", "items": _ref("DecisionRecord")},
                    "extensions": {"type": "array", "items": _ref("ExtensionRecord")},
                    "pauses": {"type": "array", "items": _ref("PauseRecord")},
                    "reviews": {"type": "array", "items": _ref("ReviewRecord")},
                    "review_window_ends_at": {**_NTIME, "description": "可申请核查的截止时间（作出决定后 30 日）；不适用时为 null"},
                    "review_open": {"type": "boolean"},
                },
            },
            "CaseNotices": {
                "type": "object",
                "required": ["case_no", "items"],
                "properties": {
                    "case_no": _STR,
                    "items": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["kind", "text", "created_at", "deliveries"],
                            "properties": {
                                "kind": {**_enum(NoticeKind), "description": "accepted 受理、extended 延期、paused 暂停、resumed 恢复计时、decided 处理结果"},
                                "text": {"type": "string", "description": "发给客户的文字（网页对话的写法；短信另有简短写法）"},
                                "created_at": _TIME,
                                "deliveries": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["route", "status", "attempts", "recipient", "done_at"],
                                        "properties": {
                                            "route": {**_enum(Route), "description": "web 网页对话、sms 短信、wechat 微信"},
                                            "status": {**_enum(Delivery), "description": "pending 待发送、sending 发送中、sent 已发送、shown 客户已查看、failed 发送失败、skipped 未发送"},
                                            "attempts": {"type": "integer", "minimum": 0},
                                            "recipient": {**_NSTR, "description": "短信号码（已遮盖）；其他渠道为 null"},
                                            "done_at": _NTIME,
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
            "NoticeEvents": {
                "type": "object",
                "description": "须告知客户的流程节点（受理、延期、暂停、恢复计时、决定、核查），按编号递增",
                "properties": {
                    "items": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer"},
                                "case_no": _STR,
                                "channel": _enum(Channel),
                                "kind": {"type": "string", "enum": NOTICE_KINDS},
                                "at": _TIME,
                                "new_value": {"type": "string", "nullable": True, "description": "新的办结期限（延期、恢复计时、核查）或处理结果（决定）"},
                                "note": {"type": "string", "nullable": True, "description": "原因或处理理由（已脱敏）"},
                            },
                        },
                    },
                    "next_after": {"type": "integer", "description": "下次查询的 after 参数"},
                },
            },
        }
    )
    return out


def _lifecycle_paths(
    bad: Dict[str, Any], unauthorized: Dict[str, Any], not_found: Dict[str, Any], too_large: Dict[str, Any]
) -> Dict[str, Any]:
    actor = "操作人取自 X-Actor 头，记入处理历史与审计日志。"

    def post(
        summary: str, body: str, ok: str, conflict: str, status: str = "201", more: Optional[Dict[str, Any]] = None
    ) -> Dict[str, Any]:
        responses = {
            status: _ok(ok, "Lifecycle"), "400": bad, "401": unauthorized, "404": not_found,
            "409": _error(conflict), "413": too_large, **(more or {}),
        }
        return {
            "parameters": [CASE_NO_PARAM],
            "post": {
                "summary": summary + actor,
                "requestBody": {"required": body != "PauseEnd", "content": {"application/json": {"schema": _ref(body)}}},
                "responses": responses,
            },
        }

    return {
        "/api/cases/{case_no}/lifecycle": {
            "parameters": [CASE_NO_PARAM],
            "get": {
                "summary": "案件处理流程：当前环节、办结期限、处理决定、延期、暂停与核查记录（理由已脱敏，不含客户信息）",
                "responses": {"200": _ok("处理流程", "Lifecycle"), "401": unauthorized, "404": not_found},
            },
        },
        "/api/cases/{case_no}/decision": post(
            "记录处理决定（案件须为已联系客户或处理中，且未暂停计时）。", "DecisionCreate", "已记录",
            "案件状态不允许或计时暂停中（decision_not_allowed）",
        ),
        "/api/cases/{case_no}/decision/notified": post(
            "记录已将处理决定告知客户。", "DecisionNotified", "已记录",
            "没有处理决定（no_decision）或已告知过（already_notified）", status="200",
        ),
        "/api/cases/{case_no}/extensions": post(
            "延长办结期限并记录审批人：15 → 30 天由主管或高级管理人员审批，30 → 60 天仅由高级管理人员审批。",
            "ExtensionCreate", "已延期",
            "不能延期：已到 60 天、须先到 30 天、核查期间或案件已办结/撤诉（extension_not_allowed）",
            more={"403": _error("审批人的角色无此审批权限（approval_required）")},
        ),
        "/api/cases/{case_no}/pause": post(
            "暂停计时（外部鉴定/评估）：暂停期间办结期限不计超时，恢复后顺延暂停的日历天数。", "PauseStart", "已暂停",
            "案件已办结/撤诉，或已在暂停中（pause_not_allowed）",
        ),
        "/api/cases/{case_no}/pause/end": post(
            "恢复计时：暂停的日历天数（北京日期之差）加到办结期限上；请求体可为空。", "PauseEnd", "已恢复",
            "计时没有暂停（not_paused）", status="200",
        ),
        "/api/cases/{case_no}/review": post(
            "受理核查：作出处理决定后 30 日内，上级机构重新调查（案件回到处理中，核查期限 30 日；只能一次）。",
            "ReviewCreate", "已受理核查",
            "案件没有处理决定、已核查过（review_not_allowed）或已超过 30 日（review_window_closed）",
        ),
        "/api/cases/{case_no}/notices": {
            "parameters": [CASE_NO_PARAM],
            "get": {
                "summary": "发给客户的通知（受理、延期、暂停、恢复计时、处理结果），按发送先后排列，附各渠道的送达情况；短信号码已遮盖",
                "responses": {"200": _ok("通知列表", "CaseNotices"), "401": unauthorized, "404": not_found},
            },
        },
        "/api/lifecycle/events": {
            "get": {
                "summary": (
                    "须告知客户的流程节点，供通知发送方轮询：受理（created）、延期（extend）、暂停（pause）、"
                    "恢复计时（resume）、决定（decision）、核查（review）。发送方保存最后处理的编号，下次以 after 查询；"
                    "发送所需的会话与渠道信息请读取案件详情（记审计）"
                ),
                "parameters": [
                    {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 100}},
                ],
                "responses": {"200": _ok("节点列表", "NoticeEvents"), "400": bad, "401": unauthorized},
            }
        },
    }
