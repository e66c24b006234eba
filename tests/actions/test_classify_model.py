"""actions/classify_model.py and how actions/classify.py combines it with the keyword rules."""
from __future__ import annotations


import pytest

from actions import classify as C
from actions import classify_model as M


def test_training_data_is_labelled_with_contract_codes_and_is_big_enough():
    examples = M.load_examples(include_dev=False)
    assert len(examples) >= 300
    assert {c for _, c, _ in examples} == set(C.CATEGORIES)
    assert {b for _, _, b in examples} == set(C.BUSINESS_LINES)
    assert len({t for t, _, _ in examples}) == len(examples), "duplicate training text"


def test_training_data_never_contains_held_out_text():
    import yaml
    from pathlib import Path

    held_out = set()
    for name in ("holdout.yml", "holdout_fresh.yml", "blind.yml"):
        path = Path(M.ROOT) / "tests" / "nlu_holdout" / name
        if path.exists():
            held_out |= {str(i["text"]) for i in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]}
    assert not held_out & {t for t, _, _ in M.load_examples()}


def test_training_is_deterministic():
    examples = M.load_examples()
    a, b = M.train(examples), M.train(examples)
    texts = ["手机银行闪退", "柜员骂人", "钱转过去对方没收到", "排队两小时", "我要投诉"]
    assert [a.predict(t) for t in texts] == [b.predict(t) for t in texts]


def test_models_are_cached_per_process():
    assert M.models() is M.models()


def test_predict_returns_contract_codes():
    p = M.predict("APP一直闪退登录不上")
    assert p["category"] in C.CATEGORIES and p["business_line"] in C.BUSINESS_LINES
    assert isinstance(p["category_p"], float) and isinstance(p["business_line_p"], float)


@pytest.mark.parametrize("text, category, business_line", [
    ("密码老是提示错误", "product_service", "payment"),  # no rule: rules alone say `other`
    ("硬币换不了，跑了两家都说没有", "business_operation", "cash"),
])
def test_model_decides_when_no_rule_fires(text, category, business_line):
    d = C.rule_decision(text)
    assert d.rule is None and not d.vague
    assert C.explain(text)["decided"]["category_by"] == "model"
    assert C.classify(text)[:2] == (category, business_line)


def test_no_rule_and_an_unsure_model_keeps_the_rules_guess():
    d = C.rule_decision("密码老是提示错误")
    unsure = {"category": "staff_service", "category_p": C.MODEL_MIN_MARGIN / 2,
              "business_line": "payment", "business_line_p": 0.0}
    assert C.combine(d, unsure)[0] == d.category


def test_vague_complaint_stays_other_whatever_the_model_says():
    d = C.rule_decision("我要投诉")
    assert d.vague
    assert C.combine(d, {"category": "staff_service", "category_p": 9.0,
                         "business_line": "loan", "business_line_p": 9.0})[:2] == ("other", "other")


def test_decisive_rule_is_never_overridden():
    d = C.rule_decision("经理说这个理财保本，结果亏了")
    assert d.rule in C.DECISIVE_RULES
    fake = {"category": "staff_service", "category_p": 9.0, "business_line": "other", "business_line_p": 9.0}
    assert C.combine(d, fake)[:2] == ("product_service", "wealth")


def test_other_rules_are_overridden_only_by_a_clear_margin():
    d = C.rule_decision("柜员态度很差")
    assert d.rule and d.rule not in C.DECISIVE_RULES
    weak = {"category": "business_operation", "category_p": C.MODEL_MARGIN / 2,
            "business_line": "other", "business_line_p": 0.0}
    strong = dict(weak, category_p=C.MODEL_MARGIN + 0.1)
    assert C.combine(d, weak)[0] == "staff_service"
    assert C.combine(d, strong)[0] == "business_operation"


def test_rules_alone_when_the_model_is_switched_off(monkeypatch):
    monkeypatch.setenv("CLASSIFY_MODEL", "off")
    text = "上个礼拜那个小伙子接待我的时候一直在看手机"
    assert C.classify(text) == C.classify_rules_only(text)
    assert C.explain(text)["model_says"] is None
