"""Customer notices on WeChat (issue 14), against the project's fake WeChat API server
(tests/wechat/fake_wechat.py) and the channel's shared store: a 客服消息 while the customer wrote
within 48 hours, a 模板消息 after that (or when WeChat says the window has closed), an SMS when no
template is configured or WeChat keeps refusing; each sent once, the OpenID masked in the rows."""
from __future__ import annotations

import dataclasses
import time
import uuid
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.casedesk.customer import notices
from bot.casedesk.db import DB_KEY
from bot.casedesk.app import init_app
from bot.casedesk.settings import NoticeSettings, Settings, WeChatNoticeSettings
from bot.channels.wechat_store import SqliteStore
from tests.wechat.fake_wechat import FakeWeChat

from .helpers import Api

APPID = "wx0notice00000001"
TEMPLATE = "TPL_complaint_progress"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeWeChat]:
    f = FakeWeChat(appid=APPID, secret=uuid.uuid4().hex).start()
    f.template_id = TEMPLATE
    yield f
    f.stop()


def wechat_settings(settings: Settings, fake: FakeWeChat, tmp_path: Path, template: str = TEMPLATE, sms_copy: bool = False) -> Settings:
    cfg = WeChatNoticeSettings(enabled=True, appid=APPID, secret=fake.secret, api_base=fake.url,
                               template_id=template, store_path=str(tmp_path / "wechat.db"))
    return dataclasses.replace(settings, notices=NoticeSettings(dispatch_seconds=0, wechat=cfg, max_attempts=2, sms_copy=sms_copy))


async def start(settings: Settings) -> Tuple[TestClient, Api]:
    client = TestClient(TestServer(init_app(settings), host="127.0.0.1"))
    await client.start_server()
    return client, Api(client)


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def seen(tmp_path: Path, who: str, hours_ago: float) -> None:
    """What the WeChat channel records when the customer writes (bot/channels/wechat.py, touch)."""
    SqliteStore(tmp_path / "wechat.db").set(f"wechat:{APPID}:seen:{who}", str(time.time() - hours_ago * 3600), 60 * 3600)


async def file_case(api: Api, who: str, **fields: Any) -> str:
    code, body = await api.create(channel="wechat", conversation_id=who, **fields)
    assert code == 201, body
    return body["case_no"]


async def deliveries(api: Api, no: str) -> list:
    ((_, ds),) = await notices.of_case(api.app[DB_KEY], no)
    return [(d.route, d.status, d.provider_ref, d.recipient_masked, d.error) for d in ds]


async def test_customer_service_message_in_the_window_template_after_it(settings: Settings, fake: FakeWeChat, tmp_path: Path) -> None:
    client, api = await start(wechat_settings(settings, fake, tmp_path))
    try:
        recent, gone, closed = openid(), openid(), openid()
        seen(tmp_path, recent, hours_ago=2)
        seen(tmp_path, gone, hours_ago=49)
        seen(tmp_path, closed, hours_ago=1)
        fake.fail(closed, 45015)  # WeChat's own word: the window is closed
        a, b, c = [await file_case(api, who) for who in (recent, gone, closed)]
        assert await api.app[notices.OUTBOX_KEY].run_once() == (3, 3)
        assert await api.app[notices.OUTBOX_KEY].run_once() == (0, 0)

        # in the window: the notice's text as a 客服消息
        (text,) = fake.sent(recent)
        assert a in text and text.startswith("您的投诉已受理")
        assert await deliveries(api, a) == [("wechat", "sent", "kf", f"{recent[:4]}****{recent[-4:]}", None)]
        # 49 hours on, and WeChat refusing: the template, with the case number and the text
        for who, no in ((gone, b), (closed, c)):
            assert fake.sent(who) == []
            (tpl,) = fake.templates(who)
            assert tpl["template_id"] == TEMPLATE and tpl["data"]["keyword1"]["value"] == no
            assert tpl["data"]["keyword2"]["value"] == "投诉已受理" and no in tpl["data"]["remark"]["value"]
            ((route, status, ref, masked, _),) = await deliveries(api, no)
            assert (route, status, masked) == ("wechat", "sent", f"{who[:4]}****{who[-4:]}") and ref.startswith("tpl-")
    finally:
        await client.close()


async def test_no_template_or_a_refusing_wechat_means_an_sms(settings: Settings, fake: FakeWeChat, tmp_path: Path) -> None:
    client, api = await start(wechat_settings(settings, fake, tmp_path, template=""))
    try:
        gone, unfollowed = openid(), openid()
        seen(tmp_path, unfollowed, hours_ago=1)
        fake.fail(unfollowed, 43004)  # no longer follows the account
        no_gone = await file_case(api, gone)
        no_unfollowed = await file_case(api, unfollowed)
        outbox = api.app[notices.OUTBOX_KEY]
        # closed window, no template: the SMS goes in the same pass
        assert await outbox.run_once() == (2, 1)
        assert [(r, s, e) for r, s, _, _, e in await deliveries(api, no_gone)] == [
            ("wechat", "skipped", "window_closed_no_template"), ("sms", "sent", None)]
        # refused: retried, then (max_attempts 2) given up for an SMS
        assert [(r, s) for r, s, *_ in await deliveries(api, no_unfollowed)] == [("wechat", "pending")]
        assert await outbox.run_once() == (0, 1)
        rows = await deliveries(api, no_unfollowed)
        assert [(r, s) for r, s, *_ in rows] == [("wechat", "failed"), ("sms", "sent")]
        assert "43004" in rows[0][4] and unfollowed not in rows[0][4]
        assert await outbox.run_once() == (0, 0)
        assert fake.sent(gone) == [] and fake.templates(gone) == []
    finally:
        await client.close()


async def test_wechat_notices_off_means_sms(settings: Settings, tmp_path: Path) -> None:
    client, api = await start(dataclasses.replace(settings, notices=NoticeSettings(dispatch_seconds=0)))
    try:
        assert api.app[notices.OUTBOX_KEY].wechat is None
        no = await file_case(api, openid())
        assert await api.app[notices.OUTBOX_KEY].run_once() == (1, 1)
        assert [(r, s) for r, s, *_ in await deliveries(api, no)] == [("sms", "sent")]
    finally:
        await client.close()


def test_wechat_notices_need_the_account() -> None:
    with pytest.raises(ValueError):
        WeChatNoticeSettings(enabled=True)
    cfg = WeChatNoticeSettings.from_env({"CASEDESK_WECHAT_NOTICES": "1", "WECHAT_APPID": APPID, "WECHAT_SECRET": "s",
                                         "CASEDESK_WECHAT_TEMPLATE_ID": TEMPLATE, "LOCK_STORE_TYPE": "redis"})
    assert (cfg.enabled, cfg.template_id, cfg.store_type) == (True, TEMPLATE, "redis")
    assert "secret" not in repr(cfg) or "'s'" not in repr(cfg)
    assert WeChatNoticeSettings.from_env({}).enabled is False
