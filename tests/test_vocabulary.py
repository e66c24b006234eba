"""The shared codes have one home (bot/vocabulary.py, issue 16): the classifier's taxonomy, the Rasa
domain, the case desk and the console name the same codes, and every code has its Chinese label."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot import vocabulary as v
from bot.casedesk.cases import case_rules, schemas
from bot.casedesk.console import labels
from bot.casedesk.handoffs import service as handoffs
from bot.escalation.rules import REASONS

ROOT = Path(__file__).resolve().parents[1]


def _yaml(path: str):
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def test_every_code_has_a_chinese_label():
    for codes, names in [
        (v.Category, v.CATEGORY_LABELS), (v.BusinessLine, v.BUSINESS_LINE_LABELS),
        (v.Priority, v.PRIORITY_LABELS), (v.HandoffReason, v.REASON_LABELS),
        (v.HandoffStatus, v.HANDOFF_STATUS_LABELS), (v.Channel, v.CHANNEL_LABELS),
        (v.Status, {s.value: label for s, label in v.STATUS_LABELS.items()}),
    ]:
        assert set(names) == set(codes.values()), codes
        assert all(any("\u4e00" <= c <= "\u9fff" for c in label) for label in names.values())


def test_the_taxonomy_names_the_vocabularys_codes_and_labels():
    taxonomy = _yaml("actions/taxonomy.yml")
    categories = {code: spec["label"] for code, spec in taxonomy["categories"].items()}
    lines = {code: spec["label"] for code, spec in taxonomy["business_lines"].items()}
    assert categories == v.CATEGORY_LABELS
    assert lines == v.BUSINESS_LINE_LABELS
    assert set(taxonomy["priority"]["labels"]) == set(v.Priority.values())


def test_the_rasa_domain_names_the_vocabularys_codes():
    slots = _yaml("bot/domain/intake.yml")["slots"]
    assert slots["category"]["values"] == v.Category.values()
    assert slots["business_line"]["values"] == v.BusinessLine.values()
    assert slots["priority"]["values"] == v.Priority.values()


def test_the_escalation_reasons_are_the_handoff_reasons():
    assert set(REASONS) == set(v.HandoffReason.values())


def test_the_case_desk_and_the_console_use_the_vocabulary():
    assert case_rules.Category is v.Category and case_rules.Status is v.Status
    assert labels.CATEGORY_LABELS is v.CATEGORY_LABELS and labels.REASON_LABELS is v.REASON_LABELS
    assert (handoffs.WAITING, handoffs.ACTIVE, handoffs.CLOSED) == tuple(v.HandoffStatus.values())
    assert schemas.HANDOFF_STATUSES == tuple(v.HandoffStatus.values())


def _labelled_enums():
    # importing the console's labels loads every module that declares a labelled code
    assert labels.STEP_LABELS
    todo, seen = [v.LabelledEnum], []
    while todo:
        for sub in todo.pop().__subclasses__():
            seen.append(sub)
            todo.append(sub)
    return seen


def test_a_label_is_written_once_on_its_code():
    enums = _labelled_enums()
    assert {e.__name__ for e in enums} >= {
        "Status", "Category", "BusinessLine", "Priority", "HandoffReason", "HandoffStatus", "Channel",
        "Step", "Outcome", "Liability", "NotifyVia", "SlaStatus", "Role", "CallbackReason",
    }
    for codes in enums:
        names = [m.label for m in codes]
        assert all(any("\u4e00" <= c <= "\u9fff" for c in name) for name in names), codes
        assert len(set(names)) == len(names), codes
    assert v.Status("withdrawn").label == v.STATUS_LABELS[v.Status.WITHDRAWN] == "客户撤诉"
    assert labels.OUTCOME_LABELS == {"supported": "支持", "partly_supported": "部分支持", "not_supported": "不支持"}


def test_the_api_document_describes_codes_by_their_labels():
    from bot.casedesk.api.openapi import build_openapi

    text = str(build_openapi())
    assert "liable 有责、not_liable 无责、shared 双方责任" in text
    assert "accept 受理、investigate 调查、decide 决定、notify 告知、close 结案、withdrawn 客户撤诉" in text
