"""The rule files: every keyword still fires, every example is right, exceptions stay quiet.

This is the guard for trainers' edits: a keyword that no longer triggers the detector (typo,
swallowed by a new exception, outranked by a broken pattern) fails here with its file and line.
"""
from __future__ import annotations

import pytest

from bot.escalation.detector import EscalationDetector
from bot.escalation.rules import load_rules, load_ruleset

from .helpers import RULES_DIR

RULES = load_rules(RULES_DIR)
# the rule files alone (the learned model, on by default, is tested in test_classifier.py)
DETECTOR = EscalationDetector(RULES_DIR, learned=False)
# Neutral words around the keyword: nothing in them is a trigger or an exception.
FRAME = "今天下午，{}，就这样"


def cases(kind):
    for reason, ruleset in RULES.items():
        for entry in getattr(ruleset, kind):
            yield pytest.param(reason, entry, id=f"{reason}:{entry[0] if isinstance(entry, tuple) else entry.name}")


def test_every_reason_has_a_file():
    assert set(RULES) == {"anger", "media", "regulator", "violence", "self_harm", "human"}


@pytest.mark.parametrize("reason,entry", list(cases("keywords")))
def test_keyword_fires(reason, entry):
    keyword = entry[0]
    detection = DETECTOR.detect(FRAME.format(keyword))
    assert detection and (detection.reason, detection.level) == (reason, "strong"), (keyword, detection)
    assert keyword in detection.cues


@pytest.mark.parametrize("reason,entry", list(cases("mild_keywords")))
def test_mild_keyword_fires_mild(reason, entry):
    keyword = entry[0]
    detection = DETECTOR.detect(FRAME.format(keyword))
    assert detection and (detection.reason, detection.level) == (reason, "mild"), (keyword, detection)


@pytest.mark.parametrize("reason,entry", list(cases("patterns")))
def test_pattern_example_fires(reason, entry):
    detection = DETECTOR.detect(entry.example)
    assert detection and (detection.reason, detection.level) == (reason, "strong"), (entry.example, detection)
    assert entry.name in detection.cues


@pytest.mark.parametrize("reason,entry", list(cases("mild_patterns")) + list(cases("intensifiers")))
def test_mild_pattern_example_fires_mild(reason, entry):
    detection = DETECTOR.detect(entry.example)
    assert detection and (detection.reason, detection.level) == (reason, "mild"), (entry.example, detection)


@pytest.mark.parametrize("reason,entry", list(cases("exceptions")))
def test_exception_example_never_fires(reason, entry):
    # an exception silences its own reason; 肺都炸了 is no violence but still anger
    detection = DETECTOR.detect(entry.example)
    assert detection is None or detection.reason != reason, (entry.example, detection)


@pytest.mark.parametrize("text", [
    "我以前是记者", "12378是什么电话", "新闻上说你们出了新产品", "我朋友是律师他说不用急",
    "银保监会的规定是什么", "今天天气不错", "我的卡被扣了315元", "3月15日去的网点",
    "我的手机号13812345678", "他脾气挺好的", "谢谢你这么客气", "USB接口的U盾插不上",
])
def test_non_threats_do_not_fire(text):
    assert DETECTOR.detect(text) is None


@pytest.mark.parametrize("text,reason", [
    ("我要找記者曝光", "media"), ("我去銀保監會投訴", "regulator"), ("再不處理就打１２３７８", "regulator"),
    ("氣死我了", "anger"), ("轉人工", "human"), ("我要砸爛你們網點", "violence"),
    ("我要去ＳＢ银行销户", "anger"),
])
def test_traditional_and_fullwidth_input(text, reason):
    detection = DETECTOR.detect(text)
    assert detection and detection.reason == reason and detection.level == "strong", detection


def test_priority_violence_regulator_media_anger_human():
    text = "气死了，转人工，不然我找记者曝光，再去银保监会，最后砸了你们网点"
    assert DETECTOR.detect(text).reason == "violence"
    assert DETECTOR.detect("气死了，转人工，不然我找记者曝光，再去银保监会").reason == "regulator"
    assert DETECTOR.detect("气死了，转人工，不然我找记者曝光").reason == "media"
    assert DETECTOR.detect("气死了，转人工").reason == "anger"


def test_cues_are_rule_words_never_customer_text():
    text = "我叫王建国电话13812345678，再不退钱我就让大家都看看你们"
    detection = DETECTOR.detect(text)
    assert detection.reason == "media"
    for cue in detection.cues:
        assert "王建国" not in cue and "138" not in cue


def test_intent_based_detections():
    assert DETECTOR.detect("能不能帮我找个人处理", "request_human", 0.95).reason == "human"
    assert DETECTOR.detect("能不能帮我找个人处理", "request_human", 0.95).source == "intent"
    assert DETECTOR.detect("能不能帮我找个人处理", "request_human", 0.3) is None
    assert DETECTOR.detect("我不要人工", "request_human", 0.95) is None
    found = DETECTOR.detect("你们给我记住了", "escalate", 0.99)
    assert (found.reason, found.level, found.source) == ("anger", "strong", "intent")
    assert DETECTOR.detect("你们给我记住了", "escalate", 0.5) is None
    # an exception explains the trigger word: DIET's escalate is not trusted
    assert DETECTOR.detect("我以前是记者", "escalate", 0.95) is None
    # rules that fire keep their own reason and source
    found = DETECTOR.detect("我去找记者", "escalate", 0.99)
    assert (found.reason, found.source) == ("media", "rules")
    # mild anger + DIET sure of escalate: strong
    assert DETECTOR.detect("太离谱了", "escalate", 0.99).level == "strong"


def test_bad_rule_file_is_reported(tmp_path):
    path = tmp_path / "media.yml"
    path.write_text("reason: media\npatterns:\n  - {name: x, pattern: '(', example: y}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="media.yml"):
        load_ruleset(path)
    path.write_text("reason: media\npatterns:\n  - {name: x, pattern: 'a'}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="example"):
        load_ruleset(path)
    path.write_text("reason: shouting\n", encoding="utf-8")
    with pytest.raises(ValueError, match="reason"):
        load_ruleset(path)
