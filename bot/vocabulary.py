"""Every code the assistant, the case desk and the console share, with the Chinese label people see.

One place for the taxonomy (seed 001 分类, JR/T 0169-2018 业务类别), the case and handoff states,
the handoff reasons and the channels: the API and the database keep the codes, pages and the
read-back show the labels. `actions/taxonomy.yml` (the classifier's rules) and the Rasa domain
(`bot/domain/intake.yml`) name the same codes; `tests/test_vocabulary.py` holds them to this module.
"""
from __future__ import annotations

import enum
from typing import Dict, List


class StrEnum(str, enum.Enum):
    def __str__(self) -> str:
        return self.value

    @classmethod
    def values(cls) -> List[str]:
        return [m.value for m in cls]


class Channel(StrEnum):
    WEB = "web"
    WECHAT = "wechat"
    REST = "rest"


CHANNEL_LABELS: Dict[str, str] = {"web": "网页", "wechat": "微信", "rest": "接口"}


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


STATUS_LABELS: Dict[Status, str] = {
    Status.NEW: "新建",
    Status.ACKNOWLEDGED: "已联系客户",
    Status.IN_PROGRESS: "处理中",
    Status.RESOLVED: "已办结",
    Status.CLOSED: "已归档",
    Status.WITHDRAWN: "客户撤诉",
}


class Category(StrEnum):
    PRODUCT_SERVICE = "product_service"
    BUSINESS_OPERATION = "business_operation"
    STAFF_SERVICE = "staff_service"
    TRANSACTION_DISPUTE = "transaction_dispute"
    OTHER = "other"


CATEGORY_LABELS: Dict[str, str] = {
    "product_service": "产品服务",
    "business_operation": "业务操作",
    "staff_service": "人员服务",
    "transaction_dispute": "交易争议",
    "other": "其他事项",
}


class BusinessLine(StrEnum):
    DEPOSIT = "deposit"
    LOAN = "loan"
    BANK_CARD = "bank_card"
    PAYMENT = "payment"
    CASH = "cash"
    WEALTH = "wealth"
    PERSONAL_INFO = "personal_info"
    OTHER = "other"


BUSINESS_LINE_LABELS: Dict[str, str] = {
    "deposit": "存款",
    "loan": "贷款",
    "bank_card": "银行卡",
    "payment": "支付结算",
    "cash": "现金服务",
    "wealth": "理财投资",
    "personal_info": "个人信息",
    "other": "其他",
}


class Priority(StrEnum):
    HIGH = "high"
    NORMAL = "normal"


# the console's short words; the customer's read-back says what high means (actions/taxonomy.yml)
PRIORITY_LABELS: Dict[str, str] = {"high": "高", "normal": "普通"}


class HandoffReason(StrEnum):
    SELF_HARM = "self_harm"  # the customer threatens to harm themselves: the most severe
    ANGER = "anger"
    MEDIA = "media"
    REGULATOR = "regulator"
    VIOLENCE = "violence"
    HUMAN = "human"


REASON_LABELS: Dict[str, str] = {
    "anger": "情绪激动",
    "media": "媒体曝光",
    "regulator": "监管投诉",
    "violence": "暴力威胁",
    "self_harm": "自伤风险",
    "human": "要求人工",
}


class HandoffStatus(StrEnum):
    WAITING = "waiting"  # in the queue, no agent yet
    ACTIVE = "active"  # an agent holds the conversation
    CLOSED = "closed"  # handed back to the assistant or ended


HANDOFF_STATUS_LABELS: Dict[str, str] = {"waiting": "等待接入", "active": "处理中", "closed": "已结束"}
OPEN_HANDOFF_STATUSES = (HandoffStatus.WAITING.value, HandoffStatus.ACTIVE.value)
