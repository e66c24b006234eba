"""The action server's `GET /metrics` (issue 17, actions/metrics.py) on the real stack: the calls
Rasa made for a customer are counted by action and outcome, the outbox's entries by status, and
nothing of the customer reaches the body."""
from __future__ import annotations

import re

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.dialogue import Customer


def scrape(stack) -> tuple[str, dict]:
    r = requests.get(f"{stack.actions_url}/metrics", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain"), r.text[:300]
    samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return r.text, samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_filed_complaint_is_counted_and_no_customer_data_is_shown(stack):
    _, before = scrape(stack)
    customer = Customer(stack, {
        "customer_name": "我叫欧阳明月", "phone": "139 0571 2468", "branch": "朝阳路支行", "occurred_at": "昨天",
        "amount": "300元", "demand": "把多收的钱退给我", "confirm": "确认",
    })
    case_no = customer.converse("朝阳路支行柜台多收了我三百块手续费")
    body, after = scrape(stack)

    started = ("actions_requests_total", {"action": "action_start_intake", "outcome": "ok"})
    assert value(after, started[0], **started[1]) >= value(before, started[0], **started[1]) + 1
    filed = value(after, "actions_requests_total", action="action_file_case", outcome="ok")
    assert filed >= value(before, "actions_requests_total", action="action_file_case", outcome="ok") + 1
    assert value(after, "actions_request_seconds_count", action="action_file_case") >= 1
    # the case reached the desk: the outbox holds it as delivered, every status reported
    assert value(after, "actions_outbox_entries", status="delivered") >= 1
    assert {("actions_outbox_entries", (("status", s),)) for s in ("pending", "delivered", "rejected")} <= set(after)
    for secret in ("欧阳明月", "13905712468", "0571", case_no, customer.sender):
        assert secret not in body
    assert not re.search(r"[\u4e00-\u9fff]", body)


def test_a_hostile_body_mints_no_label(stack):
    r = requests.post(f"{stack.actions_url}/webhook", json={"next_action": "drop table; 你好", "tracker": {}},
                      timeout=10)
    assert r.status_code >= 400
    body, samples = scrape(stack)
    assert "drop table" not in body
    assert any(name == "actions_requests_total" and dict(labels).get("action") == "unknown"
               for name, labels in samples)
