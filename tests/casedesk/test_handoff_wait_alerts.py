"""Queue alerts (issue 15): when a waiting handoff has waited too long (console/alerts.py), its
limits in the settings, and what the queue rows and the event stream carry for console.js — the
customer's last message masked and cut short, the waiting count, the over-long flag. Time is the
app's clock, moved by the tests: nothing sleeps."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.casedesk.console import alerts, labels, live
from bot.casedesk.cases.case_rules import HandoffReason
from bot.casedesk.app import init_app
from bot.casedesk.settings import HandoffWaitAlerts, Settings, load_settings
from tests.console.helpers import Console

from .helpers import SECRET, TOKEN, Clock, database_target

T0 = datetime(2026, 12, 6, 2, 0, tzinfo=timezone.utc)
DEFAULTS = alerts.WaitLimits.of(HandoffWaitAlerts())


# ---------------------------------------------------------------------------------------------
# The rule


@pytest.mark.parametrize("reason", ["self_harm", "violence", "media", "regulator"])
def test_threats_alert_after_three_minutes(reason: str) -> None:
    assert alerts.is_threat(reason)
    assert not alerts.waited_too_long("waiting", T0, reason, DEFAULTS, T0 + timedelta(minutes=2, seconds=59))
    # at the limit counts: "3 minutes" means by then
    assert alerts.waited_too_long("waiting", T0, reason, DEFAULTS, T0 + timedelta(minutes=3))
    assert alerts.alert_at(T0, reason, DEFAULTS) == T0 + timedelta(minutes=3)


@pytest.mark.parametrize("reason", ["anger", "human", "something_new", None])
def test_other_reasons_alert_after_ten_minutes(reason: Any) -> None:
    assert not alerts.is_threat(reason)
    assert not alerts.waited_too_long("waiting", T0, reason, DEFAULTS, T0 + timedelta(minutes=9, seconds=59))
    assert alerts.waited_too_long("waiting", T0, reason, DEFAULTS, T0 + timedelta(minutes=10))


def test_every_reason_is_classified_and_the_threats_are_the_four() -> None:
    threats = {r.value for r in HandoffReason if alerts.is_threat(r.value)}
    assert threats == {"self_harm", "violence", "media", "regulator"}


@pytest.mark.parametrize("status", ["active", "closed"])
def test_a_claimed_or_ended_handoff_never_alerts(status: str) -> None:
    assert not alerts.waited_too_long(status, T0, "violence", DEFAULTS, T0 + timedelta(hours=5))


def test_limits_come_from_the_settings() -> None:
    limits = alerts.WaitLimits.of(HandoffWaitAlerts(threat_minutes=1.5, other_minutes=0.25))
    assert limits.for_reason("media") == timedelta(seconds=90)
    assert limits.for_reason("human") == timedelta(seconds=15)
    assert alerts.waited_too_long("waiting", T0, "human", limits, T0 + timedelta(seconds=15))


# ---------------------------------------------------------------------------------------------
# Settings


def test_settings_default_to_three_and_ten_minutes(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    settings = load_settings(env_file, environ={})
    assert settings.handoff_wait_alerts == HandoffWaitAlerts(3.0, 10.0)


def test_settings_read_the_environment(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / ".env", environ={
        "CASEDESK_HANDOFF_ALERT_THREAT_MINUTES": "2", "CASEDESK_HANDOFF_ALERT_OTHER_MINUTES": "0.5",
    })
    assert settings.handoff_wait_alerts == HandoffWaitAlerts(2.0, 0.5)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1441", "三分钟", "3m"])
def test_settings_refuse_a_limit_that_cannot_be(tmp_path: Path, value: str) -> None:
    with pytest.raises(ValueError, match="CASEDESK_HANDOFF_ALERT_THREAT_MINUTES"):
        load_settings(tmp_path / ".env", environ={"CASEDESK_HANDOFF_ALERT_THREAT_MINUTES": value})


# ---------------------------------------------------------------------------------------------
# Labels and the preview


def test_limits_read_as_people_say_them() -> None:
    assert labels.span_text(timedelta(minutes=3)) == "3 分钟"
    assert labels.span_text(timedelta(seconds=90)) == "1 分 30 秒"
    assert labels.span_text(timedelta(seconds=6)) == "6 秒"
    assert labels.wait_alert_text(timedelta(minutes=10)) == "已等待超过 10 分钟，仍无人接入"
    text = labels.wait_limits_text(timedelta(minutes=3), timedelta(minutes=10))
    assert text.startswith("等待时限：自伤风险、暴力威胁、媒体曝光、监管投诉 3 分钟，其他原因 10 分钟")
    assert not re.search(r"[a-z_]{4,}", text)  # no code in it


def test_preview_is_masked_and_cut_short() -> None:
    assert live.preview("我的电话是13812345678，\n快处理！") == "我的电话是138****5678， 快处理！"
    long = "你们" * 30
    assert live.preview(long) == long[: live.PREVIEW_CHARS - 1] + "…"
    assert len(live.preview(long)) == live.PREVIEW_CHARS
    assert live.preview(None) == "" and live.preview("   ") == ""


def test_preview_masks_before_it_cuts() -> None:
    # a card number that the cut would split: whole it is masked; cut first, its head would show
    text = "啊" * 30 + "卡号6222020200112233445"
    shown = live.preview(text)
    assert "622202" not in shown and "*" in shown and shown.endswith("…")


# ---------------------------------------------------------------------------------------------
# The queue and its event stream, on the real app (SQLite and PostgreSQL)


@pytest.fixture
def alert_settings(backend: str, tmp_path: Path, clock: Clock) -> Iterator[Settings]:
    with database_target(backend, tmp_path) as (url, schema):
        # the sync loop is off: no Rasa here, and these tests read only what was filed
        yield Settings(
            token=TOKEN, secret_key=SECRET, db_url=url, db_schema=schema, clock=clock,
            handoff_sync_seconds=0, tracker_db_url=f"sqlite:///{tmp_path}/tracker.db",
            report_dir=tmp_path / "report",
        )


@pytest.fixture
async def console(alert_settings: Settings) -> Any:
    async with TestClient(TestServer(init_app(alert_settings), host="127.0.0.1")) as client:
        yield Console(client)


def _said(text: str) -> list:
    return [
        {"role": "customer", "text": "我的卡被盗刷了！", "at": "2026-12-06T10:00:00+08:00"},
        {"role": "bot", "text": "非常抱歉给您带来困扰。", "at": "2026-12-06T10:00:02+08:00"},
        {"role": "customer", "text": text, "at": "2026-12-06T10:00:05+08:00"},
    ]


def _queue_events(events: list) -> list:
    return [data for name, data in events if name == "queue"]


def _late(snapshot: dict) -> set:
    return {i["id"] for i in snapshot["items"] if i["waited_too_long"]}


async def test_stream_alerts_when_a_handoff_crosses_its_limit(console: Console, clock: Clock) -> None:
    await console.user("zhao", "supervisor", display_name="赵敏")
    threat = await console.handoff("violence", transcript=_said("我手机13812345678，再不管我就去你们网点砸了！"))
    other = await console.handoff("human", transcript=_said("我要找人工"))
    await console.login("zhao")

    # each time the stream has shown a state, the clock moves on: the threat reaches 3 minutes,
    # then the other one 10 (the boundaries themselves are the rule's tests above)
    steps = iter([timedelta(minutes=3), timedelta(minutes=7)])

    async def move_clock(events: list) -> None:
        if events[-1][0] != "queue":
            return  # the stream also tells the team's presence (event: team)
        step = next(steps, None)
        if step is not None:
            clock.advance(seconds=step.total_seconds())

    def both_late(events: list) -> bool:
        snapshots = _queue_events(events)
        return bool(snapshots) and len(_late(snapshots[-1])) == 2

    events = await console.events("/console/events", until=both_late, on_event=move_clock, timeout=10)
    snapshots = _queue_events(events)
    assert [_late(s) for s in snapshots] == [set(), {threat["id"]}, {threat["id"], other["id"]}]
    first, crossed, both = snapshots
    assert first["waiting"] == 2
    assert first["limits_text"].startswith("等待时限：")
    row = next(i for i in crossed["items"] if i["id"] == threat["id"])
    assert row["wait_alert"] == "已等待超过 3 分钟，仍无人接入" and row["wait_badge"] == "等待过久"
    assert row["wait_limit_label"] == "3 分钟"
    assert row["preview"] == "我手机138****5678，再不管我就去你们网点砸了！"
    late_other = next(i for i in both["items"] if i["id"] == other["id"])
    assert late_other["wait_alert"] == "已等待超过 10 分钟，仍无人接入"


async def test_a_claimed_handoff_stops_alerting(console: Console, clock: Clock) -> None:
    await console.user("wang")
    h = await console.handoff("media")
    clock.advance(minutes=5)
    items = await live.queue(console.db, None)
    assert [i["waited_too_long"] for i in items] == [True]
    await console.login("wang")
    resp = await console.post(f"/console/handoffs/{h['id']}/claim")
    assert resp.status == 303
    items = await live.queue(console.db, None)
    assert [(i["status"], i["waited_too_long"], i["wait_alert"]) for i in items] == [("active", False, "")]


async def test_preview_is_the_customers_latest_line(console: Console) -> None:
    h = await console.handoff("anger", transcript=[
        {"role": "customer", "text": "第二句，后说的", "at": "2026-12-06T10:00:09+08:00"},
        {"role": "customer", "text": "第一句", "at": "2026-12-06T10:00:01+08:00"},
        {"role": "bot", "text": "机器人最后说的不算", "at": "2026-12-06T10:00:10+08:00"},
    ])
    bare = await console.handoff("human", transcript=[])
    items = {i["id"]: i for i in await live.queue(console.db, None)}
    assert items[h["id"]]["preview"] == "第二句，后说的"
    assert items[bare["id"]]["preview"] == ""


async def test_waiting_count_beyond_the_rows_shown(console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        await console.handoff("human")
    monkeypatch.setattr(live, "QUEUE_LIMIT", 2)
    items = await live.queue(console.db, None)
    assert len(items) == 2
    assert await live.waiting_count(console.db, None, items) == 3


def _visible_text(page: str) -> str:
    page = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return page


async def test_pages_carry_the_alert_controls_and_no_raw_code(console: Console, clock: Clock) -> None:
    await console.user("zhao", "supervisor", display_name="赵敏")
    await console.user("wang")
    h = await console.handoff("regulator", transcript=_said("再不处理我就打12378投诉你们"))
    clock.advance(minutes=4)
    await console.login("zhao")

    status, page = await console.page("/console/supervisor")
    assert status == 200
    assert 'data-supervisor="1"' in page and 'id="wait-alerts"' in page
    assert 'id="notify-btn"' in page and "开启桌面提醒" in page
    island = json.loads(re.search(r'<script type="application/json" id="queue-data">(.*?)</script>', page, re.S).group(1))
    assert [i["id"] for i in island["items"]] == [h["id"]] and island["items"][0]["waited_too_long"]
    text = _visible_text(page)
    assert "等待过久" in text and "再不处理我就打12378投诉你们" in text
    for code in ("regulator", "waiting", "active", "true", "false", "None"):
        assert not re.search(rf"\b{code}\b", text), code

    status, page = await console.page("/console")
    assert status == 200 and 'data-supervisor="1"' in page and 'id="wait-alerts"' in page

    # agents get the new-handoff alerts, not the supervisors' banner
    await console.login("wang")
    status, page = await console.page("/console")
    assert status == 200 and "开启桌面提醒" in page
    assert 'data-supervisor' not in page and 'id="wait-alerts"' not in page
