"""bot/rasa_patches.py: Rasa's SQLite tracker store keeps its connections (a pool, not one
connection per retrieve and save), stays in WAL mode, and PostgreSQL keeps Rasa's own settings;
each speed fix behaves as Rasa's own code; the patches apply only on rasa 3.6.x and not with
RASA_PATCHES=off, and with them off a real stack still files a whole complaint."""
from __future__ import annotations

import sqlite3

import pytest

from bot import rasa_patches
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

if not rasa_patches.APPLIED:  # RASA_PATCHES=off in this shell: these tests check the patches
    rasa_patches.install()
    rasa_patches.install_sqlite_pragmas()
    rasa_patches.install_sqlite_pool()


@pytest.fixture
def store(tmp_path):
    s = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    yield s
    s.engine.dispose()


async def test_sqlite_tracker_store_reuses_its_connections(store, tmp_path):
    assert isinstance(store.engine.pool, QueuePool)
    opened = []
    event.listen(store.engine, "connect", lambda conn, _rec: opened.append(conn))
    for turn in range(5):
        tracker = await store.retrieve("c-1") or DialogueStateTracker("c-1", slots=[])
        tracker.update(UserUttered(f"第{turn}句", intent={"name": "complain", "confidence": 0.9}))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
    assert len(opened) <= 1, "a new SQLite connection per retrieve/save"
    saved = await store.retrieve("c-1")
    assert [e.text for e in saved.events if isinstance(e, UserUttered)] == [f"第{i}句" for i in range(5)]
    mode = sqlite3.connect(tmp_path / "tracker.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_postgresql_keeps_rasas_own_engine_settings():
    from rasa.core import tracker_store

    kwargs = tracker_store.create_engine_kwargs("postgresql://postgres@127.0.0.1:5432/test")
    assert "poolclass" not in kwargs and kwargs["pool_size"] >= 1
    assert tracker_store.create_engine_kwargs("sqlite:///:memory:") == {}


# -- the action-server answer check ---------------------------------------------------------------
_VALID_ANSWERS = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "phone", "value": "13800000000", "timestamp": None}],
     "responses": [{"response": "utter_ask_phone"}]},
    {"events": [{"event": "active_loop", "name": "intake_form"},
                {"event": "slot", "name": "requested_slot", "value": None},
                {"event": "followup", "name": "action_listen"},
                {"event": "pause"}, {"event": "resume"}, {"event": "restart"},
                {"event": "bot", "text": "您好", "data": {}, "metadata": {}},
                {"event": "user", "text": "你好", "parse_data": {
                    "intent": {"name": "greet", "confidence": 0.9},
                    "entities": [{"entity": "branch", "value": "朝阳路支行", "start": 0, "end": 5}]}},
                {"event": "action", "name": "action_listen", "policy": None, "confidence": None},
                {"event": "session_started", "timestamp": 1.5, "metadata": None}]},
]
_INVALID_ANSWERS = [
    [],
    {"events": {"event": "slot"}},
    {"events": [{"event": "slot", "name": "phone"}]},             # no value
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "phone", "value": 1}]},                   # no event name
    {"events": [{"event": 7}]},
    {"events": ["slot"]},
    {"events": [{"event": "slot", "name": "x", "value": 1, "timestamp": "today"}]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "branch"}]}}]},
    {"events": [{"event": "entities", "entities": "朝阳路支行"}]},
    {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": ["utter_greet"]},
]


@pytest.mark.parametrize("answer", _VALID_ANSWERS + _INVALID_ANSWERS)
def test_answer_check_agrees_with_rasas_schema(answer):
    """The fast path accepts exactly what jsonschema.validate accepts, and a bad answer still
    raises Rasa's error with jsonschema's own message."""
    import jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import EndpointConfig

    action = RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1"))
    try:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
        expected = None
    except jsonschema.ValidationError as e:
        expected = e.message
    if expected is None:
        assert answer in _VALID_ANSWERS
        assert action._validate_action_result(answer) is True
    else:
        assert answer in _INVALID_ANSWERS
        with pytest.raises(jsonschema.ValidationError) as raised:
            action._validate_action_result(answer)
        assert raised.value.message.startswith(expected)
        assert "Failed to validate Action server response" in raised.value.message


def test_event_types_resolve_as_rasa_resolves_them():
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    assert Event.resolve_by_type.__module__ == "bot.rasa_patches"
    names = {cls.type_name for cls in all_subclasses(Event)}
    for name in names:
        rasas = next(cls for cls in all_subclasses(Event) if cls.type_name == name)
        assert Event.resolve_by_type(name) is rasas
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=UserUttered) is UserUttered
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    events = [UserUttered("你好"), ActionExecuted("action_listen")]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events


# -- JSON bodies of action calls --------------------------------------------------------------------
@pytest.fixture
async def echo_server():
    """An action server stand-in that records what it was sent."""
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    seen = {}

    async def echo(request):
        seen["auth"] = request.headers.get("Authorization")
        seen["token"] = request.headers.get("X-Token")
        seen["body"] = await request.json()
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", echo)
    async with TestServer(app, host="127.0.0.1") as server:
        yield server, seen


async def test_action_calls_send_the_same_json_and_headers(echo_server):
    """Rasa's EndpointConfig still sends its headers, basic auth and a body the action server
    reads back as exactly the payload, when ujson writes it."""
    from rasa.utils.endpoints import EndpointConfig

    server, seen = echo_server
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook", headers={"X-Token": "t"},
                              basic_auth={"username": "rasa", "password": "pw"})
    payload = {"next_action": "validate_intake_form", "tracker": {"events": [
        {"event": "user", "text": "我的卡被吞了/ATM 😡", "timestamp": 1795395322.8651402,
         "parse_data": {"intent": {"name": "complain", "confidence": 0.30000000000000004},
                        "entities": [], "escalation": None}},
        {"event": "slot", "name": "amount", "value": 12000.5}], "big": 2 ** 70, "1": True}}
    assert await endpoint.request(json=payload, method="post") == {"events": [], "responses": []}
    assert seen["body"] == payload
    assert seen["token"] == "t" and seen["auth"].startswith("Basic ")
    with pytest.raises(TypeError):
        await endpoint.request(json={"not json": object()}, method="post")


# -- running Rasa's graphs without dask's scheduler -------------------------------------------------
class _Node:
    """Stands in for Rasa's GraphNode: returns (its name, what it computed), records its calls."""

    def __init__(self, name, calls, fail=False):
        self.name, self.calls, self.fail = name, calls, fail

    def __call__(self, *needed):
        self.calls.append(self.name)
        if self.fail:
            raise RuntimeError(f"{self.name} failed")
        return self.name, [self.name, *[value for _, value in needed]]


def _graph(calls, fail=()):
    node = lambda name: _Node(name, calls, name in fail)  # noqa: E731
    return {
        "__message__": ("__message__", "我的卡被吞了"),
        "normalizer": (node("normalizer"), "__message__"),
        "tokenizer": (node("tokenizer"), "normalizer"),
        "featurizer": (node("featurizer"), "tokenizer"),
        "diet": (node("diet"), "featurizer", "tokenizer"),
        "memoization": (node("memoization"), "diet"),
        "rules": (node("rules"), "diet"),
        "ensemble": (node("ensemble"), "memoization", "rules", "diet"),
    }


@pytest.mark.parametrize("targets", [["ensemble"], ["diet", "rules"], ["__message__", "tokenizer"]])
def test_graphs_give_what_dask_gives(targets):
    import dask

    from bot.rasa_patches import _get

    ours, theirs = [], []
    assert _get(_graph(ours), targets) == dask.get(_graph(theirs), targets)
    # each node once, after what it needs; dask also runs nodes no target needs, which Rasa's
    # runner never gives it (it cuts the graph down to the targets' minimal graph first)
    assert len(ours) == len(set(ours)) and set(ours) <= set(theirs)
    for node, task in _graph([]).items():
        if node in ours:
            assert all(ours.index(k) < ours.index(node) for k in task[1:] if k in ours)
    if targets == ["ensemble"]:
        assert sorted(ours) == sorted(theirs)


def test_a_failing_node_fails_the_run_as_with_dask():
    import dask
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    from bot.rasa_patches import _get, _run_graph

    assert DaskGraphRunner.run is _run_graph
    for get in (_get, dask.get):
        with pytest.raises(RuntimeError, match="featurizer failed"):
            get(_graph([], fail={"featurizer"}), ["ensemble"])
    runner = DaskGraphRunner.__new__(DaskGraphRunner)
    graph = _graph([], fail={"rules"})
    runner._graph_schema = type("Schema", (), {
        "target_names": ["ensemble"], "minimal_graph_schema": lambda self, targets: None})()
    runner._build_dask_graph = lambda schema: dict(graph)
    with pytest.raises(GraphRunError):
        runner.run()
    graph = _graph([])
    assert runner.run(inputs={"__message__": "换一句话"})["ensemble"][0] == "ensemble"


# -- the tracker sent with each action call ---------------------------------------------------------
def test_action_calls_send_the_tracker_rasa_would_send():
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import BotUttered, SlotSet
    from rasa.shared.core.slots import AnySlot
    from rasa.utils.endpoints import EndpointConfig

    from bot import rasa_patches

    action = RemoteAction("validate_intake_form", EndpointConfig("http://127.0.0.1:1"))
    domain = Domain.empty()
    tracker = DialogueStateTracker("c-1", slots=[AnySlot("phone", mappings=[])])

    def same():
        assert action._action_call_format(tracker, domain) == rasa_patches._rasa_action_call_format(
            action, tracker, domain)

    same()
    for n in range(3):
        tracker.update(UserUttered(f"第{n}句", intent={"name": "inform", "confidence": 0.9},
                                   parse_data={"escalation": {"level": "none"}}))
        tracker.update(SlotSet("phone", f"1380000000{n}"))
        tracker.update(BotUttered("请问您的手机号码是多少？"))
        tracker.update(ActionExecuted("action_listen"))
        same()
    kept = tracker.__dict__[rasa_patches._EVENT_DICTS]
    first = kept[0][1]
    same()
    assert tracker.__dict__[rasa_patches._EVENT_DICTS][0][1] is first  # made once, reused
    # a tracker whose events were replaced (e.g. rebuilt) gets fresh dicts for them
    rebuilt = list(tracker.events)
    rebuilt[1] = UserUttered("改过的一句", intent={"name": "correct", "confidence": 0.8})
    tracker.events.clear()
    tracker.events.extend(rebuilt[:6])
    same()
    assert action._action_call_format(tracker, domain)["tracker"]["events"][1]["text"] == "改过的一句"


# -- when the patches apply: the version guard and RASA_PATCHES ------------------------------------
@pytest.fixture
def installs(monkeypatch):
    """Records which install functions ``apply()`` calls, instead of patching Rasa again."""
    from bot import rasa_patches

    called = []
    for name in ("install", "install_sqlite_pragmas", "install_sqlite_pool"):
        monkeypatch.setattr(rasa_patches, name, lambda name=name: called.append(name))
    monkeypatch.delenv("RASA_PATCHES", raising=False)
    return called


def test_the_patches_apply_on_rasa_3_6(installs, monkeypatch):
    from bot import rasa_patches

    for version in ("3.6.21", "3.6.0"):
        monkeypatch.setattr(rasa_patches, "rasa_version", lambda version=version: version)
        installs.clear()
        assert rasa_patches.apply() is True
        assert installs == ["install", "install_sqlite_pragmas", "install_sqlite_pool"]
    monkeypatch.setenv("RASA_PATCHES", "on")
    assert rasa_patches.apply() is True


@pytest.mark.parametrize("version", ["3.7.0", "3.10.1", "4.0.0", "2.8.34", None])
def test_the_guard_skips_another_rasa_with_a_warning(installs, monkeypatch, caplog, version):
    from bot import rasa_patches

    monkeypatch.setattr(rasa_patches, "rasa_version", lambda: version)
    with caplog.at_level("WARNING", logger="bot.rasa_patches"):
        assert rasa_patches.apply() is False
    assert installs == []
    assert "Rasa patches not applied" in caplog.text and str(version or "unknown") in caplog.text


def test_the_version_is_read_from_the_installed_package():
    import rasa

    from bot import rasa_patches

    assert rasa_patches.rasa_version() == rasa.__version__
    assert rasa.__version__.startswith(rasa_patches.SUPPORTED_RASA)  # requirements.txt's pin


@pytest.mark.parametrize("value", ["off", "OFF", "0", "false", "no"])
def test_the_switch_turns_the_patches_off(installs, monkeypatch, caplog, value):
    from bot import rasa_patches

    monkeypatch.setattr(rasa_patches, "rasa_version", lambda: "3.6.21")
    monkeypatch.setenv("RASA_PATCHES", value)
    with caplog.at_level("WARNING", logger="bot.rasa_patches"):
        assert rasa_patches.apply() is False
    assert installs == []
    assert "Rasa patches off" in caplog.text


def test_with_the_switch_off_a_whole_complaint_is_filed(tmp_path):
    """RASA_PATCHES=off, read where it matters: the Rasa server of a real stack (started as `make
    run` starts it, ~1 min for the model) runs unpatched and still takes a complaint from the
    first message to a filed case. Every patch only makes Rasa faster, so nothing may degrade
    but speed: the form's validation and the filing go through the action server (answer check,
    action-call JSON), every message through the graph runner, the tracker through the SQLite
    store (in Rasa's rollback journal here: the WAL patch is off too)."""
    from tests.e2e.dialogue import CASE_NO, Customer
    from tests.stack import Stack

    stack = Stack(tmp_path, RASA_PATCHES="off")
    try:
        stack.start_all()
        customer = Customer(stack, {
            "customer_name": "我叫王建国", "phone": "13812345678", "branch": "朝阳路支行",
            "occurred_at": "昨天", "amount": "五千块", "demand": "希望尽快退回被盗的钱",
        })
        case_no = customer.converse("你好，我的信用卡昨天被盗刷了五千块")
        assert CASE_NO.fullmatch(case_no)
        case = stack.casedesk("GET", f"/api/cases/{case_no}").json()
        assert case["conversation_id"] == stack.conversation_id(customer.sender)
        assert case["phone"] == "13812345678" and case["category"] == "transaction_dispute"
        assert "Rasa patches off (RASA_PATCHES=off)" in stack.log_path("rasa").read_text()
        mode = sqlite3.connect(tmp_path / "tracker.db").execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "delete"
    finally:
        stack.stop_all()
