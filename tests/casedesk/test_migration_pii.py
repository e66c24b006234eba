"""Migration 0005 (PII at rest) seals the rows already stored and its downgrade restores them."""
from __future__ import annotations

from typing import Any, Dict, List

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, text

from bot.casedesk import db as dbmod
from bot.crypto import PiiCipher
from bot.casedesk.dbconfig import connect_args, sync_url
from bot.casedesk.app import init_app
from bot.casedesk.settings import Settings
from bot.redact import contains_pii

from .helpers import SECRET, Api

NAME, PHONE = "欧阳建国", "13812345678"
SAID = f"我叫{NAME}，电话{PHONE}，卡号6222021234567890123"


def _rows(settings: Settings) -> Dict[str, List[Any]]:
    url = sync_url(settings.db_url)
    engine = create_engine(url, future=True, connect_args=connect_args(url, settings.db_schema))
    try:
        with engine.connect() as conn:
            return {
                "turns": conn.execute(text("SELECT * FROM case_transcript ORDER BY id")).mappings().all(),
                "cases": conn.execute(text("SELECT * FROM cases ORDER BY id")).mappings().all(),
                "events": conn.execute(text("SELECT * FROM case_events WHERE field = 'description'")).mappings().all(),
            }
    finally:
        engine.dispose()


async def test_0005_seals_existing_rows_and_downgrade_restores_them(settings: Settings) -> None:
    async with TestClient(TestServer(init_app(settings), host="127.0.0.1")) as client:
        api = Api(client)
        status, created = await api.create(
            customer_name=NAME, phone=PHONE, description=f"请回电{PHONE}",
            transcript=[{"role": "customer", "text": SAID}, {"role": "bot", "text": "好的"}],
        )
        assert status == 201
        await api.call("PATCH", f"/api/cases/{created['case_no']}", json={"description": f"{NAME}要求回电 {PHONE}"})

    # before 0005: the full text in the plain columns, as the issue found it
    dbmod.downgrade(settings, "0004")
    before = _rows(settings)
    assert [t["text"] for t in before["turns"]] == [SAID, "好的"]
    assert before["cases"][0]["description"] == f"{NAME}要求回电 {PHONE}"
    assert "text_enc" not in before["turns"][0]
    # the history as it used to be written: full values
    url = sync_url(settings.db_url)
    engine = create_engine(url, future=True, connect_args=connect_args(url, settings.db_schema))
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET old_value = :o, new_value = :n WHERE field = 'description'"),
                     {"o": f"请回电{PHONE}", "n": f"{NAME}要求回电 {PHONE}"})
    engine.dispose()

    dbmod.run_migrations(settings)
    after = _rows(settings)
    cipher = PiiCipher(SECRET)
    customer, bot = after["turns"]
    assert customer["text"] == "我叫欧**国，电话138****5678，卡号***************0123"
    assert cipher.decrypt(customer["text_enc"]) == SAID
    assert bot["text"] == "好的" and bot["text_enc"] is None
    case = after["cases"][0]
    assert case["description"] == "欧**国要求回电 138****5678"
    assert cipher.decrypt(case["description_enc"]) == f"{NAME}要求回电 {PHONE}"
    (event,) = after["events"]
    assert event["old_value"] == "请回电138****5678" and event["new_value"] == "欧**国要求回电 138****5678"
    for t in after["turns"]:
        assert not contains_pii(t["text"]) and NAME not in t["text"]

    # migrating again changes nothing; the app reads the sealed rows back in full
    dbmod.run_migrations(settings)
    assert _rows(settings) == after
    async with TestClient(TestServer(init_app(settings), host="127.0.0.1")) as client:
        _, detail = await Api(client).call("GET", f"/api/cases/{created['case_no']}")
    assert detail["transcript"][0]["text"] == SAID
    assert detail["description"] == f"{NAME}要求回电 {PHONE}"
