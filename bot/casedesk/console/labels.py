"""Chinese labels the console shows for the case desk's codes (the API keeps the codes).

The shared codes (categories, business lines, priorities, case and handoff states, handoff reasons,
channels) and their labels are bot/vocabulary.py's; what only the console shows is labelled here.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Dict, List, Optional

from bot.casedesk.cases.case_rules import (
    HANDOFF_SEVERITY, Liability, NotifyVia, Outcome, Role, SlaStatus, Status, Step,
)
from bot.casedesk.handoffs.waits import CallbackReason
from bot.vocabulary import BUSINESS_LINE_LABELS as BUSINESS_LINE_LABELS
from bot.vocabulary import CATEGORY_LABELS as CATEGORY_LABELS
from bot.vocabulary import CHANNEL_LABELS as CHANNEL_LABELS
from bot.vocabulary import HANDOFF_STATUS_LABELS as HANDOFF_STATUS_LABELS
from bot.vocabulary import PRIORITY_LABELS as PRIORITY_LABELS
from bot.vocabulary import REASON_LABELS as REASON_LABELS
from bot.vocabulary import STATUS_LABELS
from bot.casedesk.console.alerts import THREAT_REASONS


def severity_order() -> str:
    """The queue's order in words, read from domain.HANDOFF_SEVERITY (not written out again):
    自伤风险 › 暴力威胁 › 媒体曝光、监管投诉 › 情绪激动 › 要求人工."""
    tiers: Dict[int, List[str]] = {}
    for reason, rank in HANDOFF_SEVERITY.items():
        tiers.setdefault(rank, []).append(REASON_LABELS[reason.value])
    return " › ".join("、".join(tiers[rank]) for rank in sorted(tiers))


# queue alerts (issue 15, console/alerts.py): a handoff still waiting past its limit
WAIT_ALERT_BADGE = "等待过久"


def span_text(span: timedelta) -> str:
    """A limit as people say it: "3 分钟", "90 秒" → "1 分 30 秒", "30 秒"."""
    seconds = max(0, round(span.total_seconds()))
    minutes, rest = divmod(seconds, 60)
    if minutes and not rest:
        return f"{minutes} 分钟"
    return f"{minutes} 分 {rest} 秒" if minutes else f"{rest} 秒"


def wait_alert_text(limit: timedelta) -> str:
    return f"已等待超过 {span_text(limit)}，仍无人接入"


def wait_limits_text(threat: timedelta, other: timedelta) -> str:
    """The rule in one sentence for the queue and supervisor pages; the threat reasons read from
    alerts.THREAT_REASONS through REASON_LABELS, in the queue's order, not written out again."""
    from_rank = sorted(HANDOFF_SEVERITY, key=lambda r: HANDOFF_SEVERITY[r])
    threats = "、".join(REASON_LABELS[r.value] for r in from_rank if r.value in THREAT_REASONS)
    return (
        f"等待时限：{threats} {span_text(threat)}，其他原因 {span_text(other)}；"
        "超过时限仍无人接入的会话会提醒主管。"
    )


# escalation marks (issue 13): what an agent or trainer said about a handoff decision
MARK_KIND_LABELS: Dict[str, str] = {"unnecessary": "不必要的转人工", "missed": "漏转"}


ROLE_LABELS: Dict[str, str] = {"agent": "坐席", "supervisor": "主管", "trainer": "培训师"}

TURN_ROLE_LABELS: Dict[str, str] = Role.labels()


# a case's owner before a person takes it is a queue (casedesk/cases/case_rules.py route_queue)
QUEUE_LABELS: Dict[str, str] = {
    "queue:high_priority": "待分配（加急组）",
    "queue:transaction_dispute": "待分配（交易争议组）",
    "queue:staff_service": "待分配（人员服务组）",
    "queue:general": "待分配（综合组）",
}


# the case history (casedesk CaseEvent): what happened, to which field, and the values in words
EVENT_KIND_LABELS: Dict[str, str] = {
    "created": "受理", "status": "状态变更", "correction": "更正", "assign": "分配",
    "note": "备注", "handoff": "转人工", "extend": "延期", "flag": "标记",
}
EVENT_FIELD_LABELS: Dict[str, str] = {
    "status": "状态", "owner": "处理人", "priority": "优先级", "handoff_reason": "转人工原因",
    "handoff": "转人工", "escalation_signals": "触发信号", "decision_due_at": "办结期限",
    "group_flag": "群体投诉标记", "branch_code": "网点", "branch": "网点", "customer_name": "客户姓名",
    "phone": "联系电话", "occurred_at": "发生时间", "amount": "金额", "category": "分类",
    "business_line": "业务条线", "description": "投诉内容", "demand": "客户诉求", "confidential": "保密",
}
HANDOFF_OUTCOME_LABELS: Dict[str, str] = {"released": "交回机器人", "closed": "会话结束"}

# the case list (issue 15): a case against its earliest pending deadline (domain.sla_status)
SLA_STATUS_LABELS: Dict[str, str] = SlaStatus.labels()
# which deadline the next one is (domain.pending_deadlines)
DEADLINE_LABELS: Dict[str, str] = {"contact": "首次联系", "reply": "实质答复", "decision": "办结"}
FLAG_LABELS: Dict[str, str] = {"confidential": "保密", "repeat": "重复投诉", "group": "群体投诉"}
# the status filter's extra choice: every status whose case is still being handled
OPEN_STATUS_LABEL = "未办结（新建、已联系客户、处理中）"
SEARCH_KIND_LABELS: Dict[str, str] = {"case_no": "案件编号", "phone": "联系电话", "name": "客户姓名"}
YES_NO_LABELS: Dict[str, str] = {"true": "是", "false": "否", "True": "是", "False": "否"}


def event_value(field: Optional[str], value: Optional[str]) -> str:
    """A history value as people read it: a status, queue, priority or reason in Chinese; any
    other value (a name, a date, a Chinese note) as it was stored."""
    if value is None or value == "":
        return ""
    if field == "status":
        return status_label(value)
    tables = {"owner": QUEUE_LABELS, "priority": PRIORITY_LABELS, "handoff_reason": REASON_LABELS,
              "handoff": HANDOFF_OUTCOME_LABELS, "group_flag": YES_NO_LABELS, "confidential": YES_NO_LABELS,
              "category": CATEGORY_LABELS, "business_line": BUSINESS_LINE_LABELS}
    return tables.get(field or "", {}).get(value, value)


def status_label(code: str) -> str:
    try:
        return STATUS_LABELS[Status(code)]
    except ValueError:
        return code


def label(table: Dict[str, str], code: object) -> str:
    """Unknown codes show as they are rather than failing a page."""
    if code is None:
        return "—"
    return table.get(str(code), str(code))


# Trainer pages: the bot's intents (bot/domain/nlu.yml) and entities as a trainer reads them.
INTENT_LABELS: Dict[str, str] = {
    "complain": "投诉",
    "inform": "提供信息",
    "affirm": "肯定",
    "deny": "否定",
    "correct": "更正信息",
    "cancel": "取消投诉",
    "request_human": "要求人工",
    "escalate": "转人工（威胁或激动）",
    "greet": "问候",
    "thank": "道谢",
    "goodbye": "告别",
    "out_of_scope": "与投诉无关",
    "check_progress": "查询投诉进度",  # issue 14: declared in bot/domain/progress.yml
    "withdraw_complaint": "撤回投诉",  # issue 14: declared in bot/domain/withdraw.yml
    "nlu_fallback": "没听懂",
}
UNKNOWN_INTENT = "未知意图"

ENTITY_LABELS: Dict[str, str] = {
    "phone": "手机号",
    "customer_name": "姓名",
    "branch": "网点",
    "amount": "金额",
    "occurred_at": "发生时间",
    "field": "要更正的项",
}

EXTRACTOR_LABELS: Dict[str, str] = {
    "DIETClassifier": "模型识别",
    "RegexEntityExtractor": "规则识别",
    "EntitySynonymMapper": "同义词",
}


def intent_label(code: object) -> str:
    """An intent as a trainer reads it; a code the table does not know is 未知意图, never the code."""
    return INTENT_LABELS.get(str(code), UNKNOWN_INTENT) if code else UNKNOWN_INTENT


def entity_label(code: object) -> str:
    return ENTITY_LABELS.get(str(code), "其他实体") if code else "其他实体"


def extractor_label(code: object) -> str:
    if not code:
        return ""
    return EXTRACTOR_LABELS.get(str(code), "规则识别" if "regex" in str(code).lower() else "其他组件")


# --- the case lifecycle (issue 14): steps, decisions, extensions, pauses, 核查 ------------------
# codes from case_rules.py ("The lifecycle"); the case page's 处理流程 panel and its history rows
STEP_LABELS: Dict[str, str] = Step.labels()
OUTCOME_LABELS: Dict[str, str] = Outcome.labels()
LIABILITY_LABELS: Dict[str, str] = Liability.labels()
NOTIFY_VIA_LABELS: Dict[str, str] = NotifyVia.labels()
ROLE_LABELS.update({"senior_manager": "高级管理人员"})
EVENT_KIND_LABELS.update(
    {"pause": "暂停计时", "resume": "恢复计时", "decision": "处理决定", "notified": "告知客户", "review": "核查"}
)
EVENT_FIELD_LABELS.update({"outcome": "处理结果", "notified_via": "告知方式", "clock": "计时"})
CLOCK_LABELS: Dict[str, str] = {"paused": "暂停"}


def history_value(field: Optional[str], value: Optional[str]) -> str:
    """event_value, plus the lifecycle's codes in words and a deadline as a Beijing time."""
    if value and field == "decision_due_at":
        from datetime import datetime

        from bot.casedesk.cases.case_rules import CHINA_TZ

        try:
            return datetime.fromisoformat(value).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    tables = {"outcome": OUTCOME_LABELS, "notified_via": NOTIFY_VIA_LABELS, "clock": CLOCK_LABELS}
    if field in tables and value:
        return tables[field].get(value, value)
    if field in ("rating", "survey_score") and value:
        return f"{value} 分"
    if field == "claimed_by":
        return value or "队列（未接入）"
    if field == "survey":
        return "已向客户发出回访" if value else ""
    return event_value(field, value)
# --- end of the case lifecycle ------------------------------------------------------------------


# --- honest waits (issue 15): the call-back queue, 待回电 (bot/casedesk/handoffs/callbacks.py, waits.py) ----
CALLBACK_REASON_LABELS: Dict[str, str] = CallbackReason.labels()
CALLBACK_STATUS_LABELS: Dict[str, str] = {"pending": "待回电", "done": "已回电"}
# the customer's answer to "回电打这个号码可以吗" (None: not answered yet)
CALLBACK_CONFIRMATION_LABELS: Dict[str, str] = {
    "confirmed": "客户已确认", "changed": "客户新留的号码", "unconfirmed": "客户未确认",
}
CALLBACK_UNANSWERED = "尚未确认"
HANDOFF_OUTCOME_LABELS.update({"callback": "转为回电"})
EVENT_KIND_LABELS.update({"callback": "回电"})
# the customer's own rating of the intake (ratings.py)
EVENT_KIND_LABELS.update({"rating": "客户评价"})
EVENT_FIELD_LABELS.update({"rating": "评分"})
# 回访 after a decision (surveys.py): sent by the desk, answered by the customer
EVENT_KIND_LABELS.update({"survey": "发出回访", "survey_answer": "客户回访评价"})
# 转交 of a handoff (issue 15, handoffs.transfer): who held it, who holds it now
EVENT_KIND_LABELS.update({"transfer": "转交"})
EVENT_FIELD_LABELS.update({"claimed_by": "接入坐席"})
EVENT_FIELD_LABELS.update({"survey": "回访", "survey_score": "回访评分"})
# --- end of honest waits ----------------------------------------------------------------------


# --- customer notices on the case page (issue 14): 告知客户记录 (console/notices_panel.py,
# templates/console/_notices.html); codes from notice_texts.Kind and notices.Route / Delivery
NOTICE_KIND_LABELS: Dict[str, str] = {
    "accepted": "受理告知", "extended": "延期告知", "paused": "暂停告知", "resumed": "恢复计时告知",
    "decided": "处理决定告知", "withdrawn": "撤诉确认", "survey": "回访邀请",
}
NOTICE_KIND_UNKNOWN = "其他告知"
NOTICE_ROUTE_LABELS: Dict[str, str] = {"web": "网页对话", "sms": "短信", "wechat": "微信"}
NOTICE_ROUTE_UNKNOWN = "其他渠道"
NOTICE_DELIVERY_LABELS: Dict[str, str] = {
    "pending": "待发送", "sending": "发送中", "sent": "已发送", "shown": "客户已查看",
    "failed": "发送失败", "skipped": "未发送",
}
NOTICE_DELIVERY_UNKNOWN = "状态不明"
# the web chat's notice waits for the customer to open the chat page: nothing is "sent"
NOTICE_WEB_PENDING = "客户尚未查看"
NOTICE_WEB_PENDING_DETAIL = "客户下次打开网页对话时会看到"
# a delivery that was retried and waits for its next attempt
NOTICE_RETRY = "待重试"
# why a route was not used (notices.py's `error` of a skipped delivery)
NOTICE_SKIP_LABELS: Dict[str, str] = {
    "no_phone": "未发送（无联系电话）",
    "window_closed_no_template": "未发送（超出微信时限）",
}
NOTICE_SKIP_DETAILS: Dict[str, str] = {
    "no_phone": "案件没有联系电话",
    "window_closed_no_template": "客户超过 48 小时未在微信留言，且未配置模板消息",
}
# WeChat's answers (wechat_notices.py stores "errcode <n> …"), in the agent's words
NOTICE_WECHAT_ERRORS: Dict[int, str] = {
    43004: "客户已取消关注公众号",
    40003: "客户的微信身份无效",
    45015: "已超过 48 小时客服消息时限",
    45047: "客服消息条数超过微信限制",
    45002: "告知内容超过微信长度限制",
}
NOTICE_WECHAT_REFUSED = "微信拒绝发送"
NOTICE_FALLBACK_SMS = "已改发短信"
# --- end of customer notices ------------------------------------------------------------------


# --- auto-assignment (issue 15): an agent's presence (bot/casedesk/handoffs/assignment.py) ---------------
PRESENCE_LABELS: Dict[str, str] = {"online": "在线", "busy": "忙碌", "away": "离开"}
PRESENCE_HINTS: Dict[str, str] = {
    "online": "接收自动分配的会话",
    "busy": "处理手头会话，暂不接收新会话",
    "away": "不接收新会话",
}
EVENT_KIND_LABELS.update({"assign": "分配"})
