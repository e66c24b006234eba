"""Rasa's REST channel (``/webhooks/rest/webhook``) behind a bearer token and the input guard.

Rasa's own ``RestInput`` takes any request: anyone could post as any sender id (a WeChat
customer's OpenID included), read the case back and file it with their own phone; it also took
``input_channel`` and ``metadata`` from the body, streamed answers for ``?stream=true`` with
no check of the message, and let one malformed sender id stop the process. This channel:

- requires ``Authorization: Bearer <REST_CHANNEL_TOKEN>`` (credentials.yml ``token``, from .env);
- reads at most 1 MB and checks the body (pydantic): ``sender`` from a fixed alphabet, ``message`` a string; the
  conversation id is ``rest:<sender>``, a namespace no other channel's ids can enter;
- refuses streaming (``?stream=true``): nothing here needs it;
- answers a message over the length limit, and a turn that failed, with a polite sentence
  (bot/channels/guard.py);
- answers every error as JSON ``{"error": code, "message": 中文说明}``.
"""
from __future__ import annotations

import functools
import hmac
import json
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from pydantic import BaseModel, StrictStr, ValidationError
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import guard

# larger bodies are not read at all; up to this a message over guard.MAX_MESSAGE_CHARS gets the
# polite reply (50,000 Chinese characters are 150 kB of JSON, 300 kB written as \u escapes)
MAX_BODY_BYTES = 1024 * 1024


class RestMessage(BaseModel):
    sender: StrictStr
    message: StrictStr
    metadata: Optional[Dict[str, Any]] = None


def _json(body: Any, status: int = 200) -> HTTPResponse:
    # readable Chinese in the body, as the case desk answers, instead of \u escapes
    return response.json(body, status=status, dumps=functools.partial(json.dumps, ensure_ascii=False))


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return _json({"error": code, "message": message}, status=status)


class TokenRestInput(InputChannel):
    """``/webhooks/rest/webhook`` for integrations and tests, with a bearer token."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        token = credentials.get("token") or os.environ.get("REST_CHANNEL_TOKEN") or ""
        if not token or str(token).startswith("${"):
            raise ValueError("REST 渠道缺少令牌：请在 .env 中设置 REST_CHANNEL_TOKEN（scripts/setup.sh 会生成）")
        return cls(str(token))

    def __init__(self, token: str) -> None:
        self._token = token.encode("utf-8")

    def __repr__(self) -> str:  # the token must not reach a log through repr()
        return "TokenRestInput(<redacted>)"

    def _authorised(self, request: Request) -> bool:
        scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode("utf-8"), self._token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("custom_webhook_TokenRestInput", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return _error(401, "unauthorized", "缺少或错误的访问令牌（Authorization: Bearer …）。")
            if request.args.get("stream", "").lower() in ("true", "1", "yes"):
                return _error(400, "stream_unsupported", "本接口不支持流式返回，请去掉 stream 参数。")
            body = request.body or b""
            if len(body) > MAX_BODY_BYTES:
                return _error(413, "too_large", f"请求体过大（上限 {MAX_BODY_BYTES // 1024 // 1024} MB）。")
            try:
                data = json.loads(body.decode("utf-8", errors="strict"))
                payload = RestMessage.parse_obj(data)
            except (ValueError, ValidationError, TypeError):
                return _error(400, "bad_request", "请求格式不正确：需要 JSON 对象，含字符串字段 sender 与 message。")
            if not guard.valid_sender("rest", payload.sender):
                return _error(
                    400, "bad_sender",
                    "sender 不合法：只能由字母、数字及 _ . @ - 组成，以字母或数字开头，最长 64 个字符。",
                )
            collector = CollectingOutputChannel()
            sender_id = guard.rest_sender_id(payload.sender)
            message = UserMessage(
                payload.message, collector, sender_id, input_channel=self.name(), metadata=payload.metadata,
            )
            await guard.guarded(on_new_message, message, "rest", check_sender=False)
            # the caller's own id back, as Rasa's REST channel answers
            return _json([{**m, "recipient_id": payload.sender} for m in collector.messages])

        return bp
