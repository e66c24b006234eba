"""bot/trainer/stories.py on hand-built tracker JSON: the YAML shape, PII replaced, handoff."""
from __future__ import annotations

import re

import pytest
import requests
import yaml

from bot.trainer import stories
from bot.trainer.stories import StoryExportError, story_name, tracker_to_story

OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz1"


def user(text, intent, *entities, **extra):
    """A user event; entities as (entity, substring)."""
    ents = []
    for entity, span in entities:
        start = text.index(span)
        ents.append({"entity": entity, "start": start, "end": start + len(span), "value": span,
                     "extractor": "DIETClassifier"})
    return {"event": "user", "text": text, "input_channel": "wechat",
            "metadata": {"openid": OPENID},
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.97},
                           "entities": ents, **extra}}


def action(name):
    return {"event": "action", "name": name, "policy": "RulePolicy", "confidence": 1.0}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def loop(name):
    return {"event": "active_loop", "name": name}


def bot(text):
    return {"event": "bot", "text": text}


OPENING = "我叫王建国，电话138 1234 5678，昨天在朝阳路支行被扣了五千块"


def intake_events():
    return [
        action("action_session_start"), {"event": "session_started"}, action("action_listen"),
        user(OPENING, "complain", ("customer_name", "王建国"), ("phone", "138 1234 5678"),
             ("branch", "朝阳路支行"), ("amount", "五千块")),
        slot("phone", "13812345678"),
        action("action_start_intake"),
        slot("customer_name", "王建国"), slot("description", OPENING),
        slot("intake_id", "5f0c6a3e-1111-2222-3333-444455556666"), slot("amount", 5000.0),
        bot("非常抱歉给您带来不便"), action("utter_apologize"),
        action("intake_form"), loop("intake_form"), slot("requested_slot", "demand"),
        bot("请问您希望我们怎么处理？"), action("action_listen"),
        user("希望退钱，有事打我老婆电话13698765432，她叫李秀英", "inform"),
        action("intake_form"), slot("demand", "希望退钱，有事打我老婆电话13698765432，她叫李秀英"),
        loop(None), slot("requested_slot", None),
        action("action_propose"), action("confirm_form"), loop("confirm_form"),
        slot("requested_slot", "confirmed"), action("action_listen"),
    ]


def parse(text):
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    return data["stories"]


def test_happy_path_shape_and_entities():
    events = intake_events() + [
        user("对，确认提交", "affirm"), action("confirm_form"), loop(None),
        slot("requested_slot", None), action("action_file_case"), slot("case_no", "TS20261122000123"),
        bot("您的案件编号是 TS20261122000123"), action("action_listen"),
    ]
    text = tracker_to_story({"sender_id": OPENID, "events": events})
    [story] = parse(text)
    assert story["story"] == story_name(OPENID)
    steps = story["steps"]
    assert steps[0] == {"user": "我叫[张三](customer_name)，电话[13800000000](phone)，昨天在"
                                "[朝阳路支行](branch)被扣了[五千块](amount)",
                        "intent": "complain"}
    assert re.search(r"- user: \|-?\n +我叫\[张三\]\(customer_name\).*\n +intent: complain", text)
    assert steps[1] == {"slot_was_set": [{"phone": "13800000000"}]}
    assert steps[2] == {"action": "action_start_intake"}
    assert {"slot_was_set": [{"customer_name": "张三"}]} in steps
    assert {"active_loop": "intake_form"} in steps and {"active_loop": None} in steps
    assert {"slot_was_set": [{"requested_slot": "demand"}]} in steps
    actions = [s["action"] for s in steps if "action" in s]
    # action_listen / action_session_start are implicit in a story, bot texts are not written
    assert actions == ["action_start_intake", "utter_apologize", "intake_form", "intake_form",
                       "action_propose", "confirm_form", "confirm_form", "action_file_case"]
    assert [s["intent"] for s in steps if "intent" in s] == ["complain", "inform", "affirm"]
    assert "非常抱歉" not in text
    # values that would lead back to the real case are replaced
    assert "TS20261122000123" not in text and "5f0c6a3e" not in text


def test_pii_is_replaced_everywhere():
    text = tracker_to_story({"sender_id": OPENID, "events": intake_events()})
    for secret in ("王建国", "13812345678", "138 1234 5678", "13698765432", OPENID):
        assert secret not in text, secret
    # the second phone gets a placeholder of its own, still a phone to the `phone` regex
    assert "13800000001" in text
    for number in re.findall(r"1[3-9]\d{9}", text):
        assert number.startswith("1380000000"), number
    # names known from the customer_name slot are replaced in every text; a name the bot never
    # recognised (李秀英, a third person) is not known to the exporter
    assert text.count("张三") >= 3


@pytest.mark.parametrize("written", ["13912345678", "139-1234-5678", "+86 139 1234 5678",
                                     "１３９１２３４５６７８", "幺三九一二三四五六七八"])
def test_phone_in_any_writing_becomes_a_placeholder(written):
    events = [action("action_listen"), user(f"我的电话是{written}，卡被吞了", "complain")]
    text = tracker_to_story({"sender_id": "web-1", "events": events})
    assert written not in text
    assert "13800000000" in text


def test_card_and_openid_in_text_are_removed():
    events = [action("action_listen"),
              user(f"卡号6222021234567890123，我的微信是{OPENID}", "complain")]
    text = tracker_to_story({"sender_id": "web-2", "events": events})
    assert "6222021234567890123" not in text and OPENID not in text


def test_handoff_ends_the_story():
    events = intake_events()[:16] + [
        user("再不处理我就找记者曝光你们", "escalate"),
        action("action_deactivate_loop"), loop(None), slot("requested_slot", None),
        action("action_handoff"), slot("handoff_reason", "media"), {"event": "pause"},
        user("我的另一个号码是13011112222", "inform"),
        {"event": "bot", "text": "您好，我是客服小王"},
        {"event": "resume"}, action("utter_handoff_released"),
    ]
    text = tracker_to_story({"sender_id": OPENID, "events": events})
    [story] = parse(text)
    assert story["steps"][-1] == {"action": "action_handoff"}
    assert "13011112222" not in text and "utter_handoff_released" not in text
    assert [s["intent"] for s in story["steps"] if "intent" in s] == ["complain", "escalate"]


def test_restart_starts_a_new_part_and_rewinds_are_dropped():
    events = [
        action("action_listen"), user("ATM吞了我的卡", "complain"), action("action_start_intake"),
        action("action_listen"), user("啊啊啊", "out_of_scope"), {"event": "rewind"},
        user("算了", "cancel"), action("action_cancel_intake"),
        {"event": "restart"}, action("action_listen"),
        user("你好", "greet"), action("utter_greet"),
    ]
    stories_ = parse(tracker_to_story({"sender_id": "x", "events": events}))
    assert [s["story"] for s in stories_] == [f"{story_name('x')} part 1", f"{story_name('x')} part 2"]
    assert [s["intent"] for s in stories_[0]["steps"] if "intent" in s] == ["complain", "cancel"]
    assert [s.get("action") for s in stories_[1]["steps"] if "action" in s] == ["utter_greet"]


def test_conversation_without_customer_messages_is_an_error():
    with pytest.raises(StoryExportError, match="没有客户消息"):
        tracker_to_story({"sender_id": "nobody", "events": [action("action_session_start")]})


class FakeResponse:
    def __init__(self, status, body):
        self.status_code, self._body = status, body
        self.ok = status < 400

    def json(self):
        return self._body


def test_cli_unknown_id_and_rasa_down(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("RASA_TOKEN", "t")

    def down(*a, **k):
        raise requests.ConnectionError("refused")

    monkeypatch.setattr(stories.requests, "get", down)
    assert stories.main(["abc"]) == 1
    assert "无法连接 Rasa" in capsys.readouterr().err

    monkeypatch.setattr(stories.requests, "get",
                        lambda *a, **k: FakeResponse(200, {"sender_id": "abc", "events": []}))
    assert stories.main(["abc"]) == 1
    assert "找不到对话 abc" in capsys.readouterr().err

    monkeypatch.setattr(stories.requests, "get", lambda *a, **k: FakeResponse(401, {}))
    assert stories.main(["abc"]) == 1
    assert "RASA_TOKEN" in capsys.readouterr().err

    calls = []

    def ok(url, params, timeout):
        calls.append((url, params))
        cid = url.split("/conversations/")[1].split("/")[0]
        return FakeResponse(200, {"sender_id": cid, "events": intake_events()})

    monkeypatch.setattr(stories.requests, "get", ok)
    out = tmp_path / "s.yml"
    assert stories.main(["a1", "b2", "--out", str(out)]) == 0
    assert [c[1] for c in calls] == [{"include_events": "ALL", "token": "t"}] * 2
    assert [s["story"] for s in parse(out.read_text())] == [story_name("a1"), story_name("b2")]


def test_offsets_refer_to_the_normalised_text_and_split_names_are_joined():
    # bot/nlu/normalizer.py: the event's text is what was typed, parse_data's text is normalised
    # and the entity offsets refer to it; DIET may split a name in two
    typed, seen = "我叫欧阳建国，电话１３９ １２３４ ５６７８", "我叫欧阳建国,电话13912345678"
    event = {"event": "user", "text": typed, "parse_data": {
        "text": seen, "intent": {"name": "inform", "confidence": 0.9},
        "entities": [{"entity": "customer_name", "start": 2, "end": 4, "value": "欧阳"},
                     {"entity": "customer_name", "start": 4, "end": 6, "value": "建国"},
                     {"entity": "phone", "start": 9, "end": 20, "value": "13912345678"}]}}
    events = [action("action_listen"), event, action("intake_form"),
              slot("customer_name", "欧阳建国"), slot("phone", "13912345678")]
    [story] = parse(tracker_to_story({"sender_id": "web-3", "events": events}))
    steps = story["steps"]
    assert steps[0]["user"] == "我叫[张三](customer_name),电话[13800000000](phone)"
    assert {"slot_was_set": [{"customer_name": "张三"}]} in steps
    assert {"slot_was_set": [{"phone": "13800000000"}]} in steps


def test_a_slot_set_to_the_value_it_already_has_is_left_out():
    events = [action("action_listen"), user("ATM吞了我的卡", "complain"),
              action("action_start_intake"), slot("category", "product_service"),
              action("intake_form"), slot("category", "product_service"),
              slot("category", "other")]
    [story] = parse(tracker_to_story({"sender_id": "web-4", "events": events}))
    slots = [s["slot_was_set"][0] for s in story["steps"] if "slot_was_set" in s]
    assert slots == [{"category": "product_service"}, {"category": "other"}]


def test_a_name_entity_that_caught_part_of_the_name_is_widened():
    event = user("我叫欧阳建国", "inform", ("customer_name", "欧阳"))
    events = [action("action_listen"), event, action("intake_form"),
              slot("customer_name", "欧阳建国")]
    text = tracker_to_story({"sender_id": "web-5", "events": events})
    assert "欧阳" not in text and "建国" not in text, text
    assert "我叫[张三](customer_name)" in text and "customer_name: 张三" in text, text


def test_a_given_name_tagged_alone_takes_its_two_character_surname_along():
    # DIET may tag only 建国 of 欧阳建国; with no name slot to go by (a list page reads the user
    # events alone) the surname must not be left on the page
    event = user("我是欧阳建国，卡被吞了", "complain", ("customer_name", "建国"))
    assert stories.known_names([event]) == ["欧阳建国"]


def test_a_name_split_by_the_nlu_around_a_compound_surname_is_one_span():
    # DIET may tag 欧阳 and 建国 apart; 建国 widened to its surname overlaps 欧阳: one placeholder,
    # no piece left in clear (a trainer page once showed "张三建国")
    from bot.trainer.stories import _user_entities
    text = "我是欧阳建国，电话13912345678"
    event = {"event": "user", "text": text, "parse_data": {"text": text, "entities": [
        {"entity": "customer_name", "start": 2, "end": 4, "value": "欧阳"},
        {"entity": "customer_name", "start": 4, "end": 6, "value": "建国"}]}}
    _, entities = _user_entities(event)
    assert [(e["start"], e["end"], e["value"]) for e in entities] == [(2, 6, "欧阳建国")]
