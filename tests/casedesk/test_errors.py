"""Every kind of bad input gets the JSON error shape and the right status, never a 500."""
from __future__ import annotations

import re
from typing import Any

import pytest

from .helpers import TOKEN, Api, case_payload

CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_error(status: int, body: Any, expected_status: int, code: str = "") -> None:
    assert status == expected_status, body
    assert set(body) == {"error", "message"}
    assert isinstance(body["error"], str) and CJK.search(body["message"])
    if code:
        assert body["error"] == code


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer 令牌"},
    ],
)
async def test_401_without_the_right_token(api: Api, headers: dict) -> None:
    for method, path in (("GET", "/api/cases"), ("POST", "/api/cases"), ("GET", "/api/cases/TS20261122000001")):
        resp = await api.client.request(method, path, headers=headers)
        body = await resp.json()
        assert_error(resp.status, body, 401, "unauthorized")
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_openapi_is_public(api: Api) -> None:
    status, body = await api.call("GET", "/api/openapi.json", auth=False)
    assert status == 200 and body["openapi"].startswith("3.")


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"[1,2]", b'"text"', b"null", b"\xff\xfe", b'{"amount": NaN}', b"[" * 100000],
)
async def test_bad_json_is_400(api: Api, raw: bytes) -> None:
    status, body = await api.call("POST", "/api/cases", data=raw, headers={"Content-Type": "application/json"})
    assert_error(status, body, 400, "invalid_json")


@pytest.mark.parametrize("missing", ["conversation_id", "intake_id", "channel", "description"])
async def test_missing_required_field(api: Api, missing: str) -> None:
    status, body = await api.call("POST", "/api/cases", json=case_payload(**{missing: ...}))
    assert_error(status, body, 400, "missing_field")
    assert missing in body["message"]


@pytest.mark.parametrize(
    "field,value",
    [
        ("channel", "telegram"),
        ("category", "fraud"),
        ("business_line", 3),
        ("priority", "urgent"),
        ("handoff_reason", "bored"),
        ("phone", "12345"),
        ("phone", ["13812345678"]),
        ("amount", "五千"),
        ("amount", -1),
        ("amount", 1.005),
        ("amount", "1e400"),
        ("amount", True),
        ("occurred_at", "昨天下午"),
        ("occurred_at", "2026-02-30"),
        ("occurred_at", "2999-01-01"),
        ("confidential", "yes"),
        ("escalation_signals", "media"),
        ("escalation_signals", [1, 2]),
        ("transcript", [{"role": "ghost", "text": "x"}]),
        ("transcript", [{"role": "bot", "text": "x", "at": "later"}]),
        ("transcript", [{"role": "bot", "text": "x", "at": "9999-12-31T23:59:59-23:59"}]),
        ("transcript", [{"role": "bot"}]),
        ("transcript", "hello"),
        ("description", "x" * 5001),
        ("description", "nul\x00byte"),
        ("description", "lone \ud800 surrogate"),
        ("conversation_id", 42),
    ],
)
async def test_invalid_values(api: Api, field: str, value: Any) -> None:
    status, body = await api.call("POST", "/api/cases", json=case_payload(**{field: value}))
    assert status == 400, body
    assert_error(status, body, 400)
    assert body["error"] in ("invalid_value", "missing_field", "unknown_field")


async def test_unknown_field_is_400(api: Api) -> None:
    status, body = await api.call("POST", "/api/cases", json=case_payload(colour="red"))
    assert_error(status, body, 400, "unknown_field")
    assert "colour" in body["message"]


async def test_patch_errors(api: Api) -> None:
    _, created = await api.create()
    path = f"/api/cases/{created['case_no']}"
    for patch, code in (
        ({}, "empty_patch"),
        ({"case_no": "TS1"}, "immutable_field"),
        ({"conversation_id": "x"}, "immutable_field"),
        ({"status": "done"}, "invalid_value"),
        ({"description": ""}, "missing_field"),
        ({"confidential": None}, "invalid_value"),
        ({"nickname": "x"}, "unknown_field"),
    ):
        status, body = await api.call("PATCH", path, json=patch)
        assert_error(status, body, 400, code)


@pytest.mark.parametrize(
    "query",
    [
        "status=open",
        "priority=urgent",
        "limit=0",
        "limit=1000",
        "limit=abc",
        "offset=-1",
        "overdue=maybe",
        "limit=" + "9" * 5000,
        "limit=1&limit=2",
        "sort=created_at",
    ],
)
async def test_bad_query_is_400(api: Api, query: str) -> None:
    status, body = await api.call("GET", f"/api/cases?{query}")
    assert_error(status, body, 400)


async def test_405_lists_allowed_methods(api: Api) -> None:
    resp = await api.client.request("DELETE", "/api/cases", headers=api.headers)
    assert_error(resp.status, await resp.json(), 405, "method_not_allowed")
    assert "POST" in resp.headers["Allow"]
    resp = await api.client.request("PUT", "/api/cases/TS20261122000001", headers=api.headers)
    assert resp.status == 405


async def test_413_for_oversized_body(api: Api) -> None:
    huge = case_payload(description="投" * 100, demand="x" * (300 * 1024))
    status, body = await api.call("POST", "/api/cases", json=huge)
    assert_error(status, body, 413, "payload_too_large")


async def test_bad_actor_header(api: Api) -> None:
    status, body = await api.call("GET", "/api/cases", headers={"X-Actor": "a b c; drop"})
    assert_error(status, body, 400, "invalid_actor")
