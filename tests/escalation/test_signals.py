"""Conversation signals over tracker event dicts (bot/escalation/signals.py)."""
from __future__ import annotations

from bot.escalation import Detection, default_detector
from bot.escalation.signals import (
    anger_after_apology,
    conversation_signal,
    is_apology,
    repeated_complaint,
)


def user(text, intent="complain", escalation=None):
    parse_data = {"intent": {"name": intent, "confidence": 0.9}, "text": text}
    if escalation is not None:
        parse_data["escalation"] = escalation
    return {"event": "user", "text": text, "parse_data": parse_data}


def bot(text):
    return {"event": "bot", "text": text}


def action(name):
    return {"event": "action", "name": name}


MILD = {"reason": "anger", "level": "mild", "cues": ["差劲"], "source": "rules",
        "original_intent": {"name": "complain", "confidence": 0.9}}


def detect(text):
    return default_detector().detect(text)


def test_apology_is_the_start_action_or_a_sorry():
    assert is_apology(action("action_start_intake"))
    assert is_apology(bot("非常抱歉给您带来不便"))
    assert is_apology(bot("對不起，讓您久等了"))  # Traditional too
    assert not is_apology(bot("请问您的电话是？"))
    assert not is_apology(action("action_listen"))
    assert not is_apology(user("对不起我说错了"))  # the customer apologising is no apology


def test_anger_again_after_apology():
    events = [user("你们的服务太差劲了", escalation=MILD), action("action_start_intake"),
              bot("非常抱歉"), action("action_listen"), user("无语，到底能不能处理")]
    found = conversation_signal(events, detect("无语，到底能不能处理"))
    assert found and (found.reason, found.level, found.source) == ("anger", "strong", "conversation")


def test_mild_anger_without_apology_or_without_earlier_anger_waits():
    latest = detect("无语，到底能不能处理")
    assert latest.level == "mild"
    no_apology = [user("你们的服务太差劲了", escalation=MILD), bot("请问您的电话是？"), user("无语")]
    assert conversation_signal(no_apology, latest) is None
    no_earlier_anger = [user("卡被吞了"), action("action_start_intake"), user("无语")]
    assert conversation_signal(no_earlier_anger, latest) is None


def test_earlier_anger_found_by_rules_when_parse_data_has_no_escalation():
    events = [user("真让人失望"), bot("很抱歉"), user("太离谱了")]
    assert anger_after_apology(events, detect("太离谱了")).reason == "anger"


def test_same_complaint_repeated():
    text = "我的信用卡被盗刷了两笔，一直没人处理"
    events = [user(text), action("action_start_intake"), bot("非常抱歉"), user("我的信用卡被盗刷了两笔,一直没人处理!")]
    found = repeated_complaint(events)
    assert found and (found.reason, found.level) == ("anger", "strong")
    assert conversation_signal(events, None).reason == "anger"


def test_repeats_that_are_not_complaints_do_not_count():
    # a phone number typed again, a short "好的" twice
    events = [user("13812345678", intent="inform"), bot("号码格式不对"), user("13812345678", intent="inform")]
    assert repeated_complaint(events) is None
    assert repeated_complaint([user("好的", "affirm"), user("好的", "affirm")]) is None
    assert repeated_complaint([user("我的信用卡被盗刷了"), user("我的房贷利率被上调了")]) is None


def test_strong_latest_detection_is_returned_as_is():
    strong = {"reason": "media", "level": "strong", "cues": ["记者"], "source": "rules"}
    assert conversation_signal([user("我找记者")], strong) == Detection.from_dict(strong)
    assert conversation_signal([], None) is None


def test_failing_to_answer_is_no_signal():
    # issue 12: the form records the field as not given; nobody is handed over for it
    events = [user("不知道", "inform"), user("不清楚", "inform"), user("忘了", "inform")]
    assert conversation_signal(events, None) is None


def asked(slot):
    return {"event": "slot", "name": "requested_slot", "value": slot}


def test_an_answer_given_again_to_a_question_asked_again_is_no_repeated_complaint():
    # issue 12, blind set 06m: a date the parser did not read, said three times to the date
    # question (DIET took it for a complaint each time); the bot's failure, not the customer's anger
    said = "上回那个月的二十几号签的贷款合同"
    events = [user("经营贷合同利率跟说好的不一样"), action("action_start_intake"), asked("occurred_at"),
              bot("请问是哪天的事情？"), user(said), asked("branch"), bot("请问您去的是哪个网点？"),
              user("镇上那个网点", intent="inform"), asked("occurred_at"), bot("请问是哪天的事情？"), user(said)]
    assert repeated_complaint(events) is None
    # the complaint itself typed again while no question waits still counts
    again = [user("经营贷合同利率跟说好的不一样，你们管不管"), action("action_start_intake"), asked("demand"),
             bot("您希望怎么处理？"), user("退钱", intent="inform"), asked(None),
             {"event": "active_loop", "name": None}, user("经营贷合同利率跟说好的不一样，你们管不管!")]
    assert repeated_complaint(again).reason == "anger"
    # and so does the complaint retold as an answer, repeating the opening said before any question
    retold = [user("经营贷合同利率跟说好的不一样，你们管不管"), action("action_start_intake"), asked("demand"),
              bot("您希望怎么处理？"), user("经营贷合同利率跟说好的不一样,你们管不管")]
    assert repeated_complaint(retold).reason == "anger"
