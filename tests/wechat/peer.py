"""WeChat's side of the webhook, for tests: builds signed (and, in 安全模式, encrypted) deliveries
with wechatpy — an implementation independent of the channel's — and reads replies back."""
from __future__ import annotations

import time
from typing import Dict, Optional, Tuple

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner, random_string

OFFICIAL_ID = "gh_0123456789ab"


def sign(token: str, timestamp: str, nonce: str) -> str:
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return signer.signature


def new_openid() -> str:
    return "o" + random_string(27)


def _message_xml(openid: str, body: str, create_time: Optional[int] = None) -> str:
    """The envelope WeChat wraps every message and event in, around ``body``."""
    return (
        f"<xml><ToUserName><![CDATA[{OFFICIAL_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>{body}</xml>"
    )


def text_xml(openid: str, text: str, msg_id: int, create_time: Optional[int] = None) -> str:
    return _message_xml(
        openid,
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId>",
        create_time,
    )


def image_xml(openid: str, msg_id: int) -> str:
    return _message_xml(
        openid,
        "<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://example.invalid/a.jpg]]></PicUrl>"
        f"<MediaId><![CDATA[media1]]></MediaId><MsgId>{msg_id}</MsgId>",
    )


def location_xml(openid: str, msg_id: int) -> str:
    return _message_xml(
        openid,
        "<MsgType><![CDATA[location]]></MsgType><Location_X>39.9</Location_X><Location_Y>116.4</Location_Y>"
        f"<Scale>15</Scale><Label><![CDATA[北京市]]></Label><MsgId>{msg_id}</MsgId>",
    )


def event_xml(openid: str, event: str) -> str:
    return _message_xml(openid, f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>")


class Peer:
    """Signs deliveries like WeChat's servers do."""

    def __init__(self, token: str, appid: str, aes_key: str) -> None:
        self.token = token
        self.appid = appid
        self.crypto = WeChatCrypto(token, aes_key, appid)

    @classmethod
    def of(cls, channel) -> "Peer":
        """WeChat's side for a channel's settings (a random AES key when it has none)."""
        s = channel.settings
        return cls(s.token, s.appid, s.aes_key or random_string(43))

    def params(self, timestamp: Optional[int] = None, encrypted: bool = False,
               body: str = "", nonce: Optional[str] = None,
               compatible: bool = False) -> Tuple[Dict[str, str], str]:
        """One delivery's query string and body. WeChat signs every delivery (a retry too)
        with a fresh nonce and timestamp; `nonce`/`timestamp` given = a replay of a captured
        URL. `compatible`: 兼容模式's body, the plaintext fields beside <Encrypt>."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or random_string(10)
        params = {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if not encrypted:
            return params, body
        envelope = self.crypto.encrypt_message(body, nonce, ts)
        parsed = xmltodict.parse(envelope)["xml"]
        params.update(encrypt_type="aes", msg_signature=parsed["MsgSignature"])
        encrypt = f"<Encrypt><![CDATA[{parsed['Encrypt']}]]></Encrypt>"
        if compatible:  # the plaintext message with <Encrypt> added
            return params, body.replace("</xml>", encrypt + "</xml>")
        # 安全模式: WeChat posts only ToUserName and Encrypt
        return params, f"<xml><ToUserName><![CDATA[{OFFICIAL_ID}]]></ToUserName>{encrypt}</xml>"

    def read_reply(self, text: str, params: Dict[str, str]) -> Optional[Dict[str, str]]:
        """The passive reply as a dict (None for `success`/empty); decrypts and checks the
        signature of an encrypted one."""
        if text in ("", "success"):
            return None
        if params.get("encrypt_type") == "aes":
            outer = xmltodict.parse(text)["xml"]
            plain = self.crypto.decrypt_message(text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
            return dict(xmltodict.parse(plain)["xml"])
        return dict(xmltodict.parse(text)["xml"])
