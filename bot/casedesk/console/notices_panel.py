"""告知客户记录 on the case page (issue 14): what the notice outbox told the customer, and how
each route delivered it.

The outbox (notices.py) makes one `case_notices` row per step the customer is told of and one
`notice_deliveries` row per route; this module turns them into what an agent reads — the kind,
when it was made, the text as the customer saw it, and per route the channel, the status, the
attempts, the last change and a short reason for a failure — in Chinese only (labels.py), never a
code. The page is `templates/console/_notices.html`; the case page's view (views.render_case)
reads the rows with `notices.of_case` after its own access check.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from bot.casedesk.cases import pii
from bot.casedesk.models import CaseNotice, NoticeDelivery
from bot.casedesk.customer.notices import Delivery, Route
from bot.casedesk.console import labels

# a delivery claimed (`sending`) this long ago was probably cut off by a crash (docs/notices.md:
# left for a person to look at)
STALE_SENDING = timedelta(minutes=10)

_WECHAT_ERROR = re.compile(r"errcode\s+(-?\d+)")
# the 回访 link is the customer's key to their survey (surveys.py): an agent who could open it
# could answer for the customer, so the panel shows where it leads, not the key
_SURVEY_LINK = re.compile(r"(https?://\S*?/survey/)[0-9]+-[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class RouteView:
    channel: str  # 网页对话 / 短信 / 微信
    status: str  # 已发送, 客户已查看, 发送失败 …
    tone: str  # the badge's look: "" | "warn" | "bad"
    attempts: str  # 共尝试 3 次, only when more than one
    at: datetime  # the last change
    detail: str  # the number it went to (masked), why it failed or was not sent


@dataclass(frozen=True)
class NoticeView:
    kind: str
    at: datetime
    text: str
    routes: List[RouteView]


def failure_reason(route: str, error: Optional[str]) -> str:
    """A stored error (an exception's class name from the SMS gateway, WeChat's "errcode <n> …")
    as a short Chinese reason; "" when nothing was stored."""
    if not error:
        return ""
    if error in labels.NOTICE_SKIP_DETAILS:
        return labels.NOTICE_SKIP_DETAILS[error]
    found = _WECHAT_ERROR.search(error)
    if found:
        return labels.NOTICE_WECHAT_ERRORS.get(int(found.group(1)), labels.NOTICE_WECHAT_REFUSED)
    gateway = "微信接口" if route == Route.WECHAT.value else "短信网关"
    lowered = error.lower()
    if "timeout" in lowered:
        return f"{gateway}超时未响应"
    if "connect" in lowered or lowered in ("oserror", "gaierror"):
        return f"{gateway}无法连接"
    return f"{gateway}返回错误"


def _sent_by(d: NoticeDelivery) -> str:
    if d.route == Route.WECHAT.value:
        ref = d.provider_ref or ""
        return "以微信客服消息发送" if ref == "kf" else "以微信模板消息发送" if ref.startswith("tpl") else ""
    return ""


def _recipient(d: NoticeDelivery) -> str:
    # the SMS number as the outbox stored it (masked); a WeChat OpenID means nothing to an agent
    if d.route != Route.SMS.value or not d.recipient_masked:
        return ""
    return f"号码 {pii.mask(d.recipient_masked)}"


def route_view(d: NoticeDelivery, now: datetime, sms_instead: bool = False) -> RouteView:
    """One delivery as the panel shows it; `sms_instead`: the notice went by SMS after this route
    (WeChat) could not take it."""
    route, status = d.route, d.status
    channel = labels.NOTICE_ROUTE_LABELS.get(route, labels.NOTICE_ROUTE_UNKNOWN)
    label = labels.NOTICE_DELIVERY_LABELS.get(status, labels.NOTICE_DELIVERY_UNKNOWN)
    reason = failure_reason(route, d.error)
    tone = ""
    parts = [_recipient(d)]
    if route == Route.WEB.value and status == Delivery.PENDING.value:
        label, tone = labels.NOTICE_WEB_PENDING, "warn"
        parts.append(labels.NOTICE_WEB_PENDING_DETAIL)
    elif status == Delivery.PENDING.value:
        tone = "warn"
        if d.attempts:
            label = labels.NOTICE_RETRY
            parts.append(f"上次发送失败（{reason}），系统会自动重试" if reason else "上次发送失败，系统会自动重试")
    elif status == Delivery.SENDING.value:
        tone = "warn"
        if now - d.updated_at > STALE_SENDING:
            parts.append(f"已超过 {int(STALE_SENDING.total_seconds() // 60)} 分钟仍在发送中，可能没有发出，请联系技术支持核查")
    elif status == Delivery.SENT.value:
        parts.append(_sent_by(d))
    elif status == Delivery.FAILED.value:
        tone = "bad"
        parts.append(reason)
    elif status == Delivery.SKIPPED.value:
        label = labels.NOTICE_SKIP_LABELS.get(d.error or "", label)
        if d.error != "no_phone":  # 无联系电话 is in the status already
            parts.append(reason)
    elif status != Delivery.SHOWN.value:
        tone = "warn"
    if sms_instead and status in (Delivery.FAILED.value, Delivery.SKIPPED.value):
        parts.append(labels.NOTICE_FALLBACK_SMS)
    return RouteView(
        channel=channel,
        status=label,
        tone=tone,
        attempts=f"共尝试 {d.attempts} 次" if d.attempts > 1 and route != Route.WEB.value else "",
        at=d.updated_at,
        detail="；".join(p for p in parts if p),
    )


def notice_view(notice: CaseNotice, deliveries: Sequence[NoticeDelivery], now: datetime,
                names: Iterable[Optional[str]] = ()) -> NoticeView:
    has_sms = any(d.route == Route.SMS.value for d in deliveries)
    return NoticeView(
        kind=labels.NOTICE_KIND_LABELS.get(notice.kind, labels.NOTICE_KIND_UNKNOWN),
        at=notice.created_at,
        # stored as the customer read it, reasons masked when they were typed; masked again
        # here so no full number or the customer's name can reach the panel
        text=_SURVEY_LINK.sub(r"\1……（回访链接仅客户本人可用）", pii.mask(notice.text, names) or ""),
        routes=[route_view(d, now, sms_instead=has_sms and d.route == Route.WECHAT.value) for d in deliveries],
    )


def panel(rows: Sequence[Tuple[CaseNotice, List[NoticeDelivery]]], now: datetime,
          names: Iterable[Optional[str]] = ()) -> Dict[str, Any]:
    """What the 告知客户记录 panel shows: the case's notices, oldest first (newest last)."""
    names = list(names)
    return {"rows": [notice_view(n, ds, now, names) for n, ds in rows]}
