"""Issue 18, item 6 and the WeChat part of the input guard, without Rasa:

- a captured signed URL cannot be used again: each (timestamp, nonce) is claimed once, after
  the signatures are checked, and kept while that timestamp is still accepted;
- the account's message mode (WECHAT_MODE): 安全模式 takes no plaintext, 明文模式 no AES;
- a malformed OpenID never reaches the bot, and the text loses control characters.
"""
from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.channels.guard import MAX_MESSAGE_CHARS, too_long_reply, valid_sender
from bot.channels.wechat import WeChatInput

from .peer import Peer, event_xml, new_openid, text_xml
from .test_channel import Bot, msg_id


async def post(channel: WeChatInput, params, body, bot):
    return await channel.handle_post(params, body.encode() if isinstance(body, str) else body, bot)


def url_only(params):
    """The captured URL's own signature, without `encrypt_type`/`msg_signature`."""
    return {k: params[k] for k in ("signature", "timestamp", "nonce")}


# -- replay ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "compatible"])
async def test_a_captured_url_cannot_post_other_messages(make_channel, mode: str) -> None:
    """The issue's reproduction: the URL's signature covers token, timestamp and nonce, not the
    body, so one captured URL posted 20 messages as any OpenID within the 5 minutes."""
    channel = make_channel(mode)
    peer, bot = Peer.of(channel), Bot()
    params, body = peer.params(body=text_xml(new_openid(), "你好", msg_id()))
    assert (await post(channel, params, body, bot)).status == 200
    for i in range(20):
        forged = text_xml(new_openid(), f"电话不对，是1380000{i:04d}", msg_id())
        answer = await post(channel, params, forged, bot)
        assert (answer.status, answer.body) == (403, "forbidden")
    assert bot.turns == ["你好"]


@pytest.mark.parametrize("mode", ["compatible", "safe"])
async def test_a_captured_encrypted_url_cannot_post_other_messages(make_channel, mode: str) -> None:
    channel = make_channel(mode)
    peer, bot = Peer.of(channel), Bot()
    params, body = peer.params(encrypted=True, body=text_xml(new_openid(), "你好", msg_id()))
    assert (await post(channel, params, body, bot)).status == 200
    # 1. the URL without encrypt_type, a plaintext message from another customer
    downgraded = (url_only(params), text_xml(new_openid(), "确认", msg_id()))
    # 2. a new encrypted message signed for the same timestamp and nonce (made here with the
    #    token: only the nonce stands in its way)
    resigned = peer.params(encrypted=True, body=text_xml(new_openid(), "确认", msg_id()),
                           timestamp=int(params["timestamp"]), nonce=params["nonce"])
    # 3. the whole request again, byte for byte
    for p, b in (downgraded, resigned, (params, body)):
        answer = await post(channel, p, b, bot)
        assert (answer.status, answer.body) == (403, "forbidden")
    assert bot.turns == ["你好"]


async def test_wechat_retries_come_with_fresh_nonces_and_get_the_first_reply(make_channel) -> None:
    channel = make_channel("safe")
    peer, bot = Peer.of(channel), Bot(delay=0.3)
    openid, mid = new_openid(), msg_id()
    deliveries = [peer.params(encrypted=True, body=text_xml(openid, "你好", mid)) for _ in range(3)]
    answers = await asyncio.gather(*(post(channel, p, b, bot) for p, b in deliveries))
    assert [a.status for a in answers] == [200, 200, 200] and bot.turns == ["你好"]
    p, b = peer.params(encrypted=True, body=text_xml(openid, "你好", mid))
    again = peer.read_reply((await post(channel, p, b, bot)).body, p)
    assert again["Content"] == "您好，给您添麻烦了。" and bot.turns == ["你好"]


async def test_forged_or_downgraded_requests_do_not_use_up_the_nonce(make_channel) -> None:
    """Whoever races WeChat's delivery with its URL cannot make WeChat's own request fail."""
    channel = make_channel("safe")
    peer, bot = Peer.of(channel), Bot()
    openid = new_openid()
    params, body = peer.params(encrypted=True, body=text_xml(openid, "你好", msg_id()))
    attempts = [
        ({**params, "signature": "0" * 40}, body),  # URL signature wrong
        ({**params, "msg_signature": "f" * 40}, body),  # body signature wrong
        (url_only(params), text_xml(new_openid(), "确认", msg_id())),  # plaintext in 安全模式
        ({**params, "timestamp": str(int(params["timestamp"]) - 1)}, body),  # another timestamp
    ]
    for p, b in attempts:
        assert (await post(channel, p, b, bot)).status == 403
    answer = await post(channel, params, body, bot)
    assert answer.status == 200 and peer.read_reply(answer.body, params)["ToUserName"] == openid
    assert bot.turns == ["你好"]


async def test_a_nonce_is_kept_while_its_timestamp_is_accepted(make_channel, monkeypatch) -> None:
    """A timestamp is accepted while it is within WECHAT_MAX_SKEW_SECONDS of the clock, so up
    to twice that long for one from a clock running ahead: the claim must last as long (and
    not much longer, so the store does not fill with old nonces)."""
    channel = make_channel("safe", max_skew=300)
    peer, bot = Peer.of(channel), Bot()
    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    ts = int(clock[0]) + 299  # WeChat's clock ahead of ours
    params, body = peer.params(encrypted=True, timestamp=ts, body=text_xml(new_openid(), "你好", msg_id()))
    assert (await post(channel, params, body, bot)).status == 200

    clock[0] = ts + 300  # the last second this timestamp is accepted, almost 10 minutes on
    replay = peer.params(encrypted=True, timestamp=ts, nonce=params["nonce"],
                         body=text_xml(new_openid(), "确认", msg_id()))
    assert (await post(channel, *replay, bot)).status == 403
    other_nonce = peer.params(encrypted=True, timestamp=ts, body=text_xml(new_openid(), "您好", msg_id()))
    assert (await post(channel, *other_nonce, bot)).status == 200  # so the 403 was the nonce

    clock[0] = ts + 301  # stale now: refused by the timestamp check
    assert (await post(channel, *replay, bot)).status == 403
    assert bot.turns == ["你好", "您好"]
    # the claim expires shortly after its timestamp leaves the window
    key = f"{channel.runtime.prefix}nonce:{ts}:{params['nonce']}"
    assert channel.runtime.store.get(key) is not None
    clock[0] = ts + 300 + 61
    assert channel.runtime.store.get(key) is None


async def test_nonce_claims_on_redis(make_channel) -> None:
    """The production set-up (LOCK_STORE_TYPE=redis): the claim is a SET NX with an expiry."""
    import redis

    from bot.channels.wechat_store import RedisStore

    store = RedisStore("127.0.0.1", 6379, 2)
    try:
        store._redis.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    channel = make_channel("safe", store=store)
    peer, bot = Peer.of(channel), Bot()
    params, body = peer.params(encrypted=True, body=text_xml(new_openid(), "你好", msg_id()))
    assert (await post(channel, params, body, bot)).status == 200
    replay = peer.params(encrypted=True, timestamp=int(params["timestamp"]), nonce=params["nonce"],
                         body=text_xml(new_openid(), "确认", msg_id()))
    assert (await post(channel, *replay, bot)).status == 403
    assert bot.turns == ["你好"]
    ttl = store._redis.ttl(f"{channel.runtime.prefix}nonce:{params['timestamp']}:{params['nonce']}")
    assert 300 < ttl <= 300 + 61  # the rest of the window and the margin


async def test_the_url_check_claims_its_nonce_too(make_channel) -> None:
    """A verification URL (GET, echostr) found in a log cannot be used to post a message."""
    channel = make_channel("compatible")
    peer, bot = Peer.of(channel), Bot()
    params, _ = peer.params()
    answer = await channel.handle_get({**params, "echostr": "8137430000"})
    assert (answer.status, answer.body) == (200, "8137430000")
    assert (await channel.handle_get({**params, "echostr": "1"})).status == 403
    assert (await post(channel, params, text_xml(new_openid(), "你好", msg_id()), bot)).status == 403
    assert bot.turns == []


# -- the account's message mode -----------------------------------------------------------------


def test_the_mode_setting(make_channel) -> None:
    assert make_channel().settings.mode == "safe"  # an EncodingAESKey is set
    assert make_channel(aes_key="").settings.mode == "plain"  # no key: nothing else possible
    assert make_channel(" Compatible ").settings.mode == "compatible"
    assert make_channel("plain").settings.mode == "plain"
    assert make_channel("secure").settings.mode == "safe"  # a typo fails closed


@pytest.mark.parametrize("mode", ["safe", ""], ids=["safe", "default"])
async def test_safe_mode_refuses_plaintext(make_channel, mode: str) -> None:
    channel = make_channel(mode)
    peer, bot = Peer.of(channel), Bot()
    for _ in range(10):  # the issue: 10 of 10 plaintext messages accepted
        p, b = peer.params(body=text_xml(new_openid(), "你好", msg_id()))
        assert (await post(channel, p, b, bot)).status == 403
    # encrypt_type=aes on the URL but a plaintext body (no <Encrypt>)
    p, _ = peer.params(encrypted=True, body=text_xml(new_openid(), "你好", msg_id()))
    assert (await post(channel, p, text_xml(new_openid(), "你好", msg_id()), bot)).status == 403
    # 兼容模式's body (plaintext beside <Encrypt>) without encrypt_type on the URL
    p, b = peer.params(encrypted=True, compatible=True, body=text_xml(new_openid(), "你好", msg_id()))
    assert (await post(channel, url_only(p), b, bot)).status == 403
    assert bot.turns == []
    openid = new_openid()
    p, b = peer.params(encrypted=True, body=text_xml(openid, "我的卡被盗刷了", msg_id()))
    answer = await post(channel, p, b, bot)
    assert answer.status == 200 and "<Encrypt>" in answer.body
    assert peer.read_reply(answer.body, p)["ToUserName"] == openid
    assert bot.turns == ["我的卡被盗刷了"]


async def test_compatible_mode_accepts_both(make_channel) -> None:
    channel = make_channel("compatible")
    peer, bot = Peer.of(channel), Bot()
    for encrypted, compatible, words in ((False, False, "一"), (True, False, "二"), (True, True, "三")):
        openid = new_openid()
        p, b = peer.params(encrypted=encrypted, compatible=compatible, body=text_xml(openid, words, msg_id()))
        answer = await post(channel, p, b, bot)
        assert answer.status == 200 and ("<Encrypt>" in answer.body) == encrypted
        assert peer.read_reply(answer.body, p)["ToUserName"] == openid
    assert bot.turns == ["一", "二", "三"]


async def test_compatible_mode_reads_the_encrypted_copy(make_channel) -> None:
    """With encrypt_type=aes the signed, encrypted copy counts, not the plaintext beside it."""
    channel = make_channel("compatible")
    peer, bot = Peer.of(channel), Bot()
    p, b = peer.params(encrypted=True, compatible=True, body=text_xml(new_openid(), "真的", msg_id()))
    b = b.replace("<![CDATA[真的]]>", "<![CDATA[假的]]>", 1)
    assert (await post(channel, p, b, bot)).status == 200
    assert bot.turns == ["真的"]


async def test_plain_mode_refuses_encrypted_requests(make_channel) -> None:
    channel = make_channel("plain")
    peer, bot = Peer.of(channel), Bot()
    p, b = peer.params(encrypted=True, body=text_xml(new_openid(), "你好", msg_id()))
    assert (await post(channel, p, b, bot)).status == 403
    p, b = peer.params(body=text_xml(new_openid(), "你好", msg_id()))
    assert (await post(channel, p, b, bot)).status == 200
    assert bot.turns == ["你好"]


async def test_safe_mode_without_a_key_refuses_everything(make_channel) -> None:
    channel = make_channel("safe", aes_key="")
    peer, bot = Peer.of(channel), Bot()
    for encrypted in (False, True):
        p, b = peer.params(encrypted=encrypted, body=text_xml(new_openid(), "你好", msg_id()))
        assert (await post(channel, p, b, bot)).status == 403
    assert bot.turns == []


# -- the input guard: OpenID and text --------------------------------------------------------

BAD_OPENIDS = {
    "empty": "",
    "short": "oAB12",
    "long": "o" * 65,
    "chinese": "o你好ABCDEFGHIJKLMNOPQRSTUVWX",
    "space": "oABC DEFGHIJKLMNOPQRSTUVWXYZ",
    "markup": "oABC<script>DEFGHIJKLMNOPQRS",
    "path": "../../../../etc/passwd",
    "del": "oABC\x7fDEFGHIJKLMNOPQRSTUVWXYZ",
    "nbsp": "oABC\u00a0DEFGHIJKLMNOPQRSTUVWX",
    "fullwidth": "ｏＡＢＣＤＥＦＧＨＩＪＫＬＭＮ",
    "replacement": "oABC\ufffdDEFGHIJKLMNOPQRSTUVW",
    "newline": "oABCDEFGHIJKL\nMNOPQRSTUVWXYZ",
    "tab": "oABCDEFGHIJKL\tMNOPQRSTUVWXYZ",
}


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes"])
@pytest.mark.parametrize("openid", BAD_OPENIDS.values(), ids=BAD_OPENIDS.keys())
async def test_a_malformed_openid_never_reaches_the_bot(make_channel, caplog, openid: str,
                                                         encrypted: bool) -> None:
    caplog.set_level(logging.INFO)
    channel = make_channel("compatible")
    peer, bot = Peer.of(channel), Bot()
    for xml in (text_xml(openid, "你好", msg_id()), event_xml(openid, "subscribe")):
        p, b = peer.params(encrypted=encrypted, body=xml)
        answer = await post(channel, p, b, bot)
        # `success`: WeChat (or whoever) gets no reason to retry, and nothing is stored
        assert (answer.status, answer.body) == (200, "success")
    assert bot.turns == []
    assert channel.runtime.store.get(f"{channel.runtime.prefix}seen:{openid}") is None
    if len(openid) > 8:
        assert openid.strip() not in caplog.text
    assert "wechat.request.bad_openid" in caplog.text


@pytest.mark.parametrize("openid", [
    "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",  # WeChat's documentation's example
    "oABCDEFGHIJKLMNOPQRSTUVWXYZ1", "o-_-_-", "x" * 64, "oUVw" + "9" * 24,
])
async def test_wellformed_openids_pass(make_channel, openid: str) -> None:
    channel = make_channel("safe")
    peer, bot = Peer.of(channel), Bot()
    p, b = peer.params(encrypted=True, body=text_xml(openid, "你好", msg_id()))
    answer = await post(channel, p, b, bot)
    assert peer.read_reply(answer.body, p)["ToUserName"] == openid and bot.turns == ["你好"]


def test_openid_alphabet_and_length() -> None:
    """The shared guard's rule for WeChat (bot/channels/guard.py), as this channel needs it."""
    assert valid_sender("wechat", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M")
    assert valid_sender("wechat", "abc-12") and valid_sender("wechat", "a" * 64)
    for bad in ("abc12", "a" * 65, "a\ud800bcdefg", "abc\x00defg", "abcdefg\n", None, 12345678):
        assert not valid_sender("wechat", bad)


async def test_the_text_the_bot_sees_has_no_control_characters(make_channel) -> None:
    channel = make_channel("safe")
    peer, bot = Peer.of(channel), Bot()
    # what XML 1.0 lets through: DEL, C1 controls, CR, tab (NUL and surrogates cannot be in it)
    p, b = peer.params(encrypted=True, body=text_xml(new_openid(), "我的卡\x7f被盗刷了\x85\r\n第二行\t五千块\x9f", msg_id()))
    assert (await post(channel, p, b, bot)).status == 200
    p, b = peer.params(encrypted=True, body=text_xml(new_openid(), "\x7f\x85\x9f", msg_id()))
    assert (await post(channel, p, b, bot)).body == "success"  # nothing left: no bot turn
    assert bot.turns == ["我的卡被盗刷了\n第二行\t五千块"]


async def test_a_text_over_the_limit_gets_a_polite_reply_and_no_bot_turn(make_channel) -> None:
    channel = make_channel("safe")
    peer, bot = Peer.of(channel), Bot()
    p, b = peer.params(encrypted=True, body=text_xml(new_openid(), "盗" * (MAX_MESSAGE_CHARS + 1), msg_id()))
    answer = await post(channel, p, b, bot)
    assert peer.read_reply(answer.body, p)["Content"] == too_long_reply() and bot.turns == []
    p, b = peer.params(encrypted=True, body=text_xml(new_openid(), "盗" * MAX_MESSAGE_CHARS, msg_id()))
    await post(channel, p, b, bot)
    assert bot.turns == ["盗" * MAX_MESSAGE_CHARS]
