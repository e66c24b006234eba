"""JSON log lines with the request's id (bot/log_format.py, issue 17): the real app over a real
socket; what the case desk logs while serving a request carries that request's id."""
from __future__ import annotations

import io
import json
import logging
import uuid
from typing import Any, Iterator, List

import pytest

from aiohttp.test_utils import TestClient, TestServer

from bot import redact
from bot.casedesk.app import PathOnlyAccessLogger, init_app
from bot.casedesk.settings import Settings, load_settings
from bot.log_format import JsonFormatter, configure, request_id

from .helpers import Api, case_payload


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger writing JSON to a buffer, masked as in the running desk."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(redact.RedactingFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(old_level)


def _lines(out: io.StringIO) -> List[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


async def test_a_request_gets_an_id_and_every_line_it_logs_carries_it(
    settings: Settings, json_lines: io.StringIO
) -> None:
    # the desk as `python -m bot.casedesk` serves it: its own access log, path only
    server = TestServer(init_app(settings), host="127.0.0.1", access_log_class=PathOnlyAccessLogger)
    async with TestClient(server) as client:
        api = Api(client)
        resp = await client.post("/api/cases", json={"nonsense": True}, headers=api.headers)
        rid = resp.headers["X-Request-Id"]
        assert resp.status == 400 and len(rid) == 32
        # the id the caller sent (the action server's intake id) is kept
        intake_id = str(uuid.uuid4())
        resp = await client.post("/api/cases", json=case_payload(intake_id=intake_id), headers={
            **api.headers, "X-Request-Id": intake_id})
        assert resp.status == 201 and resp.headers["X-Request-Id"] == intake_id
    access = [line for line in _lines(json_lines) if "POST /api/cases" in line["message"]]
    assert [line.get("request_id") for line in access] == [rid, intake_id]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in access)


async def test_a_header_that_is_no_id_is_replaced(api: Api) -> None:
    for offered in ("13812345678 王小明", "x" * 200, "short"):
        resp = await api.client.get("/healthz", headers={"X-Request-Id": offered})
        assert resp.headers["X-Request-Id"] != offered
    assert request_id("a\nb" * 10) != "a\nb" * 10


async def test_an_error_answer_carries_the_id_too(api: Api) -> None:
    resp = await api.client.get("/api/cases/TS00000000000000", headers={"X-Request-Id": "req-12345678"})
    assert resp.status in (401, 404) and resp.headers["X-Request-Id"] == "req-12345678"
    resp = await api.client.get("/api/cases", headers={"X-Request-Id": "req-87654321"})  # no token
    assert resp.status == 401 and resp.headers["X-Request-Id"] == "req-87654321"


def test_a_json_line_is_masked_and_names_the_request(json_lines: io.StringIO) -> None:
    from bot.log_format import REQUEST_ID

    token = REQUEST_ID.set("req-abcdef12")
    try:
        logging.getLogger("bot.casedesk.test").warning("客户留了电话13812345678")
        try:
            raise ValueError("卡号6222020200112233445")
        except ValueError:
            logging.getLogger("bot.casedesk.test").exception("坏了")
    finally:
        REQUEST_ID.reset(token)
    first, second = _lines(json_lines)[-2:]
    assert first["request_id"] == "req-abcdef12" and first["level"] == "WARNING"
    assert "13812345678" not in first["message"] and "138****5678" in first["message"]
    assert "6222020200112233445" not in second["exception"]


def test_log_format_is_a_setting_with_a_clear_error(tmp_path: Any) -> None:
    secrets = {"CASEDESK_TOKEN": "t" * 20, "CASEDESK_SECRET_KEY": "s" * 32}
    assert load_settings(tmp_path / "none.env", environ=secrets).log_format == "text"
    assert load_settings(tmp_path / "none.env", environ={**secrets, "LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        load_settings(tmp_path / "none.env", environ={**secrets, "LOG_FORMAT": "xml"})
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        configure("xml")


def test_json_is_put_on_the_handlers_the_process_has() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    root.addHandler(handler)
    # (pytest's own handlers are on the root logger too: their formatters are put back)
    before = {h: h.formatter for h in root.handlers}
    try:
        configure("json")
        assert isinstance(handler.formatter, JsonFormatter)
    finally:
        for h, formatter in before.items():
            h.setFormatter(formatter)
        root.removeHandler(handler)
