"""The notice outbox (issue 14) through the real app on SQLite and PostgreSQL: each lifecycle step
the customer is told of makes one notice, once — again and again, after a restart, with two
outboxes at once; the texts come from data/notices.yml with the case number, the new date and
the reason; the web chat gets only its own conversation's notices; SMS go through the pluggable
sender (the fake records the masked number), are retried and never sent twice."""
from __future__ import annotations

import asyncio
import dataclasses
import uuid
from pathlib import Path
from typing import Any, List, Tuple

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.casedesk import db as dbmod
from bot.casedesk.customer import notices
from bot.casedesk.console.users import create_user
from bot.casedesk.db import DB_KEY
from bot.casedesk.app import init_app
from bot.casedesk.customer.notice_texts import Kind, NoticeTextError, TextSource, load, parse
from bot.casedesk.settings import DEFAULT_NOTICE_TEXTS, NoticeSettings, Settings

from tests.actions.test_no_promises import PROMISES

from .helpers import Api, Clock

SUPERVISOR = "zhao.min"
EXTEND_REASON = "需向发卡机构调取交易凭证，客户电话13812345678已告知"
PAUSE_REASON = "送司法鉴定中心鉴定签名真伪"
DECISION = {"outcome": "partly_supported", "liability": "shared", "amount": "2,500.50",
            "reasons": "经调取监控核实，网点未提示风险，客户亦未妥善保管密码，双方均有责任。"}


class RecordingSender:
    def __init__(self, fail: int = 0) -> None:
        self.sent: List[Tuple[str, str]] = []
        self.fail = fail

    async def send(self, phone: str, text: str) -> str:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("gateway down")
        self.sent.append((phone, text))
        return f"gw-{len(self.sent)}"


@pytest.fixture
def quiet(settings: Settings) -> Settings:
    # no loop: each test runs the outbox's passes itself
    return dataclasses.replace(settings, notices=NoticeSettings(dispatch_seconds=0))


async def start(settings: Settings) -> Tuple[TestClient, Api]:
    client = TestClient(TestServer(init_app(settings), host="127.0.0.1"))
    await client.start_server()
    return client, Api(client)


@pytest.fixture
async def api(quiet: Settings) -> Any:
    client, api = await start(quiet)
    try:
        yield api
    finally:
        await client.close()


def outbox(api: Api) -> notices.Outbox:
    return api.app[notices.OUTBOX_KEY]


async def file_case(api: Api, **fields: Any) -> Tuple[str, str]:
    fields.setdefault("conversation_id", uuid.uuid4().hex)
    code, body = await api.create(**fields)
    assert code == 201, body
    return body["case_no"], fields["conversation_id"]


async def post(api: Api, no: str, sub: str, body: Any = None, expect: int = 201) -> Any:
    code, answer = await api.call("POST", f"/api/cases/{no}/{sub}", json=body, headers={"X-Actor": "agent:li"})
    assert code == expect, answer
    return answer


async def walk_lifecycle(api: Api, clock: Clock, no: str) -> None:
    """file → extend to 30 days → pause → resume → decide."""
    await create_user(api.app[DB_KEY], SUPERVISOR, "pw-" + "x" * 12, "supervisor", "赵敏", None)
    code, body = await api.call("PATCH", f"/api/cases/{no}", json={"status": "in_progress"})
    assert code == 200, body
    await post(api, no, "extensions", {"days": 30, "reason": EXTEND_REASON, "approved_by": SUPERVISOR})
    clock.advance(days=2)
    await post(api, no, "pause", {"reason": PAUSE_REASON})
    clock.advance(days=3)
    await post(api, no, "pause/end", {"note": "鉴定结论已收到"}, expect=200)
    clock.advance(days=1)
    await post(api, no, "decision", DECISION)


async def web_notices(api: Api, session_id: Any) -> Tuple[int, Any]:
    return await api.call("POST", "/chat/notices", json={"session_id": session_id}, auth=False)


async def test_each_step_makes_one_notice_once_with_its_text(api: Api, clock: Clock) -> None:
    no, conversation = await file_case(api)
    await walk_lifecycle(api, clock, no)
    assert await outbox(api).make() == 5
    assert await outbox(api).make() == 0  # again: nothing new

    made = await notices.of_case(api.app[DB_KEY], no)
    assert [n.kind for n, _ in made] == ["accepted", "extended", "paused", "resumed", "decided"]
    assert all([d.route for d in ds] == ["web"] for _, ds in made)
    texts = {n.kind: n.text for n, _ in made}
    assert all(no in t for t in texts.values())
    lifecycle = (await api.call("GET", f"/api/cases/{no}/lifecycle"))[1]
    due30 = lifecycle["extensions"][0]["new_due_at"]
    y, m, d = (int(x) for x in due30[:10].split("-"))
    assert f"{y}年{m}月{d}日" in texts["extended"]
    # the reason as the agent typed it, the phone in it masked
    assert "需向发卡机构调取交易凭证，客户电话138****5678已告知" in texts["extended"] and "13812345678" not in texts["extended"]
    assert PAUSE_REASON in texts["paused"]
    assert "部分支持您的诉求" in texts["decided"] and "申请核查" in texts["decided"]
    assert "您的投诉已受理" in texts["accepted"]
    for text in texts.values():
        assert "您" in text and "{" not in text and "}" not in text
        assert not PROMISES.search(text), text  # rendered, the outcome's words included

    # the chat page of this conversation sees all five, oldest first; the web route is then shown
    code, body = await web_notices(api, conversation)
    assert code == 200
    assert [i["kind"] for i in body["items"]] == ["accepted", "extended", "paused", "resumed", "decided"]
    assert body["items"][0]["title"] == "投诉已受理" and body["items"][0]["case_no"] == no
    made = await notices.of_case(api.app[DB_KEY], no)
    assert {d.status for _, ds in made for d in ds} == {"shown"}
    # and again, after closing the tab: the same list
    assert (await web_notices(api, conversation))[1]["items"] == body["items"]


async def latest_update(api: Api, conversation: str, no: str) -> Any:
    code, body = await api.call("POST", "/api/progress/lookup",
                                json={"conversation_id": conversation, "case_no": no, "phone_last4": "5678"})
    assert code == 200, body
    return body["latest_update"]


async def test_the_progress_lookup_reads_the_newest_notice_after_the_accepted_one(api: Api, clock: Clock) -> None:
    no, conversation = await file_case(api)
    await outbox(api).make()
    # told only of 受理, which the status already says: no update yet
    assert await latest_update(api, conversation, no) is None
    await create_user(api.app[DB_KEY], SUPERVISOR, "pw-" + "x" * 12, "supervisor", "赵敏", None)
    assert (await api.call("PATCH", f"/api/cases/{no}", json={"status": "in_progress"}))[0] == 200
    await post(api, no, "extensions", {"days": 30, "reason": EXTEND_REASON, "approved_by": SUPERVISOR})
    # a step the outbox has not turned into a notice yet is not read from the history
    assert await latest_update(api, conversation, no) is None
    await outbox(api).make()
    update = await latest_update(api, conversation, no)
    sent = (await notices.of_case(api.app[DB_KEY], no))[-1][0]
    assert sent.kind == "extended" and update.endswith(sent.text) and update.startswith("（")
    assert "138****5678" in update and "13812345678" not in update
    clock.advance(days=2)
    await post(api, no, "pause", {"reason": PAUSE_REASON})
    await outbox(api).make()
    update = await latest_update(api, conversation, no)
    assert PAUSE_REASON in update and "延长" not in update
    # an internal note never becomes the update
    await api.call("POST", f"/api/cases/{no}/transcript", json={"turns": [{"role": "note", "text": "内部：客户难缠"}]})
    assert "内部" not in await latest_update(api, conversation, no)


async def test_the_api_lists_a_cases_notices_and_their_routes(api: Api, clock: Clock) -> None:
    no, conversation = await file_case(api, channel="wechat", conversation_id="wechat:oApiList")
    await walk_lifecycle(api, clock, no)
    await outbox(api).make()
    code, body = await api.call("GET", f"/api/cases/{no}/notices")
    assert code == 200, body
    assert body["case_no"] == no
    assert [i["kind"] for i in body["items"]] == ["accepted", "extended", "paused", "resumed", "decided"]
    made = await notices.of_case(api.app[DB_KEY], no)
    assert [i["text"] for i in body["items"]] == [n.text for n, _ in made]
    # a WeChat case without the WeChat route gets SMS, pending until the sender's pass
    first = body["items"][0]["deliveries"]
    assert [(d["route"], d["status"], d["attempts"]) for d in first] == [("sms", "pending", 0)]
    assert first[0]["recipient"] == "138****5678" and "13812345678" not in str(body)
    # a case with no notice yet lists none; an unknown case is 404; the token is required
    other, _ = await file_case(api)
    assert await api.call("GET", f"/api/cases/{other}/notices") == (200, {"case_no": other, "items": []})
    assert (await api.call("GET", "/api/cases/TS20991231000001/notices"))[0] == 404
    assert (await api.call("GET", f"/api/cases/{no}/notices", auth=False))[0] == 401


async def test_a_restarted_desk_makes_no_notice_twice(quiet: Settings, clock: Clock) -> None:
    client, api = await start(quiet)
    try:
        no, _ = await file_case(api)
        await walk_lifecycle(api, clock, no)
        assert await outbox(api).make() == 5
    finally:
        await client.close()
    client, api = await start(quiet)
    try:
        assert await outbox(api).make() == 0
        code, body = await api.call("PATCH", f"/api/cases/{no}", json={"status": "in_progress"})
        assert len(await notices.of_case(api.app[DB_KEY], no)) == 5
    finally:
        await client.close()


async def test_two_outboxes_at_once_make_each_notice_once(api: Api, clock: Clock) -> None:
    cases = [await file_case(api) for _ in range(4)]
    db = api.app[DB_KEY]
    texts = outbox(api).source.get()
    # a second desk instance on the same database
    other = dbmod.Database(db.settings)
    try:
        results = await asyncio.gather(*(notices.make_notices(d, texts) for d in (db, other, db, other)))
    finally:
        await other.dispose()
    assert sum(results) == 4
    for no, _ in cases:
        assert [n.kind for n, _ in await notices.of_case(db, no)] == ["accepted"]


async def test_the_web_chat_sees_only_its_own_conversation(api: Api) -> None:
    mine, my_session = await file_case(api)
    theirs, their_session = await file_case(api)
    await file_case(api, channel="rest", conversation_id="rest:someone")
    code, body = await web_notices(api, my_session)
    assert code == 200 and {i["case_no"] for i in body["items"]} == {mine}
    # a new session, a dashed form of another's id, a REST id, junk: nothing of anyone's
    assert (await web_notices(api, uuid.uuid4().hex))[1]["items"] == []
    dashed = str(uuid.UUID(their_session))
    assert (await web_notices(api, dashed))[1]["items"] == []
    for bad in ("rest:someone", "", None, 42, their_session + "'--", "%", their_session.upper()):
        code, body = await web_notices(api, bad)
        assert code == 400 and body["error"] == "invalid_session", bad
    code, _ = await api.call("POST", "/chat/notices", data=b"not json", auth=False)
    assert code == 400
    code, _ = await api.call("GET", "/chat/notices", auth=False)
    assert code == 405


async def test_sms_for_other_channels_through_the_fake_sender(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    no, _ = await file_case(api, channel="rest", conversation_id=f"rest:{uuid.uuid4().hex[:8]}")
    caplog.set_level("INFO")
    assert await outbox(api).run_once() == (1, 1)
    assert await outbox(api).run_once() == (0, 0)
    ((notice, (delivery,)),) = await notices.of_case(api.app[DB_KEY], no)
    assert (delivery.route, delivery.status, delivery.recipient_masked, delivery.attempts) == ("sms", "sent", "138****5678", 1)
    assert delivery.provider_ref.startswith("fake-")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "138****5678" in logged and "13812345678" not in logged and no in logged
    assert "【本行客服】" in logged


async def test_a_plugged_sender_is_retried_then_given_up_and_never_sends_twice(quiet: Settings) -> None:
    settings = dataclasses.replace(quiet, notices=NoticeSettings(dispatch_seconds=0, max_attempts=3))
    client, api = await start(settings)
    try:
        db = api.app[DB_KEY]
        texts = outbox(api).source.get()
        no, _ = await file_case(api, channel="rest", conversation_id="rest:retry1")
        no2, _ = await file_case(api, channel="rest", conversation_id="rest:retry2", phone=None)
        await outbox(api).make()
        flaky = RecordingSender(fail=1)
        assert await notices.send_sms(db, texts, flaky, 3) == 0
        assert await notices.send_sms(db, texts, flaky, 3) == 1
        assert await notices.send_sms(db, texts, flaky, 3) == 0
        assert len(flaky.sent) == 1
        phone, text = flaky.sent[0]
        assert phone == "13812345678" and no in text and text.startswith("【本行客服】")
        ((_, (d,)),) = await notices.of_case(db, no)
        assert (d.status, d.attempts, d.provider_ref) == ("sent", 2, "gw-1")
        ((_, (skipped,)),) = await notices.of_case(db, no2)
        assert (skipped.status, skipped.error) == ("skipped", "no_phone")

        no3, _ = await file_case(api, channel="rest", conversation_id="rest:retry3")
        await outbox(api).make()
        down = RecordingSender(fail=99)
        for _ in range(5):
            await notices.send_sms(db, texts, down, 3)
        ((_, (failed,)),) = await notices.of_case(db, no3)
        assert (failed.status, failed.attempts, failed.error) == ("failed", 3, "ConnectionError")
    finally:
        await client.close()


async def test_sms_copy_adds_an_sms_to_web_cases(quiet: Settings) -> None:
    settings = dataclasses.replace(quiet, notices=NoticeSettings(dispatch_seconds=0, sms_copy=True))
    client, api = await start(settings)
    try:
        no, _ = await file_case(api)
        assert await outbox(api).run_once() == (1, 1)
        ((_, deliveries),) = await notices.of_case(api.app[DB_KEY], no)
        assert [(d.route, d.status) for d in deliveries] == [("web", "pending"), ("sms", "sent")]
    finally:
        await client.close()


async def test_steps_before_the_migration_send_nothing(quiet: Settings) -> None:
    client, api = await start(quiet)
    try:
        no, _ = await file_case(api)
    finally:
        await client.close()
    # the desk as it was before notices existed, then migrated again
    dbmod.downgrade(quiet, "0010")
    dbmod.run_migrations(quiet)
    client, api = await start(quiet)
    try:
        assert await outbox(api).make() == 0
        assert await notices.of_case(api.app[DB_KEY], no) == []
        later, _ = await file_case(api)
        assert await outbox(api).make() == 1
    finally:
        await client.close()


async def test_the_loop_makes_and_sends_on_its_own(quiet: Settings) -> None:
    settings = dataclasses.replace(quiet, notices=NoticeSettings(dispatch_seconds=0.1))
    client, api = await start(settings)
    try:
        no, _ = await file_case(api, channel="rest", conversation_id="rest:loop")
        for _ in range(100):
            made = await notices.of_case(api.app[DB_KEY], no)
            if made and made[0][1][0].status == "sent":
                break
            await asyncio.sleep(0.05)
        assert made[0][1][0].status == "sent"
    finally:
        await client.close()


# --- the texts ------------------------------------------------------------------------------


def test_the_repository_texts_load_and_cover_every_kind() -> None:
    texts = load(DEFAULT_NOTICE_TEXTS)
    for kind in Kind:
        assert "您" in texts.text(kind) and "{case_no}" in texts.text(kind)
        assert texts.text(kind, "sms").startswith("【") and texts.title(kind)
    assert "{new_due}" in texts.text(Kind.EXTENDED) and "{reason}" in texts.text(Kind.EXTENDED)


def _data() -> Any:
    import yaml

    return yaml.safe_load(DEFAULT_NOTICE_TEXTS.read_text(encoding="utf-8"))


@pytest.mark.parametrize("breakage, message", [
    (lambda d: d["notices"].pop("notice_paused"), "缺少通知 notice_paused"),
    (lambda d: d["notices"]["notice_decided"][0].update(text="处理结果：{amount}"), "不认识的占位符 {amount}"),
    (lambda d: d["notices"]["notice_accepted"][0].update(text="编号 {case_no"), "notice_accepted"),
    (lambda d: d["notices"]["notice_resumed"][0].update(channel="fax"), "channel"),
    (lambda d: d["notices"].update(notice_extended=[{"channel": "sms", "text": "x"}]), "默认文字"),
    (lambda d: d["outcomes"].pop("not_supported"), "not_supported"),
])
def test_a_broken_text_file_is_refused_with_the_notice_named(breakage: Any, message: str) -> None:
    data = _data()
    breakage(data)
    with pytest.raises(NoticeTextError, match=message.replace("{", r"\{").replace("}", r"\}")):
        parse(data)


def test_a_trainers_edit_is_read_again_and_a_bad_one_keeps_the_last_good(tmp_path: Path) -> None:
    import os

    import yaml

    path = tmp_path / "notices.yml"
    data = _data()
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    source = TextSource(path)
    data["notices"]["notice_paused"][0]["text"] = "您的投诉（编号 {case_no}）暂停计时：{reason}。"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    os.utime(path, (1, 1))
    assert source.get().text(Kind.PAUSED) == "您的投诉（编号 {case_no}）暂停计时：{reason}。"
    path.write_text("notices: [", encoding="utf-8")
    os.utime(path, (2, 2))
    assert source.get().text(Kind.PAUSED) == "您的投诉（编号 {case_no}）暂停计时：{reason}。"


def test_a_bad_text_file_stops_the_desk_at_start(tmp_path: Path) -> None:
    path = tmp_path / "notices.yml"
    path.write_text("notices: {}", encoding="utf-8")
    with pytest.raises(NoticeTextError):
        TextSource(path)


def test_settings_from_the_environment() -> None:
    s = NoticeSettings.from_env({"CASEDESK_SMS_SENDER": "mybank.sms:Gateway", "CASEDESK_SMS_COPY": "1",
                                 "CASEDESK_NOTICE_DISPATCH_SECONDS": "2.5"})
    assert (s.sms_sender, s.sms_copy, s.dispatch_seconds) == ("mybank.sms:Gateway", True, 2.5)
    assert NoticeSettings.from_env({}) == NoticeSettings()
    for bad in ({"CASEDESK_SMS_SENDER": "twilio"}, {"CASEDESK_NOTICE_DISPATCH_SECONDS": "soon"},
                {"CASEDESK_NOTICE_DISPATCH_SECONDS": "-1"}):
        with pytest.raises(ValueError):
            NoticeSettings.from_env(bad)
