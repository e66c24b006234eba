"""The NLU training data keeps the contract and stays apart from the held-out set."""
from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import pytest
import yaml

pytest.importorskip("rasa")

from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from bot.nlu.normalizer import TextNormalizer  # noqa: E402
from bot.text import normalize_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
INTENTS = {"complain", "inform", "affirm", "deny", "correct", "cancel", "request_human", "escalate",
           "greet", "thank", "goodbye", "out_of_scope"}
# issue 14: the progress lookup's intent, declared in bot/domain/progress.yml
PROGRESS_INTENTS = {"check_progress"}
WITHDRAW_INTENTS = {"withdraw_complaint"}
DIET_ENTITIES = {"customer_name", "branch", "amount", "occurred_at", "field"}


@pytest.fixture(scope="module")
def training():
    logging.disable(logging.WARNING)
    data = load_data(str(ROOT / "data" / "nlu"))
    TextNormalizer.create({}, None, None, None).process_training_data(data)
    return data


@pytest.fixture(scope="module")
def holdout():
    return yaml.safe_load((ROOT / "tests" / "nlu_holdout" / "holdout.yml").read_text(encoding="utf-8"))


def test_intents_and_entities_match_the_contract(training):
    domain = yaml.safe_load((ROOT / "bot" / "domain" / "nlu.yml").read_text(encoding="utf-8"))
    assert set(domain["intents"]) == INTENTS
    assert set(domain["entities"]) == DIET_ENTITIES | {"phone"}
    progress = yaml.safe_load((ROOT / "bot" / "domain" / "progress.yml").read_text(encoding="utf-8"))
    assert set(progress["intents"]) == PROGRESS_INTENTS
    withdraw = yaml.safe_load((ROOT / "bot" / "domain" / "withdraw.yml").read_text(encoding="utf-8"))
    assert set(withdraw["intents"]) == WITHDRAW_INTENTS
    assert {m.get("intent") for m in training.intent_examples} == INTENTS | PROGRESS_INTENTS | WITHDRAW_INTENTS
    used = {e["entity"] for m in training.training_examples for e in m.get("entities") or []}
    assert used == DIET_ENTITIES  # phone is regex-only: never annotated


def test_enough_examples(training):
    counts = Counter(m.get("intent") for m in training.intent_examples)
    assert counts["complain"] >= 250 and counts["inform"] >= 200, counts
    assert min(counts.values()) >= 40, counts


def test_entity_annotations_align_with_jieba_tokens(training):
    tokenizer = JiebaTokenizer.create(
        {**JiebaTokenizer.get_default_config(),
         "dictionary_path": str(ROOT / "bot" / "nlu" / "jieba_dict")}, None, None, None)
    bad = []
    for message in training.training_examples:
        entities = message.get("entities") or []
        if not entities:
            continue
        toks = tokenizer.tokenize(Message(data={"text": message.get("text")}), "text")
        starts, ends = {t.start for t in toks}, {t.end for t in toks}
        for e in entities:
            if e["start"] not in starts or e["end"] not in ends:
                bad.append((message.get("text"), e["entity"], message.get("text")[e["start"]:e["end"]]))
    assert not bad, bad[:10]


@pytest.mark.parametrize("name", ["holdout.yml", "holdout_fresh.yml"])
def test_no_held_out_line_in_training(training, name):
    held_out = yaml.safe_load((ROOT / "tests" / "nlu_holdout" / name).read_text(encoding="utf-8"))
    train_texts = {m.get("text") for m in training.training_examples if m.get("text")}
    leaked = [i["text"] for i in held_out["items"] if normalize_text(str(i["text"])) in train_texts]
    assert not leaked, leaked


def test_holdout_shape(holdout):
    assert str(holdout["reference_date"]) == "2026-11-22"
    items = holdout["items"]
    assert len(items) >= 250
    complaints = [i for i in items if i["intent"] == "complain"]
    assert len(complaints) >= 100
    for item in items:
        assert item["intent"] in INTENTS | PROGRESS_INTENTS, item
        assert set(item.get("slots") or {}) <= {"phone", "customer_name", "branch", "amount", "occurred_at"}, item
        if item["intent"] == "complain":
            assert item["category"] in {"product_service", "business_operation", "staff_service",
                                        "transaction_dispute", "other"}, item
            assert item["business_line"] in {"deposit", "loan", "bank_card", "payment", "cash",
                                             "wealth", "personal_info", "other"}, item
        phone = (item.get("slots") or {}).get("phone")
        if phone is not None:
            assert isinstance(phone, str) and len(phone) == 11 and phone.isdigit(), item


def test_holdout_export_is_current():
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_holdout_nlu", ROOT / "bench" / "make_holdout_nlu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "run: .venv/bin/python bench/make_holdout_nlu.py"
