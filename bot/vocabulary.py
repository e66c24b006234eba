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


class LabelledEnum(StrEnum):
    """A code with the Chinese label people see on the member itself, written once:
    `Status.NEW == "new"` and `Status.NEW.label == "新建"`."""

    label: str

    # (label defaults only for type checkers: Status("new") looks a member up by its code, and
    # every member is declared with its label)
    def __new__(cls, code: str, label: str = "") -> "LabelledEnum":
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    @classmethod
    def labels(cls) -> Dict[str, str]:
        """code → label, in the members' order (the API and the database keep the codes)."""
        return {m.value: m.label for m in cls}


class Channel(LabelledEnum):
    WEB = "web", "网页"
    WECHAT = "wechat", "微信"
    REST = "rest", "接口"


class Status(LabelledEnum):
    NEW = "new", "新建"
    ACKNOWLEDGED = "acknowledged", "已联系客户"
    IN_PROGRESS = "in_progress", "处理中"
    RESOLVED = "resolved", "已办结"
    CLOSED = "closed", "已归档"
    WITHDRAWN = "withdrawn", "客户撤诉"


class Category(LabelledEnum):
    PRODUCT_SERVICE = "product_service", "产品服务"
    BUSINESS_OPERATION = "business_operation", "业务操作"
    STAFF_SERVICE = "staff_service", "人员服务"
    TRANSACTION_DISPUTE = "transaction_dispute", "交易争议"
    OTHER = "other", "其他事项"


class BusinessLine(LabelledEnum):
    DEPOSIT = "deposit", "存款"
    LOAN = "loan", "贷款"
    BANK_CARD = "bank_card", "银行卡"
    PAYMENT = "payment", "支付结算"
    CASH = "cash", "现金服务"
    WEALTH = "wealth", "理财投资"
    PERSONAL_INFO = "personal_info", "个人信息"
    OTHER = "other", "其他"


class Priority(LabelledEnum):
    # the console's short words; the customer's read-back says what high means (actions/taxonomy.yml)
    HIGH = "high", "高"
    NORMAL = "normal", "普通"


class HandoffReason(LabelledEnum):
    SELF_HARM = "self_harm", "自伤风险"  # the customer threatens to harm themselves: the most severe
    ANGER = "anger", "情绪激动"
    MEDIA = "media", "媒体曝光"
    REGULATOR = "regulator", "监管投诉"
    VIOLENCE = "violence", "暴力威胁"
    HUMAN = "human", "要求人工"


class HandoffStatus(LabelledEnum):
    WAITING = "waiting", "等待接入"  # in the queue, no agent yet
    ACTIVE = "active", "处理中"  # an agent holds the conversation
    CLOSED = "closed", "已结束"  # handed back to the assistant or ended


OPEN_HANDOFF_STATUSES = (HandoffStatus.WAITING.value, HandoffStatus.ACTIVE.value)

# code → label tables for the pages and templates, read off the members (never written out again)
CHANNEL_LABELS: Dict[str, str] = Channel.labels()
# keyed by the member: the lifecycle's messages look a Status up (cases/case_rules.py)
STATUS_LABELS: Dict[Status, str] = {s: s.label for s in Status}
CATEGORY_LABELS: Dict[str, str] = Category.labels()
BUSINESS_LINE_LABELS: Dict[str, str] = BusinessLine.labels()
PRIORITY_LABELS: Dict[str, str] = Priority.labels()
REASON_LABELS: Dict[str, str] = HandoffReason.labels()
HANDOFF_STATUS_LABELS: Dict[str, str] = HandoffStatus.labels()
