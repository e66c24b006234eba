"""WeChat Official Account (公众号) input channel: `/webhooks/wechat/webhook`.

Registered in bot/credentials.yml as `bot.channels.wechat.WeChatInput`; docs/wechat.md has the
set-up and the reasons. What one delivery goes through:

1. signature (token, timestamp, nonce) and a fresh timestamp, else 403; the account's message
   mode (`WECHAT_MODE`: 安全模式 refuses plaintext, 明文模式 AES); with `encrypt_type=aes` the
   message signature and AES decryption with the EncodingAESKey; then the (timestamp, nonce)
   is claimed once in the shared store, so a captured signed URL cannot be used again (403);
2. the input guard (bot/channels/guard.py): an OpenID outside WeChat's alphabet is answered
   `success` and goes no further; the text loses control characters, and a text over the
   length limit gets a polite sentence instead of a bot turn; the customer's last-message time
   is stored (the 48-hour customer-service window);
3. MsgId de-duplication in the shared store: a retry never starts a second bot turn; it gets
   the first delivery's reply if that is ready, else `success`;
4. text (and voice with WeChat's recognition) goes to the bot; other kinds are answered here;
5. the bot's answer within `WECHAT_REPLY_DEADLINE_SECONDS` (4.5 s: WeChat waits 5) becomes the
   passive reply, encrypted when the request was; a later answer goes out through the 客服消息
   API after an immediate `success`.

Agent replies during a handoff reach Rasa through its HTTP API (`output_channel=latest`), which
asks `get_output_channel()`: that output sends through the 客服消息 API and raises when it
cannot (window closed, WeChat refused), so Rasa answers the case desk with an error.

The OpenID is the Rasa sender id (and the case's conversation id); it is logged masked only.
"""
from __future__ import annotations

import asyncio
import hmac
import inspect
import logging
import math
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Text

import xmltodict
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from bot.casedesk.cases.case_rules import mask_conversation_id

from .guard import clean_text, too_long, too_long_reply, valid_sender
from .wechat_api import WeChatApi, WeChatSendError
from .wechat_store import KeyValueStore, open_store

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]

# -- what the channel itself says ---------------------------------------------------------------
# These never reach the bot: they answer deliveries that are not words (a picture, a location, a
# follow event), where there is nothing for NLU to read and no bot turn to record. They live
# here, next to the message kinds they answer, rather than in the domain.
WELCOME = (
    "您好，感谢您关注！我是银行的投诉受理助手，您遇到的问题、不满或建议都可以直接告诉我，"
    "例如“我的信用卡被盗刷了”。我会为您登记投诉、告知处理时限并给您案件编号；"
    "如需人工服务，请随时回复“转人工”。"
)
NON_TEXT = {
    "image": "已收到您发送的图片，谢谢您。目前我只能读懂文字，麻烦您用文字简单描述一下遇到的问题，我马上为您登记。",
    "voice": "已收到您的语音，谢谢您。目前我还听不清语音内容，麻烦您用文字描述一下遇到的问题，我马上为您登记。",
    "video": "已收到您发送的视频，谢谢您。目前我只能读懂文字，麻烦您用文字简单描述一下遇到的问题。",
    "shortvideo": "已收到您发送的视频，谢谢您。目前我只能读懂文字，麻烦您用文字简单描述一下遇到的问题。",
    "location": "已收到您的位置，谢谢您。如果问题与某个网点有关，请您直接告诉我网点名称和遇到的情况。",
    "link": "已收到您分享的链接，谢谢您。为便于登记，请您用文字简单说明一下遇到的问题。",
}
NON_TEXT_DEFAULT = "已收到您的消息，谢谢您。目前我只能读懂文字，麻烦您用文字描述一下遇到的问题，我马上为您登记。"
BOT_ERROR = "抱歉，系统暂时有些忙，您的消息我们已收到，请您稍后再发一次，给您添麻烦了。"
# events that start a conversation get the welcome; others (unsubscribe, menu views, location
# reports) have nobody to answer or need no answer
WELCOME_EVENTS = {"subscribe", "subscribe_scan", "subscribe_scan_product"}

SUCCESS = "success"  # WeChat's "received, no passive reply"
# a passive text reply may carry about 2048 bytes; keep a margin
PASSIVE_MAX_BYTES = 2000
CUSTOM_MAX_CHARS = 600
MAX_BODY_BYTES = 64 * 1024
DEDUP_TTL = 24 * 3600
# a nonce's claim outlives the last second its timestamp is accepted by this margin (clocks of
# several instances, Redis's own clock)
NONCE_MARGIN = 60
MAX_NONCE_CHARS = 64

# The account's message mode (公众号 服务器配置 → 消息加解密方式): 明文模式 / 兼容模式 / 安全模式.
# WeChat adds encrypt_type=aes (and msg_signature) to the URL in 兼容模式 and 安全模式.
MODES = ("plain", "compatible", "safe")


def default_mode(aes_key: str) -> str:
    """安全模式 whenever an EncodingAESKey is configured: the body is then signed and
    encrypted, and a captured URL cannot carry a message of someone else's making; without a
    key nothing but 明文模式 is possible."""
    return "safe" if aes_key else "plain"


@dataclass(frozen=True)
class WeChatSettings:
    token: str
    appid: str
    secret: str
    aes_key: str = ""
    api_base: str = "https://api.weixin.qq.com"
    reply_deadline: float = 4.5
    max_skew: int = 300
    window_hours: float = 48.0
    lock_store_type: str = "in_memory"
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_db: int = 2
    store_path: str = str(ROOT / "var" / "wechat.db")
    mode: str = ""  # plain | compatible | safe; empty: default_mode(aes_key)

    def __post_init__(self) -> None:
        mode = (self.mode or "").strip().lower() or default_mode(self.aes_key)
        if mode not in MODES:
            log.error("wechat.config WECHAT_MODE=%r is not one of %s: taken as safe",
                      self.mode, "/".join(MODES))
            mode = "safe"
        if mode != "plain" and not self.aes_key:
            log.warning("wechat.config WECHAT_MODE=%s without WECHAT_AES_KEY: encrypted "
                        "messages are refused%s", mode, ", so all are" if mode == "safe" else "")
        object.__setattr__(self, "mode", mode)

    def __repr__(self) -> str:  # secrets never reach a log through repr()
        return (f"WeChatSettings(appid={self.appid[:4]}****, mode={self.mode}, "
                f"store={self.lock_store_type})")

    @classmethod
    def from_sources(cls, credentials: Mapping[str, Any], env: Mapping[str, str]) -> "WeChatSettings":
        def pick(key: str, env_key: str, default: Any = "") -> Any:
            value = credentials.get(key)
            if value in (None, ""):
                value = env.get(env_key, default)
            return default if value in (None, "") else value

        return cls(
            token=str(pick("token", "WECHAT_TOKEN")),
            appid=str(pick("appid", "WECHAT_APPID")),
            secret=str(pick("secret", "WECHAT_SECRET")),
            aes_key=str(pick("aes_key", "WECHAT_AES_KEY")),
            api_base=str(pick("api_base", "WECHAT_API_BASE", cls.api_base)),
            reply_deadline=float(pick("reply_deadline", "WECHAT_REPLY_DEADLINE_SECONDS", 4.5)),
            max_skew=int(pick("max_skew", "WECHAT_MAX_SKEW_SECONDS", 300)),
            window_hours=float(pick("window_hours", "WECHAT_WINDOW_HOURS", 48)),
            lock_store_type=str(env.get("LOCK_STORE_TYPE") or "in_memory"),
            redis_host=str(env.get("REDIS_HOST") or "127.0.0.1"),
            redis_port=int(env.get("REDIS_PORT") or 6379),
            redis_db=int(pick("redis_db", "WECHAT_REDIS_DB", 2)),
            store_path=str(pick("store_path", "WECHAT_STORE_PATH", cls.store_path)),
            mode=str(pick("mode", "WECHAT_MODE")),
        )


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"

    def sanic(self) -> HTTPResponse:
        return response.text(self.body, status=self.status, content_type=self.content_type)


FORBIDDEN = Answer(403, "forbidden")
BAD_REQUEST = Answer(400, "bad request")


def mask_openid(openid: Optional[str]) -> str:
    return mask_conversation_id(openid, "wechat") or "-"


# -- the per-process runtime: store, API client, background sends -----------------------------


class WeChatRuntime:
    """Everything the channel needs once per process (Sanic workers each build their own;
    the shared state is in the store)."""

    def __init__(self, settings: WeChatSettings, store: Optional[KeyValueStore] = None,
                 api: Optional[WeChatApi] = None) -> None:
        self.settings = settings
        self.store = store or open_store(
            settings.lock_store_type, settings.redis_host, settings.redis_port,
            settings.redis_db, Path(settings.store_path),
        )
        self.api = api or WeChatApi(settings.appid, settings.secret, settings.api_base, self.store)
        self.crypto = (
            WeChatCrypto(settings.token, settings.aes_key, settings.appid) if settings.aes_key else None
        )
        self.prefix = f"wechat:{settings.appid}:"
        self._tasks: Set[asyncio.Task] = set()

    # store helpers (the store is synchronous; keep the event loop free)
    async def _store(self, method: str, *args: Any) -> Any:
        return await asyncio.to_thread(getattr(self.store, method), *args)

    async def touch(self, openid: str, at: Optional[float] = None) -> None:
        ttl = int(self.settings.window_hours * 3600) + 3600
        await self._store("set", f"{self.prefix}seen:{openid}", str(at or time.time()), ttl)

    async def window_open(self, openid: str) -> bool:
        raw = await self._store("get", f"{self.prefix}seen:{openid}")
        if raw is None:
            return False
        return time.time() - float(raw) <= self.settings.window_hours * 3600

    async def claim_nonce(self, timestamp: str, nonce: str) -> bool:
        """True the first time this (timestamp, nonce) is seen. The claim lasts while the
        timestamp is still accepted (up to twice the skew for one from a clock ahead) and a
        margin more; then the timestamp check refuses it anyway."""
        ttl = max(1, math.ceil(int(timestamp) + self.settings.max_skew - time.time())) + NONCE_MARGIN
        return await self._store("add", f"{self.prefix}nonce:{timestamp}:{nonce}", "1", ttl)

    async def claim(self, key: str) -> bool:
        return await self._store("add", f"{self.prefix}msg:{key}", "processing", DEDUP_TTL)

    async def outcome(self, key: str) -> Optional[str]:
        return await self._store("get", f"{self.prefix}msg:{key}")

    async def record(self, key: str, outcome: str) -> None:
        await self._store("set", f"{self.prefix}msg:{key}", outcome, DEDUP_TTL)

    async def push(self, openid: str, text: str) -> None:
        """Sends `text` through the 客服消息 API; raises WeChatSendError."""
        if not await self.window_open(openid):
            raise WeChatSendError("微信客服消息发送失败（超过 48 小时客服消息时限）")
        for part in split_text(text, CUSTOM_MAX_CHARS):
            await asyncio.to_thread(self.api.send_text, openid, part)

    def in_background(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def split_text(text: str, limit: int) -> List[str]:
    """Splits at paragraph or line ends where possible so no part exceeds `limit` chars."""
    parts: List[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind("。", 0, limit) + 1)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return parts


def join_for_passive(texts: List[str]) -> tuple[str, List[str]]:
    """The bot's messages of one turn as one passive reply (a blank line between them); what
    does not fit WeChat's passive-reply size goes out afterwards through the 客服消息 API."""
    passive: List[str] = []
    size = 0
    for i, text in enumerate(texts):
        extra = len(text.encode("utf-8")) + (2 if passive else 0)
        if size + extra > PASSIVE_MAX_BYTES and passive:
            return "\n\n".join(passive), texts[i:]
        passive.append(text)
        size += extra
    return "\n\n".join(passive), []


def render_buttons(text: str, buttons: List[Dict[str, Any]]) -> str:
    """WeChat has no buttons: the choices become lines the customer can type back."""
    titles = [str(b.get("title", "")).strip() for b in buttons if b.get("title")]
    if not titles:
        return text
    return text + "\n" + "\n".join(f"· {t}" for t in titles) + "\n（请直接回复您的选择）"


# -- output channels ---------------------------------------------------------------------------


class TurnCollector(OutputChannel):
    """Collects the bot's messages of one customer turn; the handler decides how they go out."""

    def __init__(self) -> None:
        self.texts: List[str] = []

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        if text and text.strip():
            self.texts.append(text.strip())

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, render_buttons(text, buttons))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, f"图片：{image}")

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if text:
            await self.send_text_message(recipient_id, str(text))


class WeChatOutput(TurnCollector):
    """Pushes through the 客服消息 API: agent replies, release/close utterances. Raises
    WeChatSendError when the message cannot be delivered."""

    def __init__(self, runtime: WeChatRuntime) -> None:
        super().__init__()
        self.runtime = runtime

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        if not text or not text.strip():
            return
        try:
            await self.runtime.push(recipient_id, text.strip())
        except WeChatSendError as exc:
            log.warning("wechat.push.failed openid=%s: %s", mask_openid(recipient_id), exc)
            raise


# -- the input channel --------------------------------------------------------------------------


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "InputChannel":
        return cls(WeChatSettings.from_sources(credentials or {}, os.environ))

    def __init__(self, settings: WeChatSettings, runtime: Optional[WeChatRuntime] = None) -> None:
        if not settings.token:
            # Rasa still starts (REST and web chat must not depend on WeChat's set-up); every
            # WeChat request is refused until the token is configured
            log.warning("wechat.config WECHAT_TOKEN is not set: the WeChat channel refuses all requests")
        self.settings = settings
        self._runtime = runtime

    @property
    def runtime(self) -> WeChatRuntime:
        if self._runtime is None:
            self._runtime = WeChatRuntime(self.settings)
        return self._runtime

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeChatOutput(self.runtime)

    # -- checks ------------------------------------------------------------------------------
    def _signature_ok(self, args: Mapping[str, str]) -> bool:
        signature, timestamp, nonce = (args.get(k) or "" for k in ("signature", "timestamp", "nonce"))
        if not (self.settings.token and signature and timestamp and nonce):
            return False
        if not (timestamp.isascii() and timestamp.isdigit()) or len(nonce) > MAX_NONCE_CHARS:
            return False
        skew = abs(time.time() - int(timestamp))
        if skew > self.settings.max_skew:
            log.warning("wechat.request.stale skew=%ss", int(skew))
            return False
        signer = WeChatSigner()
        signer.add_data(self.settings.token, timestamp, nonce)
        return hmac.compare_digest(signer.signature, signature)

    @staticmethod
    def _args(request: Request) -> Dict[str, str]:
        return {k: v[0] for k, v in request.args.items() if v}

    # -- routes -------------------------------------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        bp = Blueprint(f"wechat_webhook_{type(self).__name__}", module.__name__ if module else None)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return (await self.handle_get(self._args(request))).sanic()

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            answer = await self.handle_post(self._args(request), request.body or b"", on_new_message)
            return answer.sanic()

        return bp

    # -- the protocol, apart from Sanic (the unit tests call these) ---------------------------
    async def handle_get(self, args: Mapping[str, str]) -> "Answer":
        """URL verification: echo `echostr` when the signature is WeChat's. Its nonce is
        claimed too: a verification URL kept in some log cannot post a message."""
        if not self._signature_ok(args):
            return FORBIDDEN
        if not await self._fresh_nonce(args):
            return FORBIDDEN
        return Answer(200, args.get("echostr", ""))

    async def _fresh_nonce(self, args: Mapping[str, str]) -> bool:
        """Claims the request's (timestamp, nonce); called only once the request is known to
        be WeChat's, so a forged request cannot use up the nonce of a real one."""
        if await self.runtime.claim_nonce(args["timestamp"], args["nonce"]):
            return True
        log.warning("wechat.request.replayed timestamp=%s", args["timestamp"])
        return False

    async def handle_post(self, args: Mapping[str, str], body: bytes,
                          on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> "Answer":
        started = time.monotonic()
        if not self._signature_ok(args):
            return FORBIDDEN
        if len(body) > MAX_BODY_BYTES:
            return Answer(413, "payload too large")
        runtime = self.runtime
        mode = self.settings.mode
        encrypted = args.get("encrypt_type", "raw").lower() == "aes"
        if encrypted and mode == "plain":  # WeChat never encrypts for a 明文模式 account
            log.warning("wechat.request.refused encrypted message, WECHAT_MODE=plain")
            return FORBIDDEN
        if not encrypted and mode == "safe":  # the downgrade: a signed URL, a body of anyone's
            log.warning("wechat.request.refused plaintext message, WECHAT_MODE=safe")
            return FORBIDDEN
        if encrypted:
            if runtime.crypto is None:
                log.warning("wechat.request.encrypted but WECHAT_AES_KEY is not set")
                return FORBIDDEN
            try:
                envelope = xmltodict.parse(body.decode("utf-8", errors="replace"))["xml"]
            except Exception:
                log.warning("wechat.request.unparsable")
                return BAD_REQUEST
            if not isinstance(envelope, dict) or not envelope.get("Encrypt"):
                # encrypt_type=aes but nothing signed: as good as no signature
                log.warning("wechat.request.refused encrypt_type=aes without <Encrypt>")
                return FORBIDDEN
            try:
                xml = runtime.crypto.decrypt_message(
                    envelope, args.get("msg_signature", ""), args["timestamp"], args["nonce"]
                )
            except InvalidSignatureException:
                return FORBIDDEN
            except Exception:  # InvalidAppIdException, bad base64/XML
                log.warning("wechat.request.undecryptable")
                return BAD_REQUEST
        else:
            xml = body.decode("utf-8", errors="replace")
        # everything that can be checked is checked: only now the nonce counts as used
        if not await self._fresh_nonce(args):
            return FORBIDDEN
        try:
            msg = parse_message(xml)
        except Exception:
            log.warning("wechat.request.unparsable")
            return BAD_REQUEST
        if msg is None:
            return BAD_REQUEST
        openid = getattr(msg, "source", None)
        if not valid_sender("wechat", openid):
            # not an OpenID WeChat would send: no bot turn, nothing stored; `success` so that
            # nothing is retried
            shown = re.sub(r"[^A-Za-z0-9_-]", "?", str(openid or ""))[:64]
            log.warning("wechat.request.bad_openid openid=%s length=%d",
                        mask_openid(shown), len(str(openid or "")))
            return Answer(200, SUCCESS)
        assert isinstance(openid, str)  # valid_sender accepts only a str

        def reply(text: Optional[str]) -> Answer:
            if not text:
                return Answer(200, SUCCESS)
            xml_out = TextReply(message=msg, content=text).render()
            if encrypted:
                # an encrypted request without crypto was refused above
                assert runtime.crypto is not None
                xml_out = runtime.crypto.encrypt_message(xml_out, args["nonce"], args["timestamp"])
            return Answer(200, xml_out, "application/xml; charset=utf-8")

        await runtime.touch(openid)
        key = str(msg.id) if getattr(msg, "id", None) else (
            f"ev:{openid}:{msg.create_time.timestamp() if msg.create_time else ''}:"
            f"{getattr(msg, 'event', msg.type)}"
        )
        if not await runtime.claim(key):
            outcome = await runtime.outcome(key) or ""
            log.info("wechat.message.duplicate openid=%s state=%s", mask_openid(openid),
                     outcome.split(":", 1)[0])
            return reply(outcome[len("reply:"):] if outcome.startswith("reply:") else None)

        text = self._text_of(msg)
        if text is None or too_long(text):  # not words, or too many: answered here, no bot turn
            answer = too_long_reply() if text else self._channel_answer(msg)
            await runtime.record(key, f"reply:{answer}" if answer else "done")
            return reply(answer)

        collector = TurnCollector()
        turn = asyncio.ensure_future(self._run_turn(on_new_message, text, collector, openid, msg))
        remaining = self.settings.reply_deadline - (time.monotonic() - started)
        done, _ = await asyncio.wait({turn}, timeout=max(0.0, remaining))
        if turn in done:
            passive, rest = join_for_passive(collector.texts)
            await runtime.record(key, f"reply:{passive}" if passive else "done")
            if rest:
                runtime.in_background(self._push_late(openid, rest, key=None))
            return reply(passive or None)
        # too slow for WeChat's 5 seconds: acknowledge now, send when ready
        log.info("wechat.reply.late openid=%s", mask_openid(openid))
        await runtime.record(key, "late")
        runtime.in_background(self._finish_late(turn, collector, openid, key))
        return reply(None)

    @staticmethod
    def _text_of(msg: Any) -> Optional[str]:
        if msg.type == "text":
            return clean_text(msg.content or "") or None
        if msg.type == "voice" and getattr(msg, "recognition", None):
            return clean_text(msg.recognition) or None  # WeChat's own speech recognition
        return None

    @staticmethod
    def _channel_answer(msg: Any) -> Optional[str]:
        if msg.type == "event":
            return WELCOME if getattr(msg, "event", "") in WELCOME_EVENTS else None
        if msg.type == "text":  # empty text
            return None
        return NON_TEXT.get(msg.type, NON_TEXT_DEFAULT)

    @staticmethod
    async def _run_turn(on_new_message: Callable[[UserMessage], Awaitable[Any]], text: str,
                        collector: TurnCollector, openid: str, msg: Any) -> None:
        metadata = {"wechat": {"msg_id": str(msg.id) if msg.id else None, "msg_type": msg.type}}
        try:
            await on_new_message(UserMessage(text, collector, openid, input_channel="wechat",
                                             metadata=metadata))
        except Exception:
            log.exception("wechat.turn.failed openid=%s", mask_openid(openid))
            collector.texts.append(BOT_ERROR)

    async def _finish_late(self, turn: asyncio.Future, collector: TurnCollector, openid: str,
                           key: str) -> None:
        await turn
        await self._push_late(openid, collector.texts, key)

    async def _push_late(self, openid: str, texts: List[str], key: Optional[str]) -> None:
        try:
            if texts:
                await self.runtime.push(openid, "\n\n".join(texts))
            if key:
                await self.runtime.record(key, "pushed")
        except WeChatSendError as exc:
            log.warning("wechat.reply.push_failed openid=%s: %s", mask_openid(openid), exc)
        except Exception:
            log.exception("wechat.reply.push_failed openid=%s", mask_openid(openid))
