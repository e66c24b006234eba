"""The channel's protocol handling without Rasa: a stub bot, the fake WeChat API, wechatpy as
WeChat's side (tests/wechat/peer.py)."""
from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import List

import pytest

from bot.channels.wechat import (
    BOT_ERROR, NON_TEXT, WELCOME, WeChatInput, WeChatSettings, join_for_passive, split_text,
)
from bot.channels.wechat_api import WeChatSendError
from bot.casedesk.cases.case_rules import mask_conversation_id

from .fake_wechat import FakeWeChat
from .peer import Peer, event_xml, image_xml, location_xml, new_openid, text_xml


class Bot:
    """Stands in for Rasa's on_new_message: records turns, answers after `delay` seconds."""

    def __init__(self, replies: List[str] = ("您好，给您添麻烦了。",), delay: float = 0.0) -> None:
        self.replies = list(replies)
        self.delay = delay
        self.turns: List[str] = []

    async def __call__(self, message) -> None:
        self.turns.append(message.text)
        assert message.input_channel == "wechat"
        await asyncio.sleep(self.delay)
        for r in self.replies:
            await message.output_channel.send_text_message(message.sender_id, r)


def msg_id() -> int:
    return random.randint(10**15, 10**16)


async def test_verification_echoes_with_a_good_signature(channel: WeChatInput, peer: Peer) -> None:
    params, _ = peer.params()
    answer = await channel.handle_get({**params, "echostr": "8137430000"})
    assert (answer.status, answer.body) == (200, "8137430000")


@pytest.mark.parametrize("tamper", ["signature", "stale", "future", "missing", "garbage_ts"])
async def test_verification_refuses_forged_and_stale(channel: WeChatInput, peer: Peer, tamper: str) -> None:
    if tamper == "stale":
        params, _ = peer.params(timestamp=int(time.time()) - 301)  # correctly signed, too old
    elif tamper == "future":
        params, _ = peer.params(timestamp=int(time.time()) + 301)
    else:
        params, _ = peer.params()
    if tamper == "signature":
        params["signature"] = "0" * 40
    if tamper == "missing":
        params.pop("nonce")
    if tamper == "garbage_ts":
        params["timestamp"] = "abc"
    answer = await channel.handle_get({**params, "echostr": "1"})
    assert answer.status == 403 and "1" not in answer.body


async def test_forged_post_never_reaches_the_bot(channel: WeChatInput, peer: Peer) -> None:
    bot = Bot()
    params, body = peer.params(body=text_xml(new_openid(), "你好", msg_id()))
    params["signature"] = params["signature"][::-1]
    answer = await channel.handle_post(params, body.encode(), bot)
    assert answer.status == 403 and bot.turns == []


async def test_stale_post_is_refused(channel: WeChatInput, peer: Peer) -> None:
    bot = Bot()
    params, body = peer.params(timestamp=int(time.time()) - 600, body=text_xml(new_openid(), "你好", msg_id()))
    assert (await channel.handle_post(params, body.encode(), bot)).status == 403
    assert bot.turns == []


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes"])
async def test_round_trip(channel: WeChatInput, peer: Peer, encrypted: bool) -> None:
    openid = new_openid()
    bot = Bot(["非常抱歉给您带来不便。", "请问您怎么称呼？"])
    params, body = peer.params(encrypted=encrypted, body=text_xml(openid, "我的卡被盗刷了", msg_id()))
    answer = await channel.handle_post(params, body.encode(), bot)
    assert answer.status == 200
    if encrypted:
        assert "<Encrypt>" in answer.body and "请问" not in answer.body
    reply = peer.read_reply(answer.body, params)
    assert reply["ToUserName"] == openid and reply["MsgType"] == "text"
    assert reply["Content"] == "非常抱歉给您带来不便。\n\n请问您怎么称呼？"
    assert bot.turns == ["我的卡被盗刷了"]


async def test_encrypted_with_a_forged_message_signature(channel: WeChatInput, peer: Peer) -> None:
    bot = Bot()
    params, body = peer.params(encrypted=True, body=text_xml(new_openid(), "你好", msg_id()))
    params["msg_signature"] = "f" * 40
    assert (await channel.handle_post(params, body.encode(), bot)).status == 403
    assert bot.turns == []


async def test_encrypted_for_another_account_is_refused(channel: WeChatInput, settings: WeChatSettings) -> None:
    other = Peer(settings.token, "wxOTHERACCOUNT0000", settings.aes_key)
    params, body = other.params(encrypted=True, body=text_xml(new_openid(), "你好", msg_id()))
    assert (await channel.handle_post(params, body.encode(), Bot())).status == 400


async def test_three_concurrent_retries_make_one_turn(channel: WeChatInput, peer: Peer) -> None:
    openid, mid = new_openid(), msg_id()
    bot = Bot(delay=0.3)
    deliveries = [peer.params(body=text_xml(openid, "你好", mid)) for _ in range(3)]
    answers = await asyncio.gather(*(channel.handle_post(p, b.encode(), bot) for p, b in deliveries))
    assert bot.turns == ["你好"]
    replies = [peer.read_reply(a.body, p) for a, (p, _) in zip(answers, deliveries)]
    assert sum(r is not None for r in replies) == 1  # the other two: `success`
    # a retry after the first finished gets the same reply again (the first may have been lost)
    p, b = peer.params(body=text_xml(openid, "你好", mid))
    again = peer.read_reply((await channel.handle_post(p, b.encode(), bot)).body, p)
    assert again["Content"] == "您好，给您添麻烦了。" and bot.turns == ["你好"]


async def test_two_channel_instances_share_the_store(settings: WeChatSettings, peer: Peer) -> None:
    """Two workers = two channel objects with their own runtime on the same store file."""
    from bot.channels.wechat import WeChatRuntime

    a, b = WeChatInput(settings, WeChatRuntime(settings)), WeChatInput(settings, WeChatRuntime(settings))
    openid, mid = new_openid(), msg_id()
    bot = Bot(delay=0.2)
    (p1, b1), (p2, b2) = peer.params(body=text_xml(openid, "你好", mid)), peer.params(body=text_xml(openid, "你好", mid))
    await asyncio.gather(a.handle_post(p1, b1.encode(), bot), b.handle_post(p2, b2.encode(), bot))
    assert bot.turns == ["你好"]


async def test_slow_bot_gets_success_then_custom_send(channel: WeChatInput, peer: Peer, fake: FakeWeChat) -> None:
    openid = new_openid()
    bot = Bot(["抱歉让您久等了。", "请问您的手机号是？"], delay=1.5)  # deadline in this fixture: 1 s
    params, body = peer.params(encrypted=True, body=text_xml(openid, "我要投诉", msg_id()))
    answer = await channel.handle_post(params, body.encode(), bot)
    # answered before the bot had finished: nothing sent yet, the replies follow as 客服消息
    assert answer.body == "success" and not fake.sent(openid)
    for _ in range(100):
        if fake.sent(openid):
            break
        await asyncio.sleep(0.05)
    assert fake.sent(openid) == ["抱歉让您久等了。\n\n请问您的手机号是？"]


async def test_non_text_messages_get_a_polite_chinese_reply(channel: WeChatInput, peer: Peer) -> None:
    bot = Bot()
    openid = new_openid()
    for xml, expected in (
        (image_xml(openid, msg_id()), NON_TEXT["image"]),
        (location_xml(openid, msg_id()), NON_TEXT["location"]),
        (event_xml(openid, "subscribe"), WELCOME),
    ):
        params, body = peer.params(encrypted=True, body=xml)
        answer = await channel.handle_post(params, body.encode(), bot)
        assert answer.status == 200
        assert peer.read_reply(answer.body, params)["Content"] == expected
    params, body = peer.params(body=event_xml(openid, "unsubscribe"))
    assert (await channel.handle_post(params, body.encode(), bot)).body == "success"
    assert bot.turns == []
    assert "您" in WELCOME and "投诉" in WELCOME and "转人工" in WELCOME


async def test_unparsable_body_is_400(channel: WeChatInput, peer: Peer) -> None:
    params, _ = peer.params()
    assert (await channel.handle_post(params, b"<xml><oops", Bot())).status == 400


async def test_a_failing_bot_still_answers_politely(channel: WeChatInput, peer: Peer) -> None:
    async def broken(message) -> None:
        raise RuntimeError("boom")

    params, body = peer.params(body=text_xml(new_openid(), "你好", msg_id()))
    answer = await channel.handle_post(params, body.encode(), broken)
    assert peer.read_reply(answer.body, params)["Content"] == BOT_ERROR


async def test_output_channel_sends_and_refreshes_the_token(channel: WeChatInput, peer: Peer, fake: FakeWeChat) -> None:
    openid = new_openid()
    await channel.runtime.touch(openid)
    out = channel.get_output_channel()
    await out.send_text_message(openid, "您好，我是客服小王。")
    before = fake.token_fetches
    await out.send_text_message(openid, "第二条")
    assert fake.token_fetches == before  # cached
    fake.expire_tokens()  # WeChat invalidated it early: 40001 → fetch and retry once
    await out.send_text_message(openid, "第三条")
    assert fake.sent(openid) == ["您好，我是客服小王。", "第二条", "第三条"]
    assert fake.token_fetches == before + 1


async def test_48_hour_window(channel: WeChatInput, fake: FakeWeChat) -> None:
    openid = new_openid()
    out = channel.get_output_channel()
    with pytest.raises(WeChatSendError):
        await out.send_text_message(openid, "从没来过消息")
    await channel.runtime.touch(openid, at=time.time() - 48 * 3600 - 60)
    with pytest.raises(WeChatSendError, match="48"):
        await out.send_text_message(openid, "超过 48 小时")
    await channel.runtime.touch(openid, at=time.time() - 47 * 3600)
    await out.send_text_message(openid, "47 小时内")
    assert fake.sent(openid) == ["47 小时内"]


async def test_wechat_refusal_raises_without_the_openid(channel: WeChatInput, fake: FakeWeChat) -> None:
    openid = new_openid()
    await channel.runtime.touch(openid)
    fake.fail(openid, 45015)
    with pytest.raises(WeChatSendError) as err:
        await channel.get_output_channel().send_text_message(openid, "您好")
    assert "45015" in str(err.value) and openid not in str(err.value)


async def test_no_secret_or_openid_in_logs(channel: WeChatInput, peer: Peer, settings: WeChatSettings,
                                          fake: FakeWeChat, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    openid = new_openid()
    fake.fail(openid, 45015)
    params, body = peer.params(body=text_xml(openid, "你好", msg_id()))
    await channel.handle_post(params, body.encode(), Bot(delay=1.2))  # late → push → fails
    await asyncio.sleep(1.0)
    await channel.runtime.touch(openid)
    with pytest.raises(WeChatSendError):
        await channel.get_output_channel().send_text_message(openid, "x")
    text = caplog.text + repr(settings) + repr(channel.runtime.api)
    for secret in (settings.token, settings.secret, settings.aes_key, openid):
        assert secret not in text
    assert mask_conversation_id(openid, "wechat") in caplog.text


def test_passive_join_and_split() -> None:
    assert join_for_passive(["a", "b"]) == ("a\n\nb", [])
    big = "长" * 665  # 1995 bytes
    passive, rest = join_for_passive([big, "第二条"])
    assert passive == big and rest == ["第二条"]
    parts = split_text("。".join(["句子" * 50] * 10), 300)
    assert all(len(p) <= 300 for p in parts) and len(parts) > 1


def test_mask_conversation_id() -> None:
    assert mask_conversation_id("oABCDEFGHIJKLMNOPQRSTUVWXYZ1", "wechat") == "oABC****XYZ1"
    assert mask_conversation_id("short", "wechat") == "*****"
    assert mask_conversation_id("web-session-1", "web") == "web-session-1"
    assert mask_conversation_id(None, "wechat") is None


def test_settings_from_env(tmp_path) -> None:
    s = WeChatSettings.from_sources({"token": ""}, {"WECHAT_TOKEN": "tok", "WECHAT_APPID": "wx1",
                                                    "WECHAT_REPLY_DEADLINE_SECONDS": "2"})
    assert (s.token, s.appid, s.reply_deadline, s.window_hours) == ("tok", "wx1", 2.0, 48.0)
    assert "tok" not in repr(s)
