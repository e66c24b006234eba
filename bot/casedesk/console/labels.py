"""Chinese labels the console shows for the case desk's codes (the API keeps the codes).

domain.py holds STATUS_LABELS; the other taxonomies are only ever shown to people here.
"""
from __future__ import annotations

from typing import Dict

from ..domain import STATUS_LABELS, Status

CATEGORY_LABELS: Dict[str, str] = {
    "product_service": "产品服务",
    "business_operation": "业务操作",
    "staff_service": "人员服务",
    "transaction_dispute": "交易争议",
    "other": "其他事项",
}

BUSINESS_LINE_LABELS: Dict[str, str] = {
    "deposit": "存款",
    "loan": "贷款",
    "bank_card": "银行卡",
    "payment": "支付结算",
    "cash": "现金",
    "wealth": "理财",
    "personal_info": "个人信息",
    "other": "其他",
}

REASON_LABELS: Dict[str, str] = {
    "anger": "情绪激动",
    "media": "媒体曝光",
    "regulator": "监管投诉",
    "violence": "暴力威胁",
    "self_harm": "自伤风险",
    "human": "要求人工",
}

CHANNEL_LABELS: Dict[str, str] = {"web": "网页", "wechat": "微信", "rest": "接口"}

HANDOFF_STATUS_LABELS: Dict[str, str] = {
    "waiting": "等待接入",
    "active": "处理中",
    "closed": "已结束",
}

ROLE_LABELS: Dict[str, str] = {"agent": "坐席", "supervisor": "主管", "trainer": "培训师"}

TURN_ROLE_LABELS: Dict[str, str] = {
    "customer": "客户",
    "bot": "机器人",
    "agent": "坐席",
    "note": "内部备注",
}

PRIORITY_LABELS: Dict[str, str] = {"high": "高", "normal": "普通"}


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
