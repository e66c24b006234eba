"""Issue 13, the trainer pages as a trainer found them: what a conversation's summary and turns
say about the web chat's /greet, handoffs whose reason the detector recorded, agents' replies,
the runner-up intent, and the NLU inbox's repeated sentences."""
from __future__ import annotations

from typing import List

from bot.casedesk.console import labels
from bot.trainer.conversations import Filters, apply_filters, conversation_turns, summarise
from bot.trainer.inbox import candidates, sentence_key

from .test_conversations import Rows, TODAY, user_event

GREET = "/greet"
MEDIA = {"reason": "media", "level": "strong", "cues": ["曝光", "记者"], "source": "rules",
         "original_intent": {"name": "complain", "confidence": 0.81}}


def web_chat(r: Rows, sender: str, *said, at: float = 100.0) -> None:
    """A web-chat conversation as Rasa stores it: the widget's /greet first (Rasa's regex
    interpreter: intent greet 1.0), then what the customer typed."""
    r.add(sender, user_event(GREET, "greet", 1.0, channel="socketio", at=at, ranking=[("greet", 1.0)]))
    for i, event in enumerate(said, start=1):
        event["timestamp"] = at + i
        r.add(sender, event)


def test_first_sentence_is_the_customers_first_real_message() -> None:
    r = Rows()
    web_chat(r, "web-1", user_event("我的信用卡被盗刷了", "complain", 0.93, channel="socketio"))
    web_chat(r, "web-2")  # opened the window, said nothing
    s = {x.sender_id: x for x in summarise(r.rows)}
    assert s["web-1"].first_text == "我的信用卡被盗刷了"
    assert s["web-1"].messages == 1 and s["web-1"].intents == ["complain"]
    assert s["web-2"].first_text == "" and s["web-2"].messages == 0 and s["web-2"].intents == []
    assert all(GREET not in x.first_text for x in s.values())


def test_a_handoff_the_detector_decided_has_its_reason_and_matches_any_reason() -> None:
    """The detector's verdict is in the message's parse data; only a form's conversation
    signals set the handoff_reason slot (and action_handoff clears it)."""
    r = Rows()
    web_chat(r, "web-media", user_event("再不退钱我就找记者曝光你们", "escalate", 1.0, channel="socketio",
                                        escalation=MEDIA, ranking=[("complain", 0.81), ("escalate", 0.1)]))
    r.add("web-media", {"event": "slot", "name": "handoff_reason", "value": None, "timestamp": 150})
    web_chat(r, "web-human", user_event("给我转人工", "request_human", 0.86, channel="socketio"))
    web_chat(r, "web-calm", user_event("我以前是记者", "complain", 0.7, channel="socketio",
                                       escalation={"reason": "anger", "level": "mild", "cues": ["无语"]}))
    s = {x.sender_id: x for x in summarise(r.rows)}
    assert s["web-media"].handoff_reason == "media"
    assert s["web-human"].handoff_reason == "human"
    assert s["web-calm"].handoff_reason is None
    f = Filters(since=TODAY, until=TODAY, reason="any")
    assert {x.sender_id for x in apply_filters(s.values(), f)} == {"web-media", "web-human"}
    f.reason = "media"
    assert [x.sender_id for x in apply_filters(s.values(), f)] == ["web-media"]
    turns = conversation_turns("web-media", [row.event for row in r.rows if row.sender_id == "web-media"])
    assert [t.escalation for t in turns if t.kind == "user"] == [None, "media"]


def test_agent_replies_are_the_agents_bot_lines_the_assistants() -> None:
    events = [
        user_event("我要投诉", "complain", 0.9, at=1),
        {"event": "bot", "text": "非常抱歉给您带来不便", "timestamp": 2, "metadata": {"utter_action": "utter_apologize"}},
        {"event": "bot", "text": "您好，我是坐席王明，马上为您处理", "timestamp": 3, "metadata": {"agent": "王明"}},
    ]
    turns = [t for t in conversation_turns("web-1", events) if t.kind in ("bot", "agent")]
    assert [(t.kind, t.agent) for t in turns] == [("bot", ""), ("agent", "王明")]


def test_runner_up_is_the_next_intent_after_the_one_shown() -> None:
    events = [
        # the detector made it escalate; DIET's ranking has complain first, escalate second
        user_event("再不退钱我就找记者曝光你们", "escalate", 1.0, at=1, escalation=MEDIA,
                   ranking=[("complain", 0.81), ("escalate", 0.1)]),
        user_event("你好", "greet", 0.99, at=2, ranking=[("greet", 0.99), ("thank", 0.01)]),
        user_event("/greet", "greet", 1.0, at=3, ranking=[("greet", 1.0)]),  # nothing else ranked
        user_event("嗯嗯", "nlu_fallback", 0.3, at=4,
                   ranking=[("nlu_fallback", 0.3), ("inform", 0.3), ("complain", 0.2)]),
    ]
    turns = [t for t in conversation_turns("web-1", events) if t.kind == "user"]
    assert [t.runner_up for t in turns] == [("complain", 0.81), ("thank", 0.01), None, ("inform", 0.3)]
    assert [t.payload for t in turns] == [False, False, True, False]


def test_inbox_groups_the_same_sentence_and_links_its_conversations() -> None:
    r = Rows()
    r.add("web-1", user_event("我的卡被吞了", "complain", 0.4, channel="socketio", at=10))
    r.add("web-2", user_event("我的卡被吞了！", "complain", 0.5, channel="socketio", at=20))
    r.add("web-2", user_event("我的卡 被吞了", "complain", 0.45, channel="socketio", at=21))
    r.add("web-3", user_event("我的卡被吞了吗", "complain", 0.3, channel="socketio", at=30))
    web_chat(r, "web-4", at=40)
    found, total = candidates(r.rows, set(), 0.6)
    assert total == 2
    assert [(c.text, c.count) for c in found] == [("我的卡被吞了吗", 1), ("我的卡被吞了", 3)]
    assert found[1].conversations == [1, 3]  # one link per conversation: the first of each, least sure first
    assert sorted(e for e, _ in found[1].members) == [1, 2, 3]
    assert sentence_key("我的卡被吞了！") == sentence_key("我的卡 被吞了") == sentence_key("我的卡被吞了")


def test_intents_have_chinese_labels_and_unknown_codes_no_code() -> None:
    from bot.trainer.inbox import load_catalog

    for code in [*load_catalog().intents, "nlu_fallback"]:
        assert labels.intent_label(code) in labels.INTENT_LABELS.values(), code
        assert code not in labels.intent_label(code)
    assert labels.intent_label("buy_a_car") == "未知意图"
    assert labels.intent_label(None) == "未知意图"
    unknown: List[str] = [e for e in load_catalog().entities if e not in labels.ENTITY_LABELS]
    assert unknown == []
