"""No name or phone in any log line, even with SQL logging switched on."""
from __future__ import annotations

import logging

import pytest

from .helpers import Api

NAME, PHONE, NEW_NAME, NEW_PHONE = "欧阳建国", "13812345678", "欧阳建军", "13987654321"


async def test_no_pii_in_logs(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot.casedesk")
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    status, created = await api.create(customer_name=NAME, phone=PHONE, description=f"请回电 {PHONE}")
    assert status == 201
    no = created["case_no"]
    await api.call("GET", "/api/cases", params={"limit": "5"})
    status, detail = await api.call("GET", f"/api/cases/{no}")
    assert detail["phone"] == PHONE
    await api.call("PATCH", f"/api/cases/{no}", json={"customer_name": NEW_NAME, "phone": NEW_PHONE, "status": "acknowledged"})
    await api.call("PATCH", f"/api/cases/{no}", json={"phone": "139876543210"})  # 400
    await api.call("POST", f"/api/cases/{no}/transcript", json={"turns": [{"role": "customer", "text": f"我叫{NAME}，电话{PHONE}"}]})
    await api.call("POST", "/api/cases", json={"conversation_id": "x", "intake_id": "y", "channel": "web", "description": "d", "phone": NEW_PHONE, "customer_name": NAME, "bogus": 1})

    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "case created" in text and "138****5678" in text  # the desk does log, masked
    for secret in (NAME, PHONE, NEW_NAME, NEW_PHONE, "13987654321"):
        assert secret not in text
    assert api.headers["Authorization"].split()[1] not in text


def test_redacting_filter_masks_phone_numbers() -> None:
    # the case desk's filter is the shared rule set of bot/redact.py (tests/test_redact.py)
    from bot.redact import RedactingFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "caller %s said %s", ("13812345678", "hi"), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "caller 138****5678 said hi"


def test_main_installs_the_filter_on_its_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from aiohttp import web

    from bot.casedesk import app as entry
    from bot.redact import RedactingFilter

    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root.addHandler(handler)
    monkeypatch.setattr(web, "run_app", lambda *a, **k: None)
    monkeypatch.setattr(entry, "load_settings", lambda: __import__("types").SimpleNamespace(host="127.0.0.1", port=0, log_format="text"))
    monkeypatch.setattr(entry, "init_app", lambda settings: None)
    try:
        entry.main()
        assert any(isinstance(f, RedactingFilter) for f in handler.filters)
        try:
            raise ValueError("bad body 我的卡号6222021234567890123，电话13812345678")
        except ValueError:
            logging.getLogger("aiohttp.server").exception("Error handling request")
        out = stream.getvalue()
        assert "Error handling request" in out and "138****5678" in out
        assert "13812345678" not in out and "6222021234567890123" not in out
    finally:
        root.removeHandler(handler)
        for h in root.handlers:
            for f in [f for f in h.filters if isinstance(f, RedactingFilter)]:
                h.removeFilter(f)
