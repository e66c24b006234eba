"""The Rasa NLU component (bot/nlu/escalation.py) on hand-made messages: no training needed."""
from __future__ import annotations

import pytest

pytest.importorskip("rasa")

from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from bot.nlu.escalation import EscalationComponent  # noqa: E402


@pytest.fixture(scope="module")
def component():
    return EscalationComponent.create(EscalationComponent.get_default_config(), None, None, None)


def message(text, intent, confidence, ranking=None):
    ranking = ranking or [{"name": intent, "confidence": confidence}]
    msg = Message(data={"text": text})
    msg.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    msg.set("intent_ranking", ranking, add_to_output=True)
    return msg


def parse(component, msg):
    component.process([msg])
    return msg.as_dict(only_output_properties=True)


def test_strong_detection_sets_escalate_and_keeps_ranking(component):
    ranking = [{"name": "complain", "confidence": 0.91}, {"name": "inform", "confidence": 0.05}]
    out = parse(component, message("再不处理我就找記者曝光你们", "complain", 0.91, ranking))
    assert out["intent"] == {"name": "escalate", "confidence": 1.0}
    assert out["intent_ranking"] == ranking
    assert out["escalation"] == {
        "reason": "media", "level": "strong", "cues": ["曝光", "记者"], "source": "rules",
        "original_intent": {"name": "complain", "confidence": 0.91},
    }


def test_mild_detection_leaves_intent(component):
    out = parse(component, message("你们服务太差劲了", "complain", 0.95))
    assert out["intent"]["name"] == "complain"
    assert out["escalation"]["level"] == "mild" and out["escalation"]["reason"] == "anger"


def test_nothing_on_a_calm_message(component):
    out = parse(component, message("我的卡被吞了", "complain", 0.99))
    assert out["intent"]["name"] == "complain" and "escalation" not in out


def test_request_human_intent_hands_off(component):
    out = parse(component, message("能帮我找个能处理的吗", "request_human", 0.93))
    assert out["intent"]["name"] == "escalate"
    assert (out["escalation"]["reason"], out["escalation"]["source"]) == ("human", "intent")


def test_under_a_fallback_diet_top_intent_is_used(component):
    ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "escalate", "confidence": 0.41},
               {"name": "complain", "confidence": 0.3}]
    out = parse(component, message("我要找律师", "nlu_fallback", 0.45, ranking))
    assert out["intent"]["name"] == "escalate"
    assert out["escalation"]["original_intent"] == {"name": "nlu_fallback", "confidence": 0.45}


def test_unconfirmed_diet_escalate_falls_back_to_next_intent(component):
    ranking = [{"name": "escalate", "confidence": 0.6}, {"name": "complain", "confidence": 0.3}]
    out = parse(component, message("你们的处理我不满意", "escalate", 0.6, ranking))
    assert out["intent"] == {"name": "complain", "confidence": 0.3}
    assert "escalation" not in out
    # an exception explains the trigger word: not trusted even at high confidence
    ranking = [{"name": "escalate", "confidence": 0.97}, {"name": "out_of_scope", "confidence": 0.02}]
    out = parse(component, message("我以前是记者", "escalate", 0.97, ranking))
    assert out["intent"]["name"] == "complain"  # out_of_scope at 2 % is noise
    ranking = [{"name": "escalate", "confidence": 0.8}, {"name": "out_of_scope", "confidence": 0.15}]
    out = parse(component, message("我以前是记者", "escalate", 0.8, ranking))
    assert out["intent"] == {"name": "out_of_scope", "confidence": 0.15}


def test_request_human_explained_by_an_exception_is_demoted(component):
    ranking = [{"name": "request_human", "confidence": 0.96}, {"name": "complain", "confidence": 0.03}]
    out = parse(component, message("打热线转人工按了十遍都转不过去", "request_human", 0.96, ranking))
    assert out["intent"]["name"] == "complain" and "escalation" not in out
    # a request_human DIET is unsure of, without an exception, stays for the dialogue rules
    out = parse(component, message("能不能帮我问问", "request_human", 0.6))
    assert out["intent"]["name"] == "request_human"


def test_confident_diet_escalate_hands_off_as_anger(component):
    out = parse(component, message("你们给我记住今天", "escalate", 0.99))
    assert out["intent"]["name"] == "escalate" and out["escalation"]["level"] == "strong"
    # DIET's own escalate (anger), or the learned model that reads the veiled threat itself
    assert (out["escalation"]["reason"], out["escalation"]["source"]) in (
        ("anger", "intent"), ("violence", "learned"), ("anger", "learned"))


def test_component_is_registered_and_in_config():
    import yaml
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    from .helpers import ROOT

    assert DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in DefaultV1Recipe._from_registry(
        "bot.nlu.escalation.EscalationComponent").types
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    names = [c["name"] for c in pipeline]
    assert names[-1] == "bot.nlu.escalation.EscalationComponent"
    # after the fallback; the reader of intent words sits between, and escalation may still override it
    assert names[-3:-1] == ["FallbackClassifier", "bot.nlu.intent_words.IntentWordsReader"]


def test_escalation_reaches_the_tracker_latest_message(component):
    """Rasa builds the user event from the whole parse data (processor
    ``_handle_message_with_tracker``): ``escalation`` is in ``latest_message`` and survives the
    tracker store's serialisation."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    parse_data = {"text": "", "intent": {}, "entities": []}
    parse_data.update(parse(component, message("我要去银保监会投诉你们", "complain", 0.9)))
    tracker = DialogueStateTracker("t", [])
    tracker.update(UserUttered(parse_data["text"], parse_data["intent"], parse_data["entities"], parse_data))
    state = tracker.current_state()
    assert state["latest_message"]["intent"]["name"] == "escalate"
    assert state["latest_message"]["escalation"]["reason"] == "regulator"
    restored = DialogueStateTracker.from_dict("t", tracker.as_dialogue().as_dict()["events"],
                                              Domain.empty().slots)
    assert restored.latest_message.parse_data["escalation"]["original_intent"]["name"] == "complain"


def test_an_unconfirmed_escalate_is_no_cancel_unless_the_words_give_up(component):
    # issue 12, blind set 06m: bare exasperation, DIET's escalate with cancel runner-up
    ranking = [{"name": "escalate", "confidence": 0.7}, {"name": "cancel", "confidence": 0.2}]
    out = parse(component, message("佩服，真是佩服你们", "escalate", 0.7, ranking))
    assert out["intent"]["name"] == "complain"
    out = parse(component, message("佩服，算了不弄了", "escalate", 0.7, ranking))
    assert out["intent"] == {"name": "cancel", "confidence": 0.2}
