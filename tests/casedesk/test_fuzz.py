"""Property test: random bodies and query strings over real HTTP never make a 500, and every
error has the documented JSON shape. Runs against a live server on SQLite and on PostgreSQL."""
from __future__ import annotations

import http.client
import json
import os
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.casedesk.cases.case_rules import BusinessLine, Category, Channel, HandoffReason, Priority, Role, Status
from bot.casedesk.cases.schemas import CREATE_FIELDS, LIST_PARAMS, PATCH_FIELDS

from .helpers import TOKEN, ThreadedServer, case_payload

# lean by default (2-core CI); CASEDESK_FUZZ_EXAMPLES=1000 for a deeper local run
FUZZ = settings(
    max_examples=int(os.environ.get("CASEDESK_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)

ENUMS = [Channel, Category, BusinessLine, Priority, HandoffReason, Status, Role]
plausible = (
    st.sampled_from([v for e in ENUMS for v in e.values()])
    | st.sampled_from(["13812345678", "+86 139-0000-1111", "2026-11-21", "2026-11-21T15:00:00+08:00", "12,800.50", "五千", "", " ", "\x00", "9" * 40])
    | st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)
    | json_values
)
turns = st.lists(
    st.fixed_dictionaries(
        {},
        optional={"role": plausible, "text": plausible, "at": plausible, "turn_key": plausible, "extra": plausible},
    ),
    max_size=3,
)


def case_shaped(fields: Tuple[str, ...]) -> st.SearchStrategy[Dict[str, Any]]:
    optional = {name: (turns if name == "transcript" else plausible) for name in fields}
    optional["unexpected"] = plausible
    return st.fixed_dictionaries({}, optional=optional)


def valid_with_one_change() -> st.SearchStrategy[Dict[str, Any]]:
    return st.builds(
        lambda field, value: {**case_payload(), field: value},
        st.sampled_from(CREATE_FIELDS),
        plausible,
    )


bodies = (
    case_shaped(CREATE_FIELDS).map(lambda d: json.dumps(d, default=str).encode())
    | valid_with_one_change().map(lambda d: json.dumps(d, default=str).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=200)
)
patch_bodies = (
    case_shaped(PATCH_FIELDS).map(lambda d: json.dumps(d, default=str).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=100)
)
query_strings = (
    st.dictionaries(
        st.sampled_from(LIST_PARAMS) | st.text(max_size=8),
        st.text(max_size=20) | plausible.map(str),
        max_size=4,
    ).map(urlencode)
    | st.text(max_size=40).map(lambda t: quote(t, safe="=&,;"))
    | st.sampled_from(["status=%ff%fe", "limit=%00", "a=%zz", "&&==&", "status", "overdue=%E7%9C%9F"])
)


def request(server: ThreadedServer, method: str, path: str, body: Optional[bytes] = None) -> Tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    finally:
        conn.close()


def check(status: int, body: Any) -> None:
    assert status < 500, body
    if status >= 400:
        assert isinstance(body, dict) and set(body) == {"error", "message"}, body
        assert body["error"] and body["message"]


@pytest.fixture(scope="module")
def case_no(threaded_server: ThreadedServer) -> str:
    status, body = request(threaded_server, "POST", "/api/cases", json.dumps(case_payload()).encode())
    assert status == 201
    return body["case_no"]


@FUZZ
@given(body=bodies)
def test_fuzz_create(threaded_server: ThreadedServer, body: bytes) -> None:
    check(*request(threaded_server, "POST", "/api/cases", body))


@FUZZ
@given(query=query_strings)
def test_fuzz_list(threaded_server: ThreadedServer, query: str) -> None:
    check(*request(threaded_server, "GET", "/api/cases?" + query))


@FUZZ
@given(body=patch_bodies)
def test_fuzz_patch(threaded_server: ThreadedServer, case_no: str, body: bytes) -> None:
    check(*request(threaded_server, "PATCH", f"/api/cases/{case_no}", body))


@FUZZ
@given(body=case_shaped(("turns", "reason")).map(lambda d: json.dumps(d, default=str).encode()) | st.binary(max_size=50),
       sub=st.sampled_from(["transcript", "extend"]))
def test_fuzz_transcript_and_extend(threaded_server: ThreadedServer, case_no: str, body: bytes, sub: str) -> None:
    check(*request(threaded_server, "POST", f"/api/cases/{case_no}/{sub}", body))
