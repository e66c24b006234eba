"""The WeChat 公众号 channel against the real stack (Rasa + action server + case desk), with
WeChat's side played by wechatpy (tests/wechat/peer.py) and WeChat's API server faked on
loopback (tests/wechat/fake_wechat.py). The stack runs the default 4.5 s reply deadline; the slow
path is made genuinely slow (the conversation's Rasa lock is held by a slow agent send). The
stack has an EncodingAESKey and no WECHAT_MODE, so the account is in 安全模式 (the default):
deliveries are encrypted, plaintext is refused."""
from __future__ import annotations

import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.e2e.dialogue import CASE_NO, Customer
from tests.wechat.peer import Peer, event_xml, image_xml, new_openid, text_xml

AGENT = {"X-Actor": "agent.wang"}
MASKED = re.compile(r"^.{4}\*\*\*\*.{4}$")


def peer_of(stack) -> Peer:
    return Peer(stack.env["WECHAT_TOKEN"], stack.env["WECHAT_APPID"], stack.env["WECHAT_AES_KEY"])


def url(stack) -> str:
    return f"{stack.rasa_url}/webhooks/wechat/webhook"


def msg_id() -> int:
    return random.randint(10**15, 10**16)


def deliver(stack, xml: str, encrypted: bool = True, **kw):
    peer = peer_of(stack)
    params, body = peer.params(encrypted=encrypted, body=xml, **kw)
    r = requests.post(url(stack), params=params, data=body.encode(), timeout=15)
    return r, peer.read_reply(r.text, params) if r.status_code == 200 else None


class WeChatCustomer(Customer):
    """The dialogue helper's customer, writing from WeChat: passive replies, or — when the
    channel answered `success` — what reaches the fake 客服消息 API."""

    def __init__(self, stack, fake, answers, encrypted=True):
        super().__init__(stack, answers, sender=new_openid())
        self.fake = fake
        self.encrypted = encrypted

    def say(self, text: str) -> list[str]:
        before = len(self.fake.sent(self.sender))
        r, reply = deliver(self.stack, text_xml(self.sender, text, msg_id()), self.encrypted)
        assert r.status_code == 200, r.text
        if reply is not None:
            replies = reply["Content"].split("\n\n")
        else:  # `success`: a late turn's answer comes through the custom API, a paused one's never
            replies = [p for t in self.sent_after_the_turn(before) for p in t.split("\n\n")]
        self.transcript.append((text, replies))
        return replies

    def sent_after_the_turn(self, before: int) -> list[str]:
        """Waits until Rasa has saved this message's turn, then, if the bot said anything after
        the message, until that reached the custom API; returns what was sent since `before`."""
        turn = len(self.transcript) + 1  # each of this customer's messages is one user event

        def saved():
            events = tracker(self.stack, self.sender)["events"]
            return events if sum(e["event"] == "user" for e in events) >= turn else None

        events = wait_for(saved, f"Rasa to save turn {turn} of {self.sender}")
        users = [i for i, e in enumerate(events) if e["event"] == "user"]
        if any(e["event"] == "bot" and e.get("text") for e in events[users[turn - 1]:]):
            return self.fake.wait_sent(self.sender, before + 1)[before:]
        return self.fake.sent(self.sender)[before:]  # a paused conversation: no bot turn


def wait_for(condition, what: str, timeout: float = 30):
    """Polls `condition()` until it returns something true; returns that."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return result


def tracker(stack, openid):
    """A WeChat conversation's tracker: the conversation id is the OpenID itself."""
    r = requests.get(f"{stack.rasa_url}/conversations/{openid}/tracker",
                     params={"token": stack.rasa_token}, timeout=10)
    r.raise_for_status()
    return r.json()


def user_texts(stack, sender):
    return [e.get("text") for e in tracker(stack, sender)["events"] if e["event"] == "user"]


def test_url_verification(stack):
    peer = peer_of(stack)
    params, _ = peer.params()
    r = requests.get(url(stack), params={**params, "echostr": "5837201946"}, timeout=5)
    assert (r.status_code, r.text) == (200, "5837201946")
    forged = {**params, "signature": "0" * 40, "echostr": "1"}
    assert requests.get(url(stack), params=forged, timeout=5).status_code == 403
    stale, _ = peer.params(timestamp=int(time.time()) - 3600)
    assert requests.get(url(stack), params={**stale, "echostr": "1"}, timeout=5).status_code == 403


def test_forged_and_stale_messages_never_reach_the_bot(stack):
    openid = new_openid()
    peer = peer_of(stack)
    params, body = peer.params(body=text_xml(openid, "你好", msg_id()))
    forged = {**params, "signature": params["signature"][::-1]}
    assert requests.post(url(stack), params=forged, data=body.encode(), timeout=5).status_code == 403
    r, _ = deliver(stack, text_xml(openid, "你好", msg_id()), timestamp=int(time.time()) - 600)
    assert r.status_code == 403
    r, _ = deliver(stack, text_xml(openid, "你好", msg_id()), encrypted=True)
    assert r.status_code == 200  # the same sender is fine once signed properly
    assert user_texts(stack, openid) == ["你好"]


def test_encrypted_round_trip_and_plaintext_refused(stack):
    openid = new_openid()
    r, reply = deliver(stack, text_xml(openid, "你好，我的信用卡昨天被盗刷了五千块", msg_id()))
    assert r.status_code == 200, r.text
    assert "<Encrypt>" in r.text and "盗刷" not in r.text
    assert reply["ToUserName"] == openid and reply["MsgType"] == "text"
    assert re.search(r"抱歉|理解|着急|不便", reply["Content"]), reply  # apology first
    assert tracker(stack, openid)["latest_input_channel"] == "wechat"
    # 安全模式: a correctly signed URL without encrypt_type carries no message
    other = new_openid()
    for target in (openid, other):
        r, _ = deliver(stack, text_xml(target, "电话不对，是13800009999", msg_id()), encrypted=False)
        assert r.status_code == 403
    assert user_texts(stack, openid) == ["你好，我的信用卡昨天被盗刷了五千块"]
    assert user_texts(stack, other) == []


def test_a_captured_signed_url_cannot_be_replayed(stack):
    """Issue 18: one captured URL posted 20 messages as any OpenID within the 5 minutes."""
    peer, openid, mid = peer_of(stack), new_openid(), msg_id()
    params, body = peer.params(encrypted=True, body=text_xml(openid, "你好", mid))
    assert requests.post(url(stack), params=params, data=body.encode(), timeout=15).status_code == 200
    victim = new_openid()
    url_only = {k: params[k] for k in ("signature", "timestamp", "nonce")}
    resigned = peer.params(encrypted=True, timestamp=int(params["timestamp"]), nonce=params["nonce"],
                           body=text_xml(victim, "确认", msg_id()))
    for p, b in [(url_only, text_xml(victim, f"电话不对，是1380000{i:04d}", msg_id())) for i in range(5)] + [
        resigned, (params, body),
    ]:
        r = requests.post(url(stack), params=p, data=b.encode(), timeout=15)
        assert (r.status_code, r.text) == (403, "forbidden")
    assert user_texts(stack, openid) == ["你好"] and user_texts(stack, victim) == []
    # WeChat's own retry of that message comes with a fresh nonce: answered from the store
    r, reply = deliver(stack, text_xml(openid, "你好", mid))
    assert r.status_code == 200 and reply is not None and user_texts(stack, openid) == ["你好"]


def test_a_malformed_openid_never_reaches_rasa(stack):
    for openid in ("oABC<b>DEFGHIJKLMNOPQRSTUVW", "o你好ABCDEFGHIJKLMNOPQRSTUVWX", "x", "o" * 65):
        r, reply = deliver(stack, text_xml(openid, "你好", msg_id()))
        assert (r.status_code, r.text, reply) == (200, "success", None)
    r, reply = deliver(stack, text_xml(new_openid(), "你好", msg_id()))
    assert r.status_code == 200 and reply is not None  # the channel still serves


def test_non_text_messages_and_subscribe(stack):
    openid = new_openid()
    r, reply = deliver(stack, event_xml(openid, "subscribe"), encrypted=True)
    assert "投诉" in reply["Content"] and "您" in reply["Content"]
    r, reply = deliver(stack, image_xml(openid, msg_id()))
    assert r.status_code == 200 and "文字" in reply["Content"]
    r, _ = deliver(stack, event_xml(openid, "unsubscribe"))
    assert (r.status_code, r.text) == (200, "success")
    assert user_texts(stack, openid) == []  # none of them was a bot turn


def test_three_concurrent_retries_make_one_bot_turn(stack):
    openid, mid = new_openid(), msg_id()
    xml = text_xml(openid, "你好", mid)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: deliver(stack, xml), range(3)))
    assert all(r.status_code == 200 for r, _ in results)
    assert sum(reply is not None for _, reply in results) >= 1
    # a fourth, after the first finished, is answered from the store, not by the bot
    r, reply = deliver(stack, xml)
    assert r.status_code == 200
    assert user_texts(stack, openid) == ["你好"]


def test_a_slow_turn_is_acknowledged_and_answered_through_the_custom_api(stack, fake_wechat):
    openid = new_openid()
    deliver(stack, text_xml(openid, "你好", msg_id()))
    # Make the next turn genuinely slow: an agent-style send that WeChat leaves unanswered
    # holds the conversation's lock in Rasa until the channel's API timeout (5 s) gives up, so
    # the customer's next message waits behind it and misses the 4.5 s deadline.
    fake_wechat.delay(openid, 7)
    held = {}
    holder = threading.Thread(target=lambda: held.update(r=requests.post(
        f"{stack.rasa_url}/conversations/{openid}/tracker/events",
        params={"token": stack.rasa_token, "output_channel": "latest", "execute_side_effects": "true"},
        json=[{"event": "bot", "text": "（慢速发送）"}], timeout=30)))
    holder.start()
    # the slow send has reached WeChat (the fake took its delay): Rasa holds the lock now
    wait_for(lambda: openid not in fake_wechat.delays, "the agent's send to reach WeChat")
    r, reply = deliver(stack, text_xml(openid, "我的信用卡被盗刷了", msg_id()))
    # acknowledged, not answered: the channel stopped waiting at its deadline (4.5 s, under
    # WeChat's 5; that figure is tests/wechat/test_channel.py's, this only shows the late path)
    assert (r.status_code, r.text, reply) == (200, "success", None)
    holder.join()
    assert held["r"].status_code == 500  # the timed-out send is an error for the caller
    sent = fake_wechat.wait_sent(openid, 2, timeout=30)
    assert len(sent) == 2 and "（慢速发送）" in sent, sent
    late = [t for t in sent if t != "（慢速发送）"][0]
    assert re.search(r"抱歉|理解|着急|不便", late), sent
    assert user_texts(stack, openid) == ["你好", "我的信用卡被盗刷了"]


def open_handoff(stack, fake_wechat):
    customer = WeChatCustomer(stack, fake_wechat, {})
    first = customer.say("转人工")
    assert first and re.search(r"人工|客服|同事", "\n".join(first)), first
    items = stack.casedesk("GET", "/api/handoffs", params={"conversation_id": customer.sender}).json()["items"]
    assert len(items) == 1
    return customer, items[0]


def test_an_agent_reply_reaches_wechat_and_lists_mask_the_openid(stack, fake_wechat):
    customer, handoff = open_handoff(stack, fake_wechat)
    assert handoff["channel"] == "wechat"
    assert MASKED.match(handoff["conversation_id"]) and handoff["conversation_id"] != customer.sender
    assert customer.say("人呢？") == []  # paused: the bot says nothing, WeChat gets `success`
    text = "您好，我是客服小王，您的问题我来处理，请稍等。"
    r = stack.casedesk("POST", f"/api/handoffs/{handoff['id']}/messages", json={"text": text}, headers=AGENT)
    assert r.status_code == 201 and r.json()["delivery"] == "sent", r.text
    assert text in fake_wechat.wait_sent(customer.sender, 1)
    cases = stack.casedesk("GET", "/api/cases", params={"conversation_id": customer.sender}).json()["items"]
    assert cases and all(c["conversation_id"] == handoff["conversation_id"] for c in cases)
    detail = stack.casedesk("GET", f"/api/cases/{handoff['case_no']}", headers=AGENT).json()
    assert detail["conversation_id"] == customer.sender and detail["channel"] == "wechat"


def test_a_failed_send_is_recorded_as_failed(stack, fake_wechat):
    customer, handoff = open_handoff(stack, fake_wechat)
    fake_wechat.fail(customer.sender, 45015)  # WeChat: out of the 48-hour window / unfollowed
    r = stack.casedesk("POST", f"/api/handoffs/{handoff['id']}/messages",
                       json={"text": "您好，还在吗？"}, headers=AGENT)
    assert r.status_code == 201 and r.json()["delivery"] == "failed", r.text
    detail = stack.casedesk("GET", f"/api/handoffs/{handoff['id']}", headers=AGENT).json()
    assert [t["delivery"] for t in detail["transcript"] if t["role"] == "agent"] == ["failed"]


def test_a_whole_complaint_filed_from_wechat(stack, fake_wechat):
    customer = WeChatCustomer(stack, fake_wechat, {
        "customer_name": "我叫王建国", "phone": "13812345678", "occurred_at": "昨天",
        "amount": "五千块", "demand": "希望尽快退回被盗的钱",
    }, encrypted=True)
    case_no = customer.converse("你好，我的信用卡昨天被盗刷了五千块")
    case = stack.casedesk("GET", f"/api/cases/{case_no}", headers=AGENT).json()
    assert case["channel"] == "wechat" and case["conversation_id"] == customer.sender
    assert case["category"] == "transaction_dispute"
    listed = stack.casedesk("GET", "/api/cases", params={"conversation_id": customer.sender}).json()["items"]
    assert [c["case_no"] for c in listed] == [case_no]
    assert MASKED.match(listed[0]["conversation_id"])
    assert CASE_NO.search("\n".join(customer.transcript[-1][1]))
