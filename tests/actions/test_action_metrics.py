"""actions/metrics.py without a server: the labels a call gets and the outbox's counts (the
route itself is tested on the real action server, tests/e2e/test_action_metrics_e2e.py)."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from actions.metrics import ActionMetrics
from actions.outbox import Outbox


def _samples(metrics: ActionMetrics) -> dict:
    out = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_an_action_is_named_only_when_it_looks_like_one():
    assert ActionMetrics.action_of({"next_action": "validate_intake_form"}) == "validate_intake_form"
    for body in ({"next_action": "x" * 500}, {"next_action": "rm -rf /"}, {"next_action": 7}, [], None):
        assert ActionMetrics.action_of(body) == "unknown"


def test_outcomes_by_status_and_outbox_by_state(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    outbox.add({"case": 1}, ("rest:a", "i-1"))
    outbox.add({"case": 2}, ("rest:b", "i-2"))
    outbox.mark_delivered(("rest:b", "i-2"), "TS1")
    metrics = ActionMetrics(outbox)
    metrics.observe("action_file_case", 200, 0.02)
    metrics.observe("validate_intake_form", 400, 0.01)
    metrics.observe("unknown", 404, 0.001)
    metrics.observe("action_file_case", 500, 1.2)
    got = _samples(metrics)
    assert got[("actions_requests_total", (("action", "action_file_case"), ("outcome", "ok")))] == 1
    assert got[("actions_requests_total", (("action", "action_file_case"), ("outcome", "error")))] == 1
    assert got[("actions_requests_total", (("action", "validate_intake_form"), ("outcome", "rejected")))] == 1
    assert got[("actions_requests_total", (("action", "unknown"), ("outcome", "unknown_action")))] == 1
    assert got[("actions_request_seconds_count", (("action", "action_file_case"),))] == 2
    assert got[("actions_outbox_entries", (("status", "pending"),))] == 1
    assert got[("actions_outbox_entries", (("status", "delivered"),))] == 1
    assert got[("actions_outbox_entries", (("status", "rejected"),))] == 0
