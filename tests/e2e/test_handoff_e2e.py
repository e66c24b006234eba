"""Escalation and handoff end to end: the real Rasa (with the escalation detector in its NLU
pipeline), the real action server and the real case desk, which talks back to Rasa's HTTP API.

A customer escalates; the bot says a person is coming and goes silent; what the customer writes
meanwhile reaches the case desk; an agent's reply reaches the customer; release hands the
conversation back to the bot, which answers again without replaying old questions.
"""
from __future__ import annotations

import asyncio
import re
import time
import uuid

import requests
import socketio

from tests.e2e.dialogue import CASE_NO, Customer, topic_of, wait_for

HANDED_OFF = re.compile(r"转接?人工|转人工|人工客服")
AGENT = {"X-Actor": "agent.li"}


def handoffs_of(stack, sender):
    r = stack.casedesk("GET", "/api/handoffs", params={"conversation_id": stack.conversation_id(sender)})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def handoff_detail(stack, handoff_id):
    r = stack.casedesk("GET", f"/api/handoffs/{handoff_id}", headers=AGENT)
    assert r.status_code == 200, r.text
    return r.json()


def turns(detail, role):
    return [t["text"] for t in detail["transcript"] if t["role"] == role]


def bot_texts(stack, sender):
    # ALL: a closed conversation is restarted, and Rasa hides what came before a restart
    r = requests.get(f"{stack.rasa_url}/conversations/{stack.conversation_id(sender)}/tracker",
                     params={"token": stack.rasa_token, "include_events": "ALL"}, timeout=10)
    r.raise_for_status()
    return [e.get("text") for e in r.json()["events"] if e["event"] == "bot"]


def agent_post(stack, handoff_id, action, **body):
    return stack.casedesk("POST", f"/api/handoffs/{handoff_id}/{action}", json=body, headers=AGENT)


def test_media_threat_hands_off_the_bot_goes_silent_and_the_agent_takes_over(stack):
    customer = Customer(stack, {})
    first = customer.say("你们乱扣我信用卡年费，打了三次电话都没人管，再不处理我就发到网上曝光你们！")
    joined = "\n".join(first)
    assert HANDED_OFF.search(joined), first
    assert re.search(r"约\s*\d+\s*分钟", joined), first  # the expected wait
    case_no = CASE_NO.search(joined).group(0)

    (handoff,) = handoffs_of(stack, customer.sender)
    assert handoff["reason"] == "media" and handoff["status"] == "waiting"
    assert handoff["case_no"] == case_no
    case = stack.casedesk("GET", f"/api/cases/{case_no}").json()
    assert case["priority"] == "high" and case["handoff_reason"] == "media"
    assert "年费" in case["description"]

    # Handed off: the bot says nothing, but the agent sees what the customer writes.
    assert customer.say("人呢？怎么还没人理我") == []
    detail = wait_for(lambda: (d := handoff_detail(stack, handoff["id"]))
                      and any("人呢" in t for t in turns(d, "customer")) and d, timeout=5)
    assert detail, "客户在转人工期间的留言没有同步到工作台"

    r = agent_post(stack, handoff["id"], "claim")
    assert r.status_code == 200, r.text
    reply = "您好，我是客服小李，年费的事我来帮您核实，请您稍等。"
    r = agent_post(stack, handoff["id"], "messages", text=reply)
    assert r.status_code == 201 and r.json()["delivery"] == "sent", r.text
    assert reply in bot_texts(stack, customer.sender)
    note = "内部：客户情绪激动，注意语气"
    assert agent_post(stack, handoff["id"], "messages", text=note, internal=True).status_code == 201
    assert note not in bot_texts(stack, customer.sender)

    # Still silent while the agent has it, also when the customer types Rasa's shortcut.
    assert customer.say("好的，那你快点") == []
    assert customer.say("/restart") == []
    assert customer.say("你好") == []  # "/restart" did not end the pause

    r = agent_post(stack, handoff["id"], "release")
    assert r.status_code == 200, r.text
    assert handoffs_of(stack, customer.sender)[0]["status"] == "closed"
    assert any(re.search(r"人工客服已|由我继续|处理完毕", t or "") for t in bot_texts(stack, customer.sender))

    # Back with the bot: it answers again and does not ask for what the old form wanted.
    back = customer.say("好的谢谢")
    assert back, "交还机器人后助手没有回复"
    assert all(topic_of(t) is None for t in back), back


def test_a_customer_who_threatens_self_harm_gets_care_and_the_front_of_the_queue(stack):
    other = Customer(stack, {})
    assert HANDED_OFF.search("\n".join(other.say("你们再不处理我就去抖音曝光你们")))
    customer = Customer(stack, {})
    replies = "\n".join(customer.say("钱要不回来我就从你们楼上跳下去"))
    assert "担心您" in replies and "110" in replies and "12356" in replies, replies
    assert not re.search(r"排在第|分钟", replies), replies  # no queue talk to a customer in danger
    (handoff,) = handoffs_of(stack, customer.sender)
    assert handoff["reason"] == "self_harm" and handoff["status"] == "waiting"
    waiting = stack.casedesk("GET", "/api/handoffs", params={"status": "waiting"}).json()["items"]
    assert waiting[0]["id"] == handoff["id"], [(h["reason"], h["id"]) for h in waiting[:3]]
    case = stack.casedesk("GET", f"/api/cases/{handoff['case_no']}").json()
    assert case["priority"] == "high" and case["handoff_reason"] == "self_harm"
    assert customer.say("你们都不管我") == []  # a person is on the way: the bot stays silent


def test_asking_for_a_person_inside_the_form_ends_the_form(stack):
    customer = Customer(stack, {})
    first = customer.say("我的借记卡被冻结了，去网点也办不了")
    assert first and not HANDED_OFF.search("\n".join(first))
    replies = customer.say("我不想跟机器说，转人工")
    assert HANDED_OFF.search("\n".join(replies)), replies
    (handoff,) = handoffs_of(stack, customer.sender)
    assert handoff["reason"] == "human"
    assert customer.say("13812345678") == []


def test_non_threat_mentions_do_not_hand_off(stack):
    customer = Customer(stack, {})
    replies = customer.say("我以前是记者，想问下你们ATM吞卡了怎么处理")
    assert replies and not HANDED_OFF.search("\n".join(replies)), replies
    assert handoffs_of(stack, customer.sender) == []


def test_a_third_failed_answer_is_recorded_as_not_given_and_brings_no_person(stack):
    # issue 12: a customer who cannot answer is offered the hotline, never handed over for it
    customer = Customer(stack, {"customer_name": "赵敏"})
    customer.answer(customer.say("我的借记卡被冻结了，去网点也办不了，耽误我好多事"), until="phone")
    customer.say("12345")
    customer.say("1234567")
    third = "\n".join(customer.say("就是那个号啊"))
    assert not HANDED_OFF.search(third), customer.transcript
    assert "热线" in third and topic_of(customer.transcript[-1][1][-1]) != "phone", customer.transcript
    assert handoffs_of(stack, customer.sender) == []


def test_close_ends_the_conversation_and_the_next_message_starts_afresh(stack):
    customer = Customer(stack, {})
    customer.say("你们这个破银行我忍无可忍了，我要去银保监会投诉你们")
    (handoff,) = handoffs_of(stack, customer.sender)
    assert handoff["reason"] == "regulator"
    assert agent_post(stack, handoff["id"], "close").status_code == 200
    assert any(re.search(r"本次(服务|会话)已?结束|结束本次", t or "") for t in bot_texts(stack, customer.sender))
    assert customer.say("你好"), "结束会话后助手没有回复"


def test_an_agent_reply_reaches_a_web_chat_customer_live(stack):
    sender = uuid.uuid4().hex  # the web chat's session ids are UUIDs (bot/channels/socketio.py)
    reply = "您好，我是客服小王，您的情况我已看到，马上帮您处理。"

    async def scenario():
        received: asyncio.Queue = asyncio.Queue()
        sio = socketio.AsyncClient()
        sio.on("bot_uttered", lambda data: received.put_nowait((data or {}).get("text") or ""))
        await sio.connect(stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
        try:
            await sio.emit("session_request", {"session_id": sender})
            await asyncio.sleep(0.3)
            await sio.emit("user_uttered", {"message": "我要找人工客服，机器人说不清楚", "session_id": sender})
            first = await _collect(received, lambda t: HANDED_OFF.search(t), 20)
            assert first, "网页客户没有收到转人工的提示"
            r = await asyncio.to_thread(stack.casedesk, "GET", "/api/handoffs", params={"conversation_id": sender})
            (handoff,) = r.json()["items"]
            r = await asyncio.to_thread(agent_post, stack, handoff["id"], "messages", text=reply)
            assert r.status_code == 201 and r.json()["delivery"] == "sent", r.text
            got = await _collect(received, lambda t: t == reply, 5)
            assert got, "坐席回复没有实时送达网页客户"
        finally:
            await sio.disconnect()

    asyncio.run(scenario())


async def _collect(queue: asyncio.Queue, matches, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            text = await asyncio.wait_for(queue.get(), timeout=max(0.05, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            break
        if matches(text):
            return text
    return None


def test_a_handoff_during_a_case_desk_outage_reaches_the_queue_when_it_is_back(stack):
    customer = Customer(stack, {})
    stack.stop("casedesk")
    try:
        replies = customer.say("你们再这样乱扣款，我就去法院起诉你们！")
        joined = "\n".join(replies)
        assert HANDED_OFF.search(joined) and not CASE_NO.search(joined), replies
        assert customer.say("我的电话是13812345678，尽快联系我") == []
    finally:
        stack.start("casedesk")
        stack.wait_ready("casedesk")
    items = wait_for(lambda: handoffs_of(stack, customer.sender), timeout=60, interval=1)
    assert len(items) == 1 and items[0]["reason"] == "regulator", items
    # what the customer wrote while nobody was listening is in the agent's transcript
    detail = wait_for(lambda: (d := handoff_detail(stack, items[0]["id"]))
                      and any("尽快联系我" in t for t in turns(d, "customer")) and d, timeout=10)
    assert detail, "案件台恢复后，转人工期间的客户留言没有同步"
    time.sleep(2)
    assert len(handoffs_of(stack, customer.sender)) == 1
