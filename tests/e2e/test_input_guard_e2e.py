"""What a stranger sends cannot stop, slow or steer the service (issue 18), on the real stack.

Each test here reproduces a defect of the attack run and failed before its fix: a malformed
sender id stopped Rasa, an unauthenticated REST caller took over a WeChat customer's complaint,
a 50,000-character message held every other customer up, streaming requests with a null message
never completed, and an action-server crash left the customer with an empty reply. The fuzz
tests send a few hundred random inputs per channel (bench/guard_bench.py sends thousands) and
check after each batch that Rasa still answers a normal customer.
"""
from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
import requests
import socketio
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot.channels import guard
from tests.e2e.dialogue import CASE_NO, Customer
from tests.e2e.test_wechat_e2e import WeChatCustomer

REST = "/webhooks/rest/webhook"


def post(stack, body, token: str | None = "", raw: bytes | None = None, params=None, timeout=30):
    headers = {"Content-Type": "application/json"}
    token = stack.rest_token if token == "" else token
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(f"{stack.rasa_url}{REST}", data=data, headers=headers, params=params, timeout=timeout)


def assert_serves_a_customer(stack) -> None:
    replies = stack.say(stack.new_sender("ok"), "你好")
    assert replies and all(r.strip() for r in replies), replies


def user_texts(stack, conversation_id: str) -> list[str]:
    r = requests.get(f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
                     params={"token": stack.rasa_token, "include_events": "ALL"}, timeout=10)
    r.raise_for_status()
    return [e.get("text") for e in r.json()["events"] if e["event"] == "user"]


# -- the REST channel -------------------------------------------------------------------------

@pytest.mark.parametrize("sender", ["\ud800", "a\x00b", "x" * 300, "", "王五", "rest:abc", 12, None])
def test_a_malformed_sender_id_is_refused_and_rasa_keeps_serving(stack, sender):
    # json.dumps writes a lone surrogate as the escape "\ud800", exactly as the attack sent it
    r = post(stack, {"sender": sender, "message": "hi"})
    assert r.status_code == 400, r.text
    assert r.json()["error"] in ("bad_sender", "bad_request") and r.json()["message"]
    assert stack.procs["rasa"].poll() is None
    assert_serves_a_customer(stack)


def test_rest_requires_the_bearer_token(stack):
    sender = stack.new_sender("auth")
    for token in (None, "wrong", stack.rasa_token):
        r = post(stack, {"sender": sender, "message": "你好"}, token=token)
        assert r.status_code == 401, r.text
        assert "令牌" in r.json()["message"]
    r = requests.get(f"{stack.rasa_url}/conversations/{stack.conversation_id(sender)}/tracker",
                     params={"token": stack.rasa_token}, timeout=10)
    assert [e for e in r.json()["events"] if e["event"] == "user"] == []
    assert post(stack, {"sender": sender, "message": "你好"}).status_code == 200


@pytest.mark.parametrize("raw", [
    b'{"sender": "s1", "message": null}', b'{"sender": "s1"}', b'["s1", "hi"]', b"not json",
    b'{"sender": "s1", "message": {"text": "hi"}}', b"\xff\xfe", b'{"sender": "s1", "message": 5}',
])
def test_bad_bodies_get_a_400_in_chinese(stack, raw):
    r = post(stack, None, raw=raw)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "bad_request" and "请求格式" in r.json()["message"]


def test_streaming_is_refused_and_never_hangs(stack):
    for body in ({"sender": "s1", "message": None}, {"sender": "s1", "message": "你好"}):
        r = post(stack, body, params={"stream": "true"}, timeout=10)
        assert r.status_code == 400 and r.json()["error"] == "stream_unsupported", r.text
    assert_serves_a_customer(stack)


def test_an_oversized_message_gets_a_polite_reply_and_is_not_processed(stack):
    sender = stack.new_sender("long")
    r = post(stack, {"sender": sender, "message": "我要投诉" * 12_500})  # 50,000 characters
    assert r.status_code == 200, r.text
    assert [m["text"] for m in r.json()] == [guard.too_long_reply()]
    assert r.json()[0]["recipient_id"] == sender
    assert user_texts(stack, stack.conversation_id(sender)) == []
    r = post(stack, {"sender": sender, "message": "x" * 1_100_000})
    assert r.status_code == 413 and "过大" in r.json()["message"]


def test_a_long_story_is_kept_whole_while_nlu_reads_its_start(stack):
    story = "我的信用卡昨天被盗刷了五千块，" + "当时我人在家里，卡一直在身上，短信提醒才知道。" * 180
    assert guard.NLU_MAX_CHARS < len(story) <= guard.MAX_MESSAGE_CHARS
    sender = stack.new_sender("story")
    replies = stack.say(sender, story)
    assert replies and all(r.strip() for r in replies), replies
    tracker = stack.tracker(sender)
    users = [e for e in tracker["events"] if e["event"] == "user"]
    assert users[-1]["text"] == story  # the whole story, for the description and transcript
    assert len(users[-1]["parse_data"]["text"]) <= guard.NLU_MAX_CHARS
    assert users[-1]["parse_data"]["intent"]["name"] == "complain"


def test_control_characters_are_cleaned_before_nlu(stack):
    sender = stack.new_sender("ctl")
    replies = stack.say(sender, "我的卡\x00被\ud800盗刷了\x07")
    assert replies
    assert user_texts(stack, stack.conversation_id(sender))[-1] == "我的卡被盗刷了"


def test_a_rest_caller_cannot_reach_a_wechat_customers_conversation(stack, fake_wechat):
    """The hijack of the attack run: posting as a WeChat customer's OpenID over REST showed the
    read-back and filed the case with the attacker's phone, and agent replies stopped reaching
    the customer on WeChat."""
    customer = WeChatCustomer(stack, fake_wechat, {
        "customer_name": "我叫郑秀英", "phone": "13911112222", "branch": "朝阳路支行",
        "occurred_at": "昨天", "amount": "两千元", "demand": "查清楚退钱",
    })
    readback = "\n".join(customer.answer(customer.say("我的卡昨天被人盗刷了两千块"), until="confirm"))
    assert "郑秀英" in readback, customer.transcript
    before = user_texts(stack, customer.sender)

    seen = []
    for text in ("电话不对，是13800009999", "确认"):
        r = post(stack, {"sender": customer.sender, "message": text})
        assert r.status_code == 200, r.text
        seen += [m.get("text", "") for m in r.json()]
    assert not any("郑秀英" in t or "1391" in t or "2222" in t or CASE_NO.search(t) for t in seen), seen
    assert user_texts(stack, customer.sender) == before  # nothing reached the customer's conversation
    assert not stack.casedesk("GET", "/api/cases", params={"conversation_id": customer.sender}).json()["items"]

    case_no = CASE_NO.search("\n".join(customer.say("确认")))
    assert case_no, customer.transcript
    case = stack.casedesk("GET", f"/api/cases/{case_no.group(0)}").json()
    assert case["phone"] == "13911112222" and case["channel"] == "wechat"
    assert case["conversation_id"] == customer.sender


# -- the socket.io channel --------------------------------------------------------------------

async def _socket_session(stack, session_id, messages, wait_for_reply: bool):
    client = socketio.AsyncClient(reconnection=False)
    replies: list = []
    confirmed: asyncio.Queue = asyncio.Queue()
    got_reply = asyncio.Event()

    @client.on("session_confirm")
    async def on_confirm(data):
        await confirmed.put(data)

    @client.on("bot_uttered")
    async def on_bot(data):
        replies.append(data)
        got_reply.set()

    # long-polling: this engineio release's websocket transport needs a newer aiohttp than Rasa pins
    await client.connect(stack.rasa_url, transports=["polling"], socketio_path="/socket.io")
    try:
        await client.emit("session_request", {"session_id": session_id})
        confirmed_id = await asyncio.wait_for(confirmed.get(), 10)
        for message in messages:
            await client.emit("user_uttered", message(confirmed_id) if callable(message) else message)
        if wait_for_reply:
            await asyncio.wait_for(got_reply.wait(), 30)
        else:
            await asyncio.sleep(0.5)  # let the server run whatever it was sent
    finally:
        await client.disconnect()
    return confirmed_id, replies


def test_socketio_session_ids_are_uuids_only(stack):
    openid = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"
    for bad in ("\ud800", "a\x00b", openid, "rest:abc", None, 7):
        confirmed, _ = asyncio.run(_socket_session(stack, bad, [], wait_for_reply=False))
        assert guard.valid_sender("socketio", confirmed) and confirmed != bad
    # a message naming another conversation is dropped, and the server keeps serving
    asyncio.run(_socket_session(stack, None, [
        {"message": "电话不对，是13800009999", "session_id": openid},
        {"message": "hi", "session_id": "\ud800"},
        {"message": "hi", "session_id": "a\x00b"},
        "not a dict",
    ], wait_for_reply=False))
    r = requests.get(f"{stack.rasa_url}/conversations/{openid}/tracker",
                     params={"token": stack.rasa_token}, timeout=10)
    assert [e for e in r.json()["events"] if e["event"] == "user"] == []
    assert stack.procs["rasa"].poll() is None
    session, replies = asyncio.run(_socket_session(
        stack, uuid.uuid4().hex, [lambda sid: {"message": "你好", "session_id": sid}], wait_for_reply=True))
    assert replies and replies[0].get("text")


def test_socketio_oversized_message_gets_the_polite_reply(stack):
    _, replies = asyncio.run(_socket_session(
        stack, uuid.uuid4().hex, [lambda sid: {"message": "长" * 50_000, "session_id": sid}], wait_for_reply=True))
    assert replies[0]["text"] == guard.too_long_reply()


# -- failures answered, nothing lost ----------------------------------------------------------

def test_an_action_server_crash_gets_a_clear_reply_and_the_complaint_goes_on(stack):
    customer = Customer(stack, {
        "customer_name": "我叫钱多多", "phone": "13744445555", "branch": "朝阳路支行",
        "occurred_at": "昨天", "amount": "三百元", "demand": "退手续费",
    })
    replies = customer.answer(customer.say("你们乱收我三百块手续费"), until="confirm")
    stack.stop("actions")
    try:
        down = customer.say("确认")
        assert down and any("出了点问题" in r and "再发一次" in r for r in down), down
        assert not CASE_NO.search("\n".join(down))
    finally:
        stack.start("actions")
        stack.wait_ready("actions")
    found = CASE_NO.search("\n".join(customer.say("确认")))
    assert found, customer.transcript
    items = stack.casedesk("GET", "/api/cases",
                           params={"conversation_id": stack.conversation_id(customer.sender)}).json()["items"]
    assert [c["case_no"] for c in items] == [found.group(0)]
    assert replies


# -- fuzz -------------------------------------------------------------------------------------

_texts = st.text(st.characters(blacklist_categories=()), max_size=60)
_values = st.one_of(st.none(), st.integers(), st.booleans(), _texts, st.lists(_texts, max_size=2),
                    st.dictionaries(_texts, _texts, max_size=2))
_valid_senders = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,20}", fullmatch=True)
_bodies = st.one_of(
    # a well-formed request whose text is anything: it reaches NLU, the tracker and the actions
    st.fixed_dictionaries({"sender": _valid_senders, "message": _texts},
                          optional={"metadata": _values, "input_channel": _values}),
    # anything else
    st.fixed_dictionaries({"sender": st.one_of(_texts, _values), "message": st.one_of(_texts, _values)},
                          optional={"metadata": _values, "input_channel": _values}),
    _values,
)


def test_fuzz_rest_channel(stack):
    statuses: dict[int, int] = {}

    @seed(18)
    @settings(max_examples=200, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(body=_bodies)
    def one(body):
        # ASCII JSON: a lone surrogate arrives as the escape "\ud800", as in the attack
        raw = json.dumps(body).encode()
        r = post(stack, None, raw=raw)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert r.status_code in (200, 400), (r.status_code, r.text)
        if r.status_code == 200:
            assert isinstance(r.json(), list)
        else:
            assert set(r.json()) == {"error", "message"}

    one()
    assert stack.procs["rasa"].poll() is None
    assert_serves_a_customer(stack)
    assert statuses.get(200) and statuses.get(400), statuses


def test_fuzz_socketio_channel(stack):
    payloads = st.lists(st.one_of(
        st.fixed_dictionaries({"message": st.one_of(_texts, _values), "session_id": st.one_of(_texts, _values)},
                              optional={"metadata": _values, "customData": _values}),
        _values,
    ), min_size=1, max_size=5)

    @seed(18)
    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(session_id=st.one_of(_texts, _values), messages=payloads)
    def one(session_id, messages):
        asyncio.run(_socket_session(stack, session_id, messages, wait_for_reply=False))

    one()
    assert stack.procs["rasa"].poll() is None
    _, replies = asyncio.run(_socket_session(
        stack, uuid.uuid4().hex, [lambda sid: {"message": "你好", "session_id": sid}], wait_for_reply=True))
    assert replies and replies[0].get("text")


def test_no_secret_on_any_command_line(stack):
    """`ps` shows every process's argv to every local user: Rasa's API token used to be there."""
    secrets_ = (stack.rasa_token, stack.rest_token, stack.casedesk_token)
    seen = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().decode("utf-8", "replace")
        except OSError:  # the process ended meanwhile
            continue
        seen += 1
        assert not any(s in argv for s in secrets_), argv.replace("\x00", " ")[:200]
    assert seen and stack.procs["rasa"].poll() is None
    rasa_argv = Path(f"/proc/{stack.procs['rasa'].pid}/cmdline").read_bytes().split(b"\x00")
    assert b"bot.rasa_server" in rasa_argv and b"--enable-api" in rasa_argv
