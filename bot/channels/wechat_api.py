"""WeChat's server API as the channel uses it: the 客服消息 API (`message/custom/send`) with a
cached, refreshed access token — wechatpy's client with the session on the shared store.

The access token is fetched once for all workers: the first worker that finds none takes a
short lock in the store, fetches, and stores it (5 min short of its lifetime); the others wait
for it. When WeChat answers 40001/42001 (token invalid or expired early), wechatpy fetches a new
one and repeats the call once.

No URL is logged: the token request carries the AppSecret and every call the access token in
the query string, so urllib3's debug line for a request is redacted here.
"""
from __future__ import annotations

import logging
import re
import time
from typing import Optional

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from .wechat_store import KeyValueStore, StoreSession

log = logging.getLogger(__name__)

_SECRET_QUERY = re.compile(r"((?:access_token|secret)=)[^&\s\"']+")


class _RedactQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                _SECRET_QUERY.sub(r"\1<redacted>", a) if isinstance(a, str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = _SECRET_QUERY.sub(r"\1<redacted>", record.msg)
        return True


_filter = _RedactQuery()
for _name in ("urllib3.connectionpool", "wechatpy"):
    if _filter not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_filter)


class WeChatSendError(Exception):
    """A message could not be delivered to the customer on WeChat. Carries no OpenID and no
    text: Rasa puts the message into its HTTP error answer."""


# what a WeChat error code means to an agent reading a log line
ERRCODE_HINTS = {
    45015: "超过 48 小时客服消息时限",
    45047: "客服消息条数超过下行限制",
    43004: "用户未关注公众号",
    40003: "OpenID 无效",
    45002: "消息内容过长",
}


class WeChatApi(WeChatClient):
    def __init__(self, appid: str, secret: str, base_url: str, store: KeyValueStore,
                 timeout: float = 5.0) -> None:
        super().__init__(appid, secret, session=StoreSession(store, f"wechat:{appid}:token:"),
                         timeout=timeout)
        self.API_BASE_URL = base_url.rstrip("/") + "/cgi-bin/"
        self._store = store
        self._lock_key = f"wechat:{appid}:tokenlock"

    def __repr__(self) -> str:  # never the secret or token
        return "WeChatApi(<redacted>)"

    def fetch_access_token(self) -> dict:
        res = self._http.get(
            self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            timeout=self.timeout,
        )
        res.raise_for_status()
        result = res.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self)
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        log.info("wechat.access_token.fetched expires_in=%s", expires_in)
        return result

    @property
    def access_token(self) -> Optional[str]:
        # The store's expiry is the truth (shared by every worker), not this process's clock.
        token = self.session.get(self.access_token_key)
        if token:
            return token
        if self._store.add(self._lock_key, "1", ttl=15):
            try:
                self.fetch_access_token()
            finally:
                self._store.delete(self._lock_key)
            return self.session.get(self.access_token_key)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # another worker is fetching it
            time.sleep(0.05)
            token = self.session.get(self.access_token_key)
            if token:
                return token
        self.fetch_access_token()
        return self.session.get(self.access_token_key)

    def send_text(self, openid: str, text: str) -> None:
        """One 客服消息 text; raises WeChatSendError."""
        try:
            self.message.send_text(openid, text)
        except WeChatClientException as exc:
            hint = ERRCODE_HINTS.get(exc.errcode or 0, "")
            raise WeChatSendError(
                f"微信客服消息发送失败（errcode {exc.errcode}{'，' + hint if hint else ''}）"
            ) from None
        except requests.RequestException as exc:
            raise WeChatSendError(f"微信客服消息发送失败（{type(exc).__name__}）") from None
