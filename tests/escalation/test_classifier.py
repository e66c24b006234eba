"""The learned reason classifier and how the detector combines it with the rules (issue 13).

The model is trained once for this module (~3 s) from data/escalation/train.yml. Sentences here
were written for these tests: none is in the training data or a test set.
"""
from __future__ import annotations


import pytest
import yaml

from bot.escalation import classifier as clf
from bot.escalation.detector import EscalationDetector
from bot.escalation.rules import REASONS, load_rules, norm
from bot.text import normalize_text

from .helpers import ROOT, RULES_DIR, got, labelled_items, want

FRAME = "今天下午，{}，就这样"  # test_rules.py's neutral frame


@pytest.fixture(scope="module")
def combined():
    return EscalationDetector(learned=True)


@pytest.fixture(scope="module")
def rules_only():
    return EscalationDetector(learned=False)


class Stub:
    """A stand-in model with fixed scores: the combination's logic without the model's moods."""

    def __init__(self, **scores):
        self.scores = {c: -1.0 for c in REASONS + clf.CALM}
        self.scores.update(scores)

    def judge(self, text, hits, exceptions):
        return clf.Verdict(dict(self.scores), exceptions=tuple(sorted(exceptions)))


def with_stub(**scores):
    detector = EscalationDetector(learned=True)
    detector.model = Stub(**scores)
    return detector


# ---- behaviour of the real model

@pytest.mark.parametrize("text,reason", [
    ("这笔钱再不给我解冻，那个客户经理晚上回家最好绕着点走", "violence"),
    ("你们那个柜员最好祈祷别在菜市场碰到我", "violence"),
    ("不退钱我就每天去你们门口举牌子，让路过的人都看看", "media"),
    ("I will post this everywhere online so everyone knows how you treat customers", "media"),
    ("卡里的钱没了我也没脸回家了，不如从江桥上下去算了", "self_harm"),
])
def test_a_threat_in_unseen_wording_is_caught(combined, rules_only, text, reason):
    assert rules_only.detect(text) is None  # no rule lists this wording
    detection = combined.detect(text)
    assert detection and (detection.reason, detection.level, detection.source) == (reason, "strong", "learned")
    assert detection.cues == ()  # never the customer's words


@pytest.mark.parametrize("text", [
    "我没想过要闹大，就想把钱退回来",
    "不用转人工，我自己会弄",
    "催收的人说要去我单位闹，这是网贷不是你们，我想问信用卡额度",
    "骗子说要去法院告我，我想确认下我的卡没事",
    "新闻上说有人在银行门口拉横幅，是你们吗",
    "我以前在报社当记者，现在退休了，想问存款利率",
])
def test_negation_third_party_news_past_job_are_not_handed_off(combined, text):
    """The model adds no handoff for these (the rules are silent on them too)."""
    detection = combined.detect(text)
    assert detection is None or not detection.strong, detection


def test_a_plain_negation_hands_off_neither_way(combined, rules_only):
    # 法院 under 没有要…的意思: the rules' scope sees the negation (bot/escalation/scope.py), and
    # the model, which overruled this rule hit before the scope existed, agrees
    text = "我没有要去法院的意思，就是想问问贷款合同能不能复印一份"
    assert rules_only.detect(text) is None
    assert combined.detect(text) is None


@pytest.mark.parametrize("text,reason", [
    ("我不想活了", "self_harm"), ("帮我转人工", "human"), ("我要去银保监会投诉你们", "regulator"),
    ("我去电视台曝光你们", "media"), ("我要砸了你们网点", "violence"),
])
def test_rule_hits_still_hand_off_with_their_cues(combined, text, reason):
    detection = combined.detect(text)
    assert detection and (detection.reason, detection.level, detection.source) == (reason, "strong", "rules")
    assert detection.cues


def _frames():
    for reason, ruleset in load_rules(RULES_DIR).items():
        for keyword, _ in ruleset.keywords:
            yield pytest.param(reason, FRAME.format(keyword), keyword, id=f"{reason}:{keyword}")
        for pattern in ruleset.patterns:
            yield pytest.param(reason, pattern.example, pattern.name, id=f"{reason}:{pattern.name}")


@pytest.mark.parametrize("reason,text,cue", list(_frames()))
def test_every_keyword_and_pattern_still_fires_with_the_model(combined, reason, text, cue):
    """A trainer's keyword works with the model on, as with the rules alone (test_rules.py)."""
    detection = combined.detect(text)
    assert detection and (detection.reason, detection.level) == (reason, "strong"), (text, detection)
    assert cue in detection.cues


def test_labelled_set_holds_with_the_model(combined):
    wrong = [f"{want(i)} got {got(combined.detect(i['text']))}: {i['text']}"
             for i in labelled_items() if got(combined.detect(i["text"])) != want(i)]
    assert not wrong, "\n".join(wrong)


# ---- the combination's logic, on a stub model

def test_severe_rule_hits_win_even_when_the_model_is_sure_of_calm():
    detector = with_stub(none=5.0)
    assert got(detector.detect("我不想活了")) == ("self_harm", "strong")
    assert got(detector.detect("我要砸了你们网点")) == ("violence", "strong")


def test_other_rule_hits_win_unless_the_model_is_sure_of_calm():
    assert got(with_stub(none=clf.VETO_MARGIN - 1.0 - 0.01).detect("我要去银保监会投诉你们")) == ("regulator", "strong")
    assert with_stub(none=clf.VETO_MARGIN - 1.0 + 0.01).detect("我要去银保监会投诉你们") is None


def test_a_vetoed_strong_anger_hit_stays_mild_when_the_model_says_mild():
    detection = with_stub(mild=5.0).detect("气死我了")
    assert got(detection) == ("anger", "mild") and detection.source == "rules"


def test_the_model_hands_off_only_above_the_margin():
    margin = clf.HANDOFF_MARGIN
    assert with_stub(media=-1.0 + margin - 0.01).detect("你们看着办吧") is None
    detection = with_stub(media=-1.0 + margin + 0.01).detect("你们看着办吧")
    assert got(detection) == ("media", "strong") and detection.source == "learned"


def test_an_exception_of_the_reason_vetoes_the_model():
    # 我以前是记者 matches a media exception: the model's media is not trusted, another reason is
    assert with_stub(media=3.0).detect("我以前是记者") is None
    assert got(with_stub(anger=3.0).detect("我以前是记者")) == ("anger", "strong")


def test_diet_paths_are_unchanged_when_the_model_is_calm():
    detector = with_stub(none=3.0)
    found = detector.detect("能不能帮我找个人处理", "request_human", 0.95)
    assert (found.reason, found.source) == ("human", "intent")
    found = detector.detect("你们给我记住了", "escalate", 0.99)
    assert (found.reason, found.level, found.source) == ("anger", "strong", "intent")
    assert detector.detect("你们给我记住了", "escalate", 0.5) is None


# ---- plain exasperation at saying it again is mild; with an insult it is strong (sixteenth round)

@pytest.mark.parametrize("text", [
    "同一件事我说第四回了，到底看明白没有？",
    "我讲第三遍了，你们到底能不能看懂我写的",
    "这是我第二次解释了，麻烦仔细读一下",
])
def test_saying_it_again_without_insult_does_not_hand_off(combined, text):
    detection = combined.detect(text)
    assert detection is None or not detection.strong, detection


@pytest.mark.parametrize("text", ["说了三遍了，你们是聋子吗", "讲了几遍还听不懂，一群饭桶"])
def test_saying_it_again_with_an_insult_stays_strong(combined, text):
    assert got(combined.detect(text)) == ("anger", "strong")


# ---- a lesser rule hit gives way to a more severe reason the model is sure of (fifth round)

def test_a_veiled_threat_the_rules_read_as_anger_hands_off_as_violence(combined, rules_only):
    text = "你们这帮废物，那个放贷的小张晚上回家路上最好看看身后"
    assert got(rules_only.detect(text)) == ("anger", "strong")  # 废物: the rules see an insult
    detection = combined.detect(text)
    assert (detection.reason, detection.level, detection.source) == ("violence", "strong", "learned")


def test_a_calm_report_of_an_insult_is_not_made_violence(combined):
    detection = combined.detect("你们那个经理骂我是废物，我想投诉他的态度")
    assert detection is None or detection.reason != "violence", detection


@pytest.mark.parametrize("text,rule_reason", [
    ("我去电视台曝光你们", "media"), ("我要去银保监会投诉你们", "regulator"),
    ("你们这帮蠢货", "anger"), ("帮我转人工", "human"),
])
def test_a_lesser_rule_hit_gives_way_to_violence_the_model_is_sure_of(text, rule_reason):
    # violence must beat calm by its handoff margin and the rule's reason by UPGRADE_MARGIN
    margin = max(clf.HANDOFF_MARGIN, clf.REASON_MARGIN.get("violence", 0.0))
    sure = margin + 0.1 - 1.0  # the stub's calm is -1.0
    detection = with_stub(violence=sure).detect(text)
    assert (detection.reason, detection.level, detection.source) == ("violence", "strong", "learned")
    assert got(with_stub(violence=sure - 0.2).detect(text)) == (rule_reason, "strong")  # not sure enough
    close = {rule_reason: sure - clf.UPGRADE_MARGIN + 0.01}  # sure, but the rule's reason is close
    assert got(with_stub(violence=sure, **close).detect(text)) == (rule_reason, "strong")


def test_self_harm_takes_over_from_a_lesser_hit_but_never_from_violence():
    assert got(with_stub(self_harm=2.0).detect("你们这帮蠢货")) == ("self_harm", "strong")
    assert got(with_stub(self_harm=2.0).detect("我要去银保监会投诉你们")) == ("self_harm", "strong")
    detection = with_stub(self_harm=5.0).detect("我要砸了你们网点")
    assert (detection.reason, detection.source) == ("violence", "rules")  # violence rule hits win
    detection = with_stub(violence=5.0).detect("我不想活了")
    assert (detection.reason, detection.source) == ("self_harm", "rules")


def test_human_gives_way_to_anger_but_anger_not_to_media_or_regulator():
    assert got(with_stub(anger=1.0).detect("帮我转人工")) == ("anger", "strong")
    assert got(with_stub(anger=-0.2).detect("帮我转人工")) == ("human", "strong")  # under the handoff margin
    assert got(with_stub(media=3.0).detect("你们这帮蠢货")) == ("anger", "strong")
    assert got(with_stub(regulator=3.0).detect("你们这帮蠢货")) == ("anger", "strong")
    assert got(with_stub(human=3.0).detect("我去电视台曝光你们")) == ("media", "strong")


def test_an_exception_of_the_severe_reason_keeps_the_rule_hit():
    # 搞砸 is a violence exception: the model's violence is not trusted, the media hit stands
    text = "你们把我的事搞砸了，我去电视台曝光你们"
    assert got(with_stub(violence=3.0).detect(text)) == ("media", "strong")


def test_the_upgrade_margin_was_chosen_on_the_training_data():
    assert 0 < clf.UPGRADE_MARGIN <= clf.VETO_MARGIN
    assert set(clf.UPGRADES) == {"self_harm", "violence", "anger"}


# ---- setting, training, speed

@pytest.mark.parametrize("value,expected", [
    ("on", True), ("1", True), ("off", False), ("0", False), ("false", False), ("", clf.DEFAULT_ON),
])
def test_setting(monkeypatch, value, expected):
    monkeypatch.setenv(clf.SETTING, value)
    assert clf.enabled() is expected
    assert EscalationDetector().learned is expected
    assert EscalationDetector(learned=not expected).learned is (not expected)


def test_off_means_the_rules_alone(monkeypatch):
    detector = EscalationDetector(learned=False)
    assert detector.classifier is None
    assert detector.detect("你们那个柜员最好祈祷别在菜市场碰到我") is None


def test_a_broken_model_falls_back_to_the_rules(monkeypatch):
    def boom(rules):
        raise RuntimeError("no sklearn")

    monkeypatch.setattr(clf, "get_classifier", boom)
    detector = EscalationDetector(learned=True)
    assert got(detector.detect("我要去银保监会投诉你们")) == ("regulator", "strong")
    assert detector.learned is False


def test_model_is_trained_once_per_process(combined):
    # how long training takes is a figure, printed by bench/escalation_classifier_bench.py
    model = combined.classifier
    assert model is clf.get_classifier(combined.rules)  # cached per process
    assert model.n_train > 3000
    assert {"none", "mild"} <= set(model.classes) and set(REASONS) <= set(model.classes)


def test_fast_path_matches_sklearn(combined):
    model = combined.classifier
    texts = [norm(str(i["text"])) for i in labelled_items()[:40]]
    rows = [clf.rule_row(*clf.rule_matches(model.rules, t)) for t in texts]
    for text, row, slow in zip(texts, rows, model.scores(texts, rows)):
        fast = model.score_one(text, row)
        assert all(abs(fast[c] - slow[c]) < 1e-9 for c in slow)


def test_training_data_shape_and_no_test_line_in_it():
    items = yaml.safe_load((ROOT / "data" / "escalation" / "train.yml").read_text(encoding="utf-8"))["items"]
    labels = [clf.label(i) for i in items]
    for reason in REASONS:
        assert labels.count(reason) >= 120, reason  # issue 13: >= 120 examples per reason
    train = {normalize_text(str(i["text"])) for i in items}
    assert len(train) == len(items), "duplicate training lines"
    for path in list((ROOT / "tests" / "escalation").glob("*.yml")) + list((ROOT / "tests" / "nlu_holdout").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        lines = [str(i["text"]) for i in data.get("items") or []]
        for block in data.get("nlu") or []:  # nlu_holdout.yml is in Rasa's format
            lines += [line.strip()[2:] for line in str(block.get("examples", "")).splitlines()
                      if line.strip().startswith("- ")]
        tests = {normalize_text(clf._ANNOTATION.sub(r"\1", line)) for line in lines}
        assert not train & tests, (path.name, sorted(train & tests)[:5])
