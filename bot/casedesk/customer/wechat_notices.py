"""Customer notices on WeChat (issue 14; on with CASEDESK_WECHAT_NOTICES=1, docs/notices.md).

WeChat lets an account write to a customer freely (客服消息) only within 48 hours of the
customer's last message; after that only a 模板消息 of a template the account chose in the
公众号 admin. So: the window open → the notice's text as a 客服消息; closed (or WeChat answering
45015 "out of time limit") → the template CASEDESK_WECHAT_TEMPLATE_ID with the case number, the
step and the date. No template configured → `NoTemplate`, and the outbox sends an SMS instead.

The account, the API client and the shared store are the WeChat channel's own
(bot/channels/wechat_api.py, wechat_store.py): one access token for the channel and the desk —
a second fetch of its own would cut the channel's token short — and the channel's record of when
the customer last wrote (`seen:<OpenID>`, written by bot/channels/wechat.py's `touch`).
wechatpy's client is synchronous; its calls run in a thread.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Optional

from wechatpy.exceptions import WeChatClientException

from bot.channels.wechat_api import ERRCODE_HINTS, WeChatApi
from bot.channels.wechat_store import KeyValueStore, open_store

from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.settings import WeChatNoticeSettings

# WeChat's "outside the 48-hour window" answers to a 客服消息
WINDOW_CLOSED = {45015, 45047}


class NoTemplate(Exception):
    """The window is closed and no 模板消息 is configured: the notice needs another route."""


class WeChatNoticeError(Exception):
    """WeChat refused or could not be reached; carries the error code, never the OpenID."""


@dataclass(frozen=True)
class WeChatNotice:
    openid: str
    case_no: str
    title: str
    text: str
    at: datetime
    # the 回访 page: a template message opens it when tapped
    link: Optional[str] = None


class WeChatNoticeSender:
    def __init__(self, cfg: WeChatNoticeSettings, store: Optional[KeyValueStore] = None,
                 api: Optional[WeChatApi] = None) -> None:
        self.cfg = cfg
        self.store = store or open_store(cfg.store_type, cfg.redis_host, cfg.redis_port, cfg.redis_db, Path(cfg.store_path))
        self.api = api or WeChatApi(cfg.appid, cfg.secret, cfg.api_base, self.store)
        self.prefix = f"wechat:{cfg.appid}:"

    def __repr__(self) -> str:
        return "WeChatNoticeSender(<redacted>)"

    def window_open(self, openid: str, now: Optional[float] = None) -> bool:
        raw = self.store.get(f"{self.prefix}seen:{openid}")
        if raw is None:
            return False
        return (now or time.time()) - float(raw) <= self.cfg.window_hours * 3600

    def _template_data(self, n: WeChatNotice) -> Dict[str, Any]:
        at = n.at.astimezone(CHINA_TZ)
        return {
            "first": {"value": f"您的投诉有新进展：{n.title}"},
            "keyword1": {"value": n.case_no},
            "keyword2": {"value": n.title},
            "keyword3": {"value": f"{at.year}年{at.month}月{at.day}日 {at.hour:02d}:{at.minute:02d}"},
            "remark": {"value": n.text},
        }

    def _send(self, n: WeChatNotice) -> str:
        if self.window_open(n.openid):
            try:
                self.api.message.send_text(n.openid, n.text)
                return "kf"
            except WeChatClientException as exc:
                if exc.errcode not in WINDOW_CLOSED:
                    raise self._error(exc)
        if not self.cfg.template_id:
            raise NoTemplate()
        try:
            answer = self.api.message.send_template(n.openid, self.cfg.template_id, self._template_data(n), url=n.link)
        except WeChatClientException as exc:
            raise self._error(exc)
        return f"tpl-{answer.get('msgid', '')}" if isinstance(answer, dict) else "tpl"

    @staticmethod
    def _error(exc: WeChatClientException) -> WeChatNoticeError:
        hint = ERRCODE_HINTS.get(exc.errcode or 0, "")
        return WeChatNoticeError(f"errcode {exc.errcode}{' ' + hint if hint else ''}")

    async def send(self, n: WeChatNotice) -> str:
        """'kf' (客服消息) or 'tpl-<msgid>' (模板消息); raises NoTemplate or WeChatNoticeError."""
        return await asyncio.to_thread(self._send, n)
