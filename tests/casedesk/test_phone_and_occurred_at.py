"""Landline phones and rough dates (an interval of days) through the case API (issue 12)."""
from __future__ import annotations

from datetime import timedelta

from bot.casedesk.cases.case_rules import CHINA_TZ

from .helpers import Api, Clock


async def test_a_landline_is_accepted_masked_and_revealed(api: Api) -> None:
    status, body = await api.create(phone="0571-8702 3456")
    assert status == 201, body
    assert body["phone"] == "0571****3456"
    _, detail = await api.call("GET", f"/api/cases/{body['case_no']}")
    assert detail["phone"] == "057187023456"


async def test_same_landline_links_a_repeat_complaint(api: Api) -> None:
    # the repeat lookup hashes the normalised number: two spellings are one customer
    _, first = await api.create(phone="(0571)87023456", category="product_service")
    _, second = await api.create(phone="+86 571 8702 3456", category="product_service")
    assert second["repeat_flag"] is True and second["repeat_of"] == first["case_no"]


async def test_a_landline_without_area_code_is_refused(api: Api) -> None:
    status, body = await api.create(phone="87023456")
    assert status == 400 and body["error"] and "座机" in body["message"]


async def test_occurred_at_may_be_an_interval(api: Api, clock: Clock) -> None:
    today = clock.now.astimezone(CHINA_TZ).date()
    window = f"{(today - timedelta(days=30)).isoformat()}/{(today - timedelta(days=1)).isoformat()}"
    status, body = await api.create(occurred_at=window)
    assert status == 201, body
    _, detail = await api.call("GET", f"/api/cases/{body['case_no']}")
    assert detail["occurred_at"] == window
    later = f"{(today - timedelta(days=10)).isoformat()}/{today.isoformat()}"
    status, patched = await api.call("PATCH", f"/api/cases/{body['case_no']}", json={"occurred_at": later})
    assert status == 200, patched
    assert patched["occurred_at"] == later


async def test_a_future_or_reversed_interval_is_refused(api: Api, clock: Clock) -> None:
    today = clock.now.astimezone(CHINA_TZ).date()
    for bad in (
        f"{today.isoformat()}/{(today + timedelta(days=30)).isoformat()}",
        f"{today.isoformat()}/{(today - timedelta(days=3)).isoformat()}",
    ):
        status, body = await api.create(occurred_at=bad)
        assert status == 400 and body["error"], (bad, body)
