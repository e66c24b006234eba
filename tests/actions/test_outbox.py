"""The durable outbox and the case desk client: nothing confirmed is lost, nothing is filed twice."""
from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web

from actions.casedesk_client import CaseDeskClient, CaseDeskError
from actions.outbox import DELIVERED, PENDING, REJECTED, Deliverer, Outbox, retry_delay


class ManualClock:
    """The outbox's clock, moved on by the test instead of sleeping through a retry window."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def payload(intake_id="intake-1", conversation_id="conv-1"):
    return {"conversation_id": conversation_id, "intake_id": intake_id, "channel": "rest",
            "description": "信用卡被盗刷", "phone": "13812345678"}


class FakeClient:
    timeout = 1.0

    def __init__(self, failures=0, retryable=True, delay=0.0):
        self.calls = []
        self.failures = failures
        self.retryable = retryable
        self.delay = delay

    async def create_case(self, body):
        self.calls.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures:
            self.failures -= 1
            raise CaseDeskError("case desk down", retryable=self.retryable, status=503)
        return {"case_no": f"TS2026112200{len(self.calls):04d}"}

    async def open_handoff(self, body):
        answer = await self.create_case(body)
        return {**answer, "id": len(self.calls), "status": "waiting", "position": 2,
                "expected_wait_minutes": 6}


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setenv("OUTBOX_RETRY_SECONDS", "0.05")


def test_a_stored_case_survives_reopening(tmp_path):
    path = tmp_path / "outbox.db"
    Outbox(path).add(payload())
    reopened = Outbox(path)
    entry = reopened.get(("conv-1", "intake-1"))
    assert entry.status == PENDING
    assert entry.payload["description"] == "信用卡被盗刷"


def test_the_customers_phone_and_text_are_not_stored_in_clear(tmp_path):
    path = tmp_path / "outbox.db"
    Outbox(path).add(payload())
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"13812345678" not in raw
    assert "盗刷".encode() not in raw
    assert Outbox(path).get(("conv-1", "intake-1")).payload["phone"] == "13812345678"


def test_adding_the_same_intake_twice_keeps_one_row(tmp_path):
    box = Outbox(tmp_path / "outbox.db")
    box.add(payload())
    box.add({**payload(), "description": "changed"})
    assert box.counts() == {PENDING: 1}
    assert box.get(("conv-1", "intake-1")).payload["description"] == "信用卡被盗刷"


@pytest.mark.asyncio
async def test_delivered_once_then_the_case_number_is_remembered(tmp_path):
    client = FakeClient()
    deliverer = Deliverer(Outbox(tmp_path / "outbox.db"), client)
    key = deliverer.outbox.add(payload()).key
    first = await deliverer.deliver(key)
    again = await deliverer.deliver(key)
    assert first == again == "TS20261122000001"
    assert len(client.calls) == 1
    assert deliverer.outbox.get(key).status == DELIVERED


@pytest.mark.asyncio
async def test_concurrent_attempts_post_only_once(tmp_path):
    client = FakeClient(delay=0.2)
    deliverer = Deliverer(Outbox(tmp_path / "outbox.db"), client)
    key = deliverer.outbox.add(payload()).key
    other = Deliverer(Outbox(tmp_path / "outbox.db"), client)  # a second process on the same file
    results = await asyncio.gather(*[d.deliver(key) for d in (deliverer, other, deliverer, other)])
    assert len(client.calls) == 1
    assert sum(1 for r in results if r) >= 1


@pytest.mark.asyncio
async def test_a_failed_delivery_waits_then_retries(tmp_path):
    client, clock = FakeClient(failures=1), ManualClock()
    deliverer = Deliverer(Outbox(tmp_path / "outbox.db", clock=clock), client)
    key = deliverer.outbox.add(payload()).key
    assert await deliverer.deliver(key) is None
    entry = deliverer.outbox.get(key)
    assert entry.status == PENDING and entry.attempts == 1 and "down" in entry.last_error
    delay = entry.next_attempt_at - clock.now
    assert delay > 0  # the first backoff step (with jitter: test_backoff_doubles_and_is_capped)
    clock.advance(delay - 0.001)
    assert await deliverer.deliver_due() == 0  # not yet due
    clock.advance(0.001)
    assert await deliverer.deliver_due() == 1
    assert deliverer.outbox.get(key).status == DELIVERED
    assert len(client.calls) == 2


@pytest.mark.asyncio
async def test_a_payload_the_case_desk_refuses_is_not_retried(tmp_path):
    client, clock = FakeClient(failures=5, retryable=False), ManualClock()
    deliverer = Deliverer(Outbox(tmp_path / "outbox.db", clock=clock), client)
    key = deliverer.outbox.add(payload()).key
    assert await deliverer.deliver(key) is None
    assert deliverer.outbox.get(key).status == REJECTED
    clock.advance(3600)
    assert await deliverer.deliver_due() == 0
    assert len(client.calls) == 1


@pytest.mark.asyncio
async def test_a_restarted_action_server_delivers_what_the_old_one_left(tmp_path):
    path = tmp_path / "outbox.db"
    old = Deliverer(Outbox(path), FakeClient(failures=1))
    key = old.outbox.add(payload()).key
    assert await old.deliver(key) is None  # the case desk is down; then the process dies

    client = FakeClient()
    new = Deliverer(Outbox(path), client)
    new.ensure_started()
    try:
        for _ in range(100):
            if new.outbox.get(key).status == DELIVERED:
                break
            await asyncio.sleep(0.05)
    finally:
        await new.stop()
    assert new.outbox.get(key).status == DELIVERED
    assert len(client.calls) == 1


@pytest.mark.asyncio
async def test_a_lease_from_a_crashed_attempt_blocks_others_until_it_expires(tmp_path):
    clock = ManualClock()
    box = Outbox(tmp_path / "outbox.db", clock=clock)
    key = box.add(payload()).key
    assert box.claim(key, lease_seconds=30) is not None  # this process "crashes" here
    assert box.claim(key, lease_seconds=30) is None
    clock.advance(29.9)
    assert box.due() == []
    clock.advance(0.2)
    assert box.due() == [key]


def test_backoff_doubles_and_is_capped(monkeypatch):
    monkeypatch.setenv("OUTBOX_RETRY_SECONDS", "1")
    delays = [retry_delay(n) for n in range(1, 9)]
    assert 1 <= delays[0] < 1.2 and 2 <= delays[1] < 2.3 and 4 <= delays[2] < 4.5
    assert max(delays) <= 16 * 1.1


# -- the HTTP client against a small stand-in for the case desk ---------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeCaseDesk:
    """Idempotent on (conversation_id, intake_id), like the real one."""

    def __init__(self):
        self.cases = {}
        self.headers = []
        self.request_ids = []
        self.status = None
        self.slow = 0.0

    async def create(self, request):
        self.headers.append(request.headers.get("Authorization"))
        self.request_ids.append(request.headers.get("X-Request-Id"))
        if self.slow:
            await asyncio.sleep(self.slow)
        if self.status:
            return web.json_response({"error": "x", "message": "出错了"}, status=self.status)
        body = await request.json()
        key = (body["conversation_id"], body["intake_id"])
        if key in self.cases:
            return web.json_response({"case_no": self.cases[key]}, status=200)
        self.cases[key] = f"TS20261122{len(self.cases) + 1:06d}"
        return web.json_response({"case_no": self.cases[key]}, status=201)


@pytest.fixture
async def casedesk():
    desk = FakeCaseDesk()
    app = web.Application()
    app.router.add_post("/api/cases", desk.create)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    desk.url = f"http://127.0.0.1:{port}"
    yield desk
    await runner.cleanup()


@pytest.mark.asyncio
async def test_client_files_a_case_with_the_bearer_token(casedesk, monkeypatch):
    monkeypatch.setenv("CASEDESK_TOKEN", "secret-token")
    body = await CaseDeskClient(base_url=casedesk.url).create_case(payload())
    assert body["case_no"] == "TS20261122000001"
    assert casedesk.headers == ["Bearer secret-token"]
    # the intake's random id names the call in the desk's log lines (bot/log_format.py)
    assert casedesk.request_ids == [payload()["intake_id"]]


@pytest.mark.asyncio
@pytest.mark.parametrize("status,retryable", [(500, True), (503, True), (401, True), (400, False), (422, False)])
async def test_client_sorts_errors(casedesk, status, retryable):
    casedesk.status = status
    with pytest.raises(CaseDeskError) as err:
        await CaseDeskClient(base_url=casedesk.url).create_case(payload())
    assert err.value.retryable is retryable and err.value.status == status


@pytest.mark.asyncio
async def test_client_unreachable_or_slow_is_retryable(casedesk):
    with pytest.raises(CaseDeskError) as err:
        await CaseDeskClient(base_url=f"http://127.0.0.1:{free_port()}", timeout=1).create_case(payload())
    assert err.value.retryable
    casedesk.slow = 1.0
    with pytest.raises(CaseDeskError) as err:
        await CaseDeskClient(base_url=casedesk.url, timeout=0.2).create_case(payload())
    assert err.value.retryable


@pytest.mark.asyncio
async def test_outbox_and_case_desk_outage_end_to_end(casedesk, tmp_path):
    deliverer = Deliverer(Outbox(tmp_path / "outbox.db"), CaseDeskClient(base_url=casedesk.url, timeout=1))
    casedesk.status = 503
    key = deliverer.outbox.add(payload()).key
    assert await deliverer.deliver(key) is None
    casedesk.status = None
    deliverer.ensure_started()
    try:
        for _ in range(100):
            if deliverer.outbox.get(key).status == DELIVERED:
                break
            await asyncio.sleep(0.05)
    finally:
        await deliverer.stop()
    assert deliverer.outbox.get(key).case_no == "TS20261122000001"
    assert len(casedesk.cases) == 1
    # a retry after a lost answer is answered with the same case, not a new one
    deliverer.outbox.add(payload(intake_id="intake-2"))
    client = CaseDeskClient(base_url=casedesk.url)
    assert (await client.create_case(payload()))["case_no"] == "TS20261122000001"
    assert len(casedesk.cases) == 1


@pytest.mark.asyncio
async def test_the_redelivery_loop_cannot_take_a_row_before_its_writer_tries_it(tmp_path):
    # The loop may wake between the insert and the action's own attempt: the action must still
    # be the one that delivers, or it would tell the customer "recorded" without a case number.
    outbox = Outbox(tmp_path / "outbox.db")
    deliverer = Deliverer(outbox, FakeClient())
    key = ("conv-1", "intake-1")
    entry = outbox.add_claimed(payload(), key, lease_seconds=30)
    assert entry is not None and outbox.due() == []
    assert await deliverer.deliver_due() == 0
    assert (await deliverer.attempt(key, entry))["case_no"]


@pytest.mark.asyncio
async def test_submit_twice_sends_once_and_answers_the_same_case(tmp_path):
    client = FakeClient()
    deliverer = Deliverer(Outbox(tmp_path / "outbox.db"), client)
    key = ("conv-1", "intake-1")
    first, _ = await deliverer.submit(payload(), key)
    again, entry = await deliverer.submit(payload(), key)
    assert first["case_no"] == again["case_no"] == entry.case_no
    assert len(client.calls) == 1


# -- the customer's rating after filing travels like the case (issue 14) ----------------------

class RatingClient(FakeClient):
    def __init__(self, failures=0, unknown=False):
        super().__init__(failures=failures)
        self.ratings = []
        self.unknown = unknown

    async def record_rating(self, body):
        self.ratings.append(body)
        if self.failures:
            self.failures -= 1
            raise CaseDeskError("case desk down", retryable=True, status=503)
        if self.unknown:
            raise CaseDeskError("case desk answered 404", retryable=False, status=404)
        return {"case_no": body["case_no"], "rating": body["score"]}


async def test_a_rating_given_while_the_desk_is_down_arrives_later(tmp_path):
    clock = ManualClock()
    client = RatingClient(failures=1)
    d = Deliverer(Outbox(tmp_path / "outbox.db", clock=clock), client)
    key = ("conv-1", "rating:intake-1")
    body = {"conversation_id": "conv-1", "intake_id": "intake-1", "case_no": "TS20261122000007", "score": 4}
    answer, row = await d.submit(body, key)
    assert answer is None and row.status == PENDING
    clock.advance(60)
    assert await d.deliver_due() == 1
    assert client.ratings[-1] == {**body, "case_no": "TS20261122000007"}
    assert d.outbox.get(key).status == DELIVERED
    # a retry after that sends nothing
    await d.submit(body, key)
    assert len(client.ratings) == 2


async def test_a_rating_of_a_case_still_in_the_outbox_waits_for_its_number(tmp_path):
    clock = ManualClock()
    client = RatingClient(failures=1)  # the case's first delivery fails
    d = Deliverer(Outbox(tmp_path / "outbox.db", clock=clock), client)
    await d.submit(payload(), ("conv-1", "intake-1"))
    rated = {"conversation_id": "conv-1", "intake_id": "intake-1", "case_no": None, "score": 5}
    answer, row = await d.submit(rated, ("conv-1", "rating:intake-1"))
    assert answer is None and row.status == PENDING and client.ratings == []  # no number yet
    # (the rating may come up before the case in a round: it then waits for its next turn)
    for _ in range(2):
        clock.advance(600)
        await d.deliver_due()
    case = d.outbox.get(("conv-1", "intake-1"))
    assert case.status == DELIVERED
    assert client.ratings == [{**rated, "case_no": case.case_no}]


async def test_a_rating_the_desk_refuses_is_not_retried(tmp_path):
    client = RatingClient(unknown=True)
    d = Deliverer(Outbox(tmp_path / "outbox.db", clock=ManualClock()), client)
    body = {"conversation_id": "conv-1", "intake_id": "intake-1", "case_no": "TS20991231000001", "score": 3}
    _, row = await d.submit(body, ("conv-1", "rating:intake-1"))
    assert row.status == REJECTED


# ── a withdrawal of a case still here (撤诉 while the desk was down: actions/withdraw.py) ─────────

class WithdrawClient(FakeClient):
    def __init__(self, failures=0, answer=(200, None)):
        super().__init__(failures=failures)
        self.withdrawals = []
        self.answer = answer

    async def withdraw_complaint(self, body):
        self.withdrawals.append(body)
        status, answer = self.answer
        return status, answer or {"withdrawn": True, "case_no": body["case_no"], "status": "withdrawn"}


async def test_a_withdrawal_waits_for_its_case_and_is_sent_once_with_the_number(tmp_path):
    clock = ManualClock()
    client = WithdrawClient(failures=1)  # the case's first delivery fails: the desk is down
    d = Deliverer(Outbox(tmp_path / "outbox.db", clock=clock), client)
    await d.submit(payload(), ("conv-1", "intake-1"))
    asked = {"conversation_id": "conv-1", "intake_id": "intake-1", "phone_last4": "5678", "reason": "钱到账了"}
    answer, row = await d.submit(asked, ("conv-1", "withdraw:intake-1"))
    assert answer is None and row.status == PENDING and client.withdrawals == []  # no number yet
    for _ in range(2):
        clock.advance(600)
        await d.deliver_due()
    case = d.outbox.get(("conv-1", "intake-1"))
    assert case.status == DELIVERED
    assert client.withdrawals == [{"conversation_id": "conv-1", "case_no": case.case_no,
                                   "phone_last4": "5678", "reason": "钱到账了"}]
    assert d.outbox.get(("conv-1", "withdraw:intake-1")).status == DELIVERED
    clock.advance(3600)
    await d.deliver_due()
    assert len(client.withdrawals) == 1


async def test_a_withdrawal_the_desk_refuses_is_not_retried(tmp_path):
    # decided meanwhile (409): the desk keeps the case; nothing is sent again
    client = WithdrawClient(answer=(409, {"error": "already_decided"}))
    d = Deliverer(Outbox(tmp_path / "outbox.db", clock=ManualClock()), client)
    await d.submit(payload(), ("conv-1", "intake-1"))
    _, row = await d.submit({"conversation_id": "conv-1", "intake_id": "intake-1", "phone_last4": "5678"},
                            ("conv-1", "withdraw:intake-1"))
    assert row.status == REJECTED and len(client.withdrawals) == 1
