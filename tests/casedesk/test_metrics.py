"""`GET /metrics` (issue 17, observability) over the real app on SQLite and PostgreSQL: the
Prometheus text format, parsed back with prometheus_client's own parser; every value read from
real rows made through the API and the desk's services (handoffs by severity, an overdue case,
a pending SMS notice, a waiting call-back); zeros on an empty database; the same answer from a
second desk on the same database; no token needed and nothing personal in the body."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Any, AsyncIterator, Dict, FrozenSet, List, Tuple

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from bot.casedesk.handoffs import callbacks, waits
from bot.casedesk.api import metrics
from bot.casedesk.customer import notices
from bot.casedesk.db import DB_KEY
from bot.casedesk.cases.case_rules import CHINA_TZ, HANDOFF_SEVERITY, LEAST_SEVERE, OPEN_STATUSES, HandoffReason
from bot.casedesk.app import init_app
from bot.casedesk.models import Handoff
from bot.casedesk.settings import NoticeSettings, Settings

from .helpers import Api, Clock
from .rasa_fake import FakeRasa

NAME, PHONE, MASKED_PHONE = "王建国", "13812345678", "138****5678"
# 14:00 Beijing time on a fixed day: the handoffs open from here, the scrape is ten minutes on
T0 = datetime(2026, 12, 7, 14, 0, tzinfo=CHINA_TZ)

Series = Dict[Tuple[str, FrozenSet[Tuple[str, str]]], float]



@pytest.fixture
def quiet(settings: Settings, rasa: FakeRasa) -> Settings:
    # no background loop: no handoff sync, no idle pass, no notice outbox; the test runs passes
    return dataclasses.replace(
        settings, rasa_url=rasa.url, rasa_token=rasa.token, handoff_sync_seconds=0,
        notices=NoticeSettings(dispatch_seconds=0),
    )


@pytest.fixture
async def mapi(quiet: Settings) -> AsyncIterator[Api]:
    async with TestClient(TestServer(init_app(quiet), host="127.0.0.1")) as client:
        yield Api(client)


async def scrape(api: Api) -> str:
    resp = await api.client.get("/metrics")  # no Authorization header: the route is public
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return await resp.text()


def parse(body: str) -> Series:
    out: Series = {}
    for family in text_string_to_metric_families(body):
        assert family.type == "gauge" and family.documentation, family.name
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def by_label(series: Series, name: str, label: str) -> Dict[str, float]:
    return {dict(labels)[label]: v for (n, labels), v in series.items() if n == name}


def queue(series: Series, name: str) -> Dict[str, float]:
    """reason → value, checking that each series carries its reason's queue severity."""
    out = {}
    for (n, labels), value in series.items():
        if n == name:
            lab = dict(labels)
            assert lab["severity"] == str(HANDOFF_SEVERITY[HandoffReason(lab["reason"])]), lab
            out[lab["reason"]] = value
    return out


def handoff_body(reason: str) -> Dict[str, Any]:
    return {
        "conversation_id": f"conv-{uuid.uuid4().hex[:10]}",
        "request_id": uuid.uuid4().hex,
        "channel": "web",
        "reason": reason,
        "signals": [],
        "case": {"description": "卡被盗刷了，再不处理我就找记者曝光！", "phone": PHONE, "customer_name": NAME},
    }


async def open_handoff(api: Api, reason: str) -> Dict[str, Any]:
    status, answer = await api.call("POST", "/api/handoffs", json=handoff_body(reason))
    assert status == 201 and answer["status"] == "waiting", answer
    return answer


async def file_case(api: Api, **fields: Any) -> str:
    status, body = await api.create(**fields)
    assert status == 201, body
    return str(body["case_no"])


async def patch_status(api: Api, case_no: str, status: str) -> None:
    code, body = await api.call("PATCH", f"/api/cases/{case_no}", json={"status": status})
    assert code == 200, body


async def fill(api: Api, clock: Clock) -> Tuple[List[str], Dict[str, int]]:
    """The rows of the scenario. Returns what must never appear in the body (case numbers,
    conversation ids) and the handoffs' ids by reason."""
    secrets: List[str] = []
    # two days before: a REST case nobody contacted (its 24 h contact deadline passes), a web
    # case in progress (contacted: on time), and one withdrawn (not open)
    clock.now = T0 - timedelta(days=2)
    overdue = await file_case(api, channel="rest", conversation_id="rest:13812345678")
    in_progress = await file_case(api, channel="web")
    # the outbox's pass: 受理 by SMS for the REST case, on the chat page (web) for the web case
    assert await api.app[notices.OUTBOX_KEY].make() == 2
    await patch_status(api, in_progress, "in_progress")
    withdrawn = await file_case(api, channel="web")
    await patch_status(api, withdrawn, "withdrawn")
    secrets += [overdue, in_progress, withdrawn, "rest:13812345678"]

    # the live queue: violence at 14:00 and anger at 14:05 wait; a plain request for a person at
    # 14:06 becomes a call-back; a media threat at 14:07 is claimed by an agent
    clock.now = T0
    violence = await open_handoff(api, "violence")
    clock.now = T0 + timedelta(minutes=5)
    anger = await open_handoff(api, "anger")
    clock.now = T0 + timedelta(minutes=6)
    human = await open_handoff(api, "human")
    moved = await callbacks.move_to_callback(api.app[DB_KEY], human["id"], waits.CallbackReason.LONG_WAIT, clock.now)
    assert moved is not None and moved.callback.status == callbacks.PENDING
    clock.now = T0 + timedelta(minutes=7)
    media = await open_handoff(api, "media")
    status, claimed = await api.call("POST", f"/api/handoffs/{media['id']}/claim", headers={"X-Actor": "agent:li"})
    assert status == 200 and claimed["status"] == "active", claimed
    opened = {"violence": violence, "anger": anger, "human": human, "media": media}
    secrets += [h["case_no"] for h in opened.values()]

    clock.now = T0 + timedelta(minutes=10)
    return secrets, {reason: int(h["id"]) for reason, h in opened.items()}


async def test_each_metric_reads_the_rows_of_the_database(mapi: Api, clock: Clock) -> None:
    await fill(mapi, clock)
    series = parse(await scrape(mapi))

    # waiting only (the claimed media handoff and the call-back are not in the queue), every
    # reason reported, 0 included
    assert queue(series, "casedesk_handoff_queue_length") == {
        "self_harm": 0, "violence": 1, "media": 0, "regulator": 0, "anger": 1, "human": 0,
    }
    # the wait from the handoff's opening to the app's clock: 10 and 5 minutes
    assert queue(series, "casedesk_handoff_oldest_wait_seconds") == {
        "self_harm": 0, "violence": 600, "media": 0, "regulator": 0, "anger": 300, "human": 0,
    }
    # open cases: the REST one and the four handoffs' (new), the contacted one (in progress)
    assert by_label(series, "casedesk_cases_open", "status") == {"new": 5, "acknowledged": 0, "in_progress": 1}
    # past a deadline: only the REST case nobody contacted in 24 h (the handoffs' 1 h is not up)
    assert series[("casedesk_sla_breaches", frozenset())] == 1
    # not sent yet: the REST case's SMS, and the web case's notice its customer has not opened
    assert by_label(series, "casedesk_notice_outbox_depth", "route") == {"sms": 1, "web": 1, "wechat": 0}
    assert series[("casedesk_callbacks_waiting", frozenset())] == 1


async def test_values_follow_the_rows_and_the_clock(mapi: Api, clock: Clock) -> None:
    _, ids = await fill(mapi, clock)
    # a minute on, the agent claims the violence handoff and the SMS goes out
    clock.now += timedelta(minutes=1)
    status, answer = await mapi.call("POST", f"/api/handoffs/{ids['violence']}/claim", headers={"X-Actor": "agent:li"})
    assert status == 200, answer

    class Sender:
        async def send(self, phone: str, text: str) -> str:
            return "gw-1"

    outbox = mapi.app[notices.OUTBOX_KEY]
    sent = await notices.send_sms(mapi.app[DB_KEY], outbox.source.get(), Sender(), 3)
    assert sent == 1
    series = parse(await scrape(mapi))
    assert queue(series, "casedesk_handoff_queue_length")["violence"] == 0
    assert queue(series, "casedesk_handoff_oldest_wait_seconds") == {
        "self_harm": 0, "violence": 0, "media": 0, "regulator": 0, "anger": 360, "human": 0,
    }
    assert by_label(series, "casedesk_notice_outbox_depth", "route")["sms"] == 0


async def test_an_empty_database_reports_zeros(mapi: Api) -> None:
    series = parse(await scrape(mapi))
    reasons = set(HandoffReason.values())
    assert set(queue(series, "casedesk_handoff_queue_length")) == reasons
    assert set(queue(series, "casedesk_handoff_oldest_wait_seconds")) == reasons
    assert set(by_label(series, "casedesk_cases_open", "status")) == {s.value for s in OPEN_STATUSES}
    assert set(by_label(series, "casedesk_notice_outbox_depth", "route")) == set(notices.Route.values())
    assert ("casedesk_sla_breaches", frozenset()) in series
    assert ("casedesk_callbacks_waiting", frozenset()) in series
    assert all(v == 0 for v in series.values()), series


async def test_two_desks_on_one_database_report_the_same(mapi: Api, quiet: Settings, clock: Clock) -> None:
    await fill(mapi, clock)
    async with TestClient(TestServer(init_app(quiet), host="127.0.0.1")) as other:
        assert parse(await scrape(Api(other))) == parse(await scrape(mapi))


async def test_the_body_holds_no_personal_data_or_free_text(mapi: Api, clock: Clock) -> None:
    secrets, _ = await fill(mapi, clock)
    body = await scrape(mapi)
    for value in [PHONE, MASKED_PHONE, PHONE[-4:], NAME, "王*", "conv-", *secrets]:
        assert value not in body, value
    # codes and numbers only: no Chinese at all, so no name, description or note
    assert body.isascii()


async def test_a_database_that_does_not_answer_fails_the_scrape(mapi: Api, monkeypatch: Any) -> None:
    async def unreachable(*_: Any) -> Any:
        raise OSError("connection refused")

    monkeypatch.setattr(metrics, "read_snapshot", unreachable)
    resp = await mapi.client.get("/metrics")
    assert resp.status == 503
    assert (await resp.json())["error"] == "metrics_unavailable"


async def test_a_code_the_desk_does_not_know_is_labelled_unknown_never_copied(mapi: Api, clock: Clock) -> None:
    clock.now = T0
    opened = await open_handoff(mapi, "anger")
    async with mapi.app[DB_KEY].writing() as s:  # an old row with a code no enum knows
        await s.execute(update(Handoff).where(Handoff.id == opened["id"]).values(reason="old-Code 1"))
    clock.now = T0 + timedelta(seconds=90)
    body = await scrape(mapi)
    assert "old-Code" not in body
    series = parse(body)
    unknown = frozenset({("reason", "unknown"), ("severity", str(LEAST_SEVERE))})
    assert series[("casedesk_handoff_queue_length", unknown)] == 1
    assert series[("casedesk_handoff_oldest_wait_seconds", unknown)] == 90
    assert series[("casedesk_handoff_queue_length", frozenset({("reason", "anger"), ("severity", "3")}))] == 0
