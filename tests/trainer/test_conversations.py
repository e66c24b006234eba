"""bot/trainer/conversations.py on hand-built tracker rows: filters a trainer types, the summary
of each conversation and one conversation turn by turn, with PII replaced."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

from bot.trainer import conversations as conv
from bot.trainer.conversations import BadFilter, Filters, apply_filters, conversation_turns, parse_filters, summarise
from bot.trainer.tracker_store import EventRow

OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz1"
TODAY = date(2026, 11, 22)
INTENTS = ("complain", "inform", "greet", "thank")


def user_event(text: str, intent: str, confidence: Optional[float], *entities: Tuple[str, ...],
               channel: str = "wechat", at: float = 0.0, escalation: Optional[Dict[str, Any]] = None,
               ranking: Sequence[Tuple[str, float]] = ()) -> Dict[str, Any]:
    ents = []
    for entity, span, *extractor in entities:
        start = text.index(span)
        ents.append({"entity": entity, "start": start, "end": start + len(span), "value": span,
                     "extractor": extractor[0] if extractor else "DIETClassifier"})
    parse_data: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": confidence},
                                  "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
                                  "entities": ents}
    if escalation:
        parse_data["escalation"] = escalation
    return {"event": "user", "text": text, "timestamp": at, "input_channel": channel,
            "message_id": f"m{int(at)}", "parse_data": parse_data}


class Rows:
    """EventRows with increasing ids, as the tracker store returns them."""

    def __init__(self) -> None:
        self.rows: List[EventRow] = []

    def add(self, sender: str, event: Dict[str, Any]) -> EventRow:
        row = EventRow(len(self.rows) + 1, sender, event["event"], float(event.get("timestamp", 0)), event)
        self.rows.append(row)
        return row


# ---------------------------------------------------------------------------------------------
# parse_filters


def test_defaults_are_the_last_seven_days_newest_first() -> None:
    f = parse_filters({}, TODAY, INTENTS)
    assert (f.since, f.until) == (TODAY - timedelta(days=6), TODAY)
    assert (f.channel, f.intent, f.reason, f.max_confidence, f.order, f.page) == ("", "", "", None, "recent", 1)


def test_window_is_whole_beijing_days() -> None:
    f = parse_filters({"since": "2026-11-20", "until": "2026-11-21"}, TODAY, INTENTS)
    since, until = f.window()
    # 2026-11-20 00:00 Beijing = 2026-11-19 16:00 UTC; until is the end of the 21st
    assert since == datetime(2026, 11, 19, 16, 0, tzinfo=timezone.utc).timestamp()
    assert until - since == 2 * 86400


@pytest.mark.parametrize("query, message", [
    ({"since": "2026/11/01"}, "日期格式应为 2026-11-22。"),
    ({"until": "tomorrow"}, "日期格式应为 2026-11-22。"),
    ({"since": "2026-11-23", "until": "2026-11-22"}, "开始日期不能晚于结束日期。"),
    ({"since": "2026-08-22", "until": "2026-11-22"}, "日期范围最多 92 天，请缩小范围。"),
    ({"intent": "buy_a_car"}, "未知的意图。"),
    ({"channel": "telegram"}, "未知的渠道。"),
    ({"max_confidence": "high"}, "置信度应为 0 到 1 之间的数，例如 0.6。"),
    ({"max_confidence": "1.5"}, "置信度应为 0 到 1 之间的数，例如 0.6。"),
    ({"max_confidence": "-0.1"}, "置信度应为 0 到 1 之间的数，例如 0.6。"),
])
def test_bad_filters_are_refused_in_chinese(query, message) -> None:
    with pytest.raises(BadFilter) as err:
        parse_filters(query, TODAY, INTENTS)
    assert str(err.value) == message


def test_the_widest_range_and_fallback_intent_are_accepted() -> None:
    f = parse_filters({"since": "2026-08-23", "until": "2026-11-22", "intent": "nlu_fallback",
                       "channel": "socketio", "max_confidence": "0.6", "order": "confidence",
                       "page": "3"}, TODAY, INTENTS)
    assert (f.until - f.since).days == 91
    assert (f.intent, f.channel, f.max_confidence, f.order, f.page) == ("nlu_fallback", "socketio", 0.6, "confidence", 3)
    # nonsense order and page fall back instead of failing
    f = parse_filters({"order": "drop table", "page": "x"}, TODAY, INTENTS)
    assert (f.order, f.page) == ("recent", 1)


# ---------------------------------------------------------------------------------------------
# summarise and apply_filters


def sample_rows() -> Rows:
    r = Rows()
    r.add(OPENID, user_event("我叫欧阳建国，手机13912345678，在朝阳路支行被吞卡了", "complain", 0.93,
                             ("customer_name", "欧阳建国"), ("phone", "13912345678"), ("branch", "朝阳路支行"),
                             at=100))
    r.add(OPENID, user_event("嗯嗯那个啥", "nlu_fallback", 0.3, at=110))
    r.add(OPENID, {"event": "slot", "name": "handoff_reason", "value": "media", "timestamp": 120})
    r.add("web-1", user_event("信用卡被盗刷了", "complain", 0.45, channel="socketio", at=200))
    r.add("web-1", user_event("谢谢", "thank", 0.98, channel="socketio", at=210))
    r.add("rest-1", user_event("你好", "greet", 0.99, channel="rest", at=50))
    r.add("rest-1", {"event": "slot", "name": "handoff_reason", "value": None, "timestamp": 60})
    r.add("rest-2", user_event("嗯", "greet", None, channel="rest", at=40))
    return r


def by_sender(summaries) -> Dict[str, conv.Summary]:
    return {s.sender_id: s for s in summaries}


def test_summary_of_each_conversation() -> None:
    rows = sample_rows()
    summaries = summarise(rows.rows)
    assert [s.sender_id for s in summaries] == ["web-1", OPENID, "rest-1", "rest-2"]  # by last event
    s = by_sender(summaries)
    wechat = s[OPENID]
    assert wechat.key == 1 and wechat.messages == 2 and wechat.channel == "wechat"
    assert wechat.lowest_confidence == 0.3 and wechat.fallback and wechat.handoff_reason == "media"
    assert set(wechat.intents) == {"complain", "nlu_fallback"}
    assert (wechat.started, wechat.last) == (100, 120)
    assert wechat.name == conv.story_name(OPENID) and OPENID not in wechat.name
    web = s["web-1"]
    assert web.key == 4 and web.lowest_confidence == 0.45 and not web.fallback and web.handoff_reason is None
    assert s["rest-1"].handoff_reason is None  # the slot was reset, not set
    assert s["rest-2"].lowest_confidence is None


def test_first_text_has_no_phone_or_name() -> None:
    wechat = by_sender(summarise(sample_rows().rows))[OPENID]
    assert "13912345678" not in wechat.first_text and "欧阳" not in wechat.first_text
    assert wechat.first_text == "我叫张三，手机13800000000，在朝阳路支行被吞卡了"


def test_first_text_has_no_openid_or_sender_id() -> None:
    r = Rows()
    r.add(OPENID, user_event(f"我的微信是{OPENID}，身份证11010519491231002X", "inform", 0.8))
    text = summarise(r.rows)[0].first_text
    assert OPENID not in text and "11010519491231002X" not in text and "110105" not in text


def test_first_text_has_no_card_number_written_in_groups() -> None:
    """Card numbers are printed in groups of four; the NLU normaliser joins space-separated
    digits but keeps dashes, so the dashed form reaches the trainer pages as typed."""
    r = Rows()
    r.add("web-9", user_event("卡号6222-0212-3456-7890被盗刷了", "complain", 0.5))
    text = summarise(r.rows)[0].first_text
    assert "3456" not in text, text


def test_a_conversation_without_customer_messages_is_left_out() -> None:
    r = Rows()
    r.add("x", {"event": "slot", "name": "handoff_reason", "value": "anger", "timestamp": 1})
    assert summarise(r.rows) == []


def keys(found) -> List[str]:
    return [s.sender_id for s in found]


@pytest.mark.parametrize("query, expected", [
    ({}, ["web-1", OPENID, "rest-1", "rest-2"]),
    ({"channel": "wechat"}, [OPENID]),
    ({"channel": "rest"}, ["rest-1", "rest-2"]),
    ({"intent": "complain"}, ["web-1", OPENID]),
    ({"intent": "nlu_fallback"}, [OPENID]),
    ({"intent": "greet", "channel": "socketio"}, []),
    ({"reason": "any"}, [OPENID]),
    ({"reason": "media"}, [OPENID]),
    ({"reason": "anger"}, []),
    ({"max_confidence": "0.45"}, ["web-1", OPENID]),
    ({"max_confidence": "0.3"}, [OPENID]),
    ({"max_confidence": "1"}, ["web-1", OPENID, "rest-1"]),  # unknown confidence never matches
    ({"order": "confidence"}, [OPENID, "web-1", "rest-1", "rest-2"]),
])
def test_apply_filters(query, expected) -> None:
    f = parse_filters(query, TODAY, INTENTS)
    assert keys(apply_filters(summarise(sample_rows().rows), f)) == expected


def test_equal_confidence_orders_the_newest_first() -> None:
    r = Rows()
    r.add("a", user_event("一", "greet", 0.5, at=10))
    r.add("b", user_event("二", "greet", 0.5, at=30))
    r.add("c", user_event("三", "greet", 0.2, at=20))
    f = Filters(TODAY, TODAY, order="confidence")
    assert keys(apply_filters(summarise(r.rows), f)) == ["c", "b", "a"]


# ---------------------------------------------------------------------------------------------
# conversation_turns


def conversation() -> List[Dict[str, Any]]:
    return [
        {"event": "action", "name": "action_session_start", "timestamp": 1},
        {"event": "session_started", "timestamp": 1},
        {"event": "action", "name": "action_listen", "timestamp": 1},
        user_event("我叫欧阳建国，手机13912345678，在朝阳路支行被吞卡了", "complain", 0.93,
                   ("customer_name", "欧阳建国"), ("phone", "13912345678"), ("branch", "朝阳路支行"),
                   at=2, ranking=[("complain", 0.93), ("inform", 0.05), ("greet", 0.01), ("thank", 0.01)]),
        {"event": "action", "name": "utter_apologize", "timestamp": 3},
        {"event": "bot", "text": "非常抱歉，欧阳建国先生，13912345678 已记下", "timestamp": 3},
        {"event": "bot", "text": "", "timestamp": 3},
        user_event("我要找记者曝光", "escalate", 0.99, at=4,
                   escalation={"level": "strong", "reason": "media", "cues": ["记者"]}),
        {"event": "pause", "timestamp": 5},
        {"event": "resume", "timestamp": 6},
        {"event": "restart", "timestamp": 7},
        {"event": "session_started", "timestamp": 8},
        {"event": "slot", "name": "phone", "value": "13912345678", "timestamp": 9},
    ]


def test_turns_replace_pii_and_locate_entities() -> None:
    turns = conversation_turns(OPENID, conversation())
    assert [t.kind for t in turns] == ["user", "action", "bot", "user", "divider", "divider", "divider", "divider"]
    first = turns[0]
    assert first.text == "我叫张三，手机13800000000，在朝阳路支行被吞卡了"
    assert first.pieces == [("我叫", None), ("张三", "customer_name"), ("，手机", None),
                            ("13800000000", "phone"), ("，在", None), ("朝阳路支行", "branch"),
                            ("被吞卡了", None)]
    assert "".join(p for p, _ in first.pieces) == first.text
    assert [(e["entity"], e["value"], e["text"]) for e in first.entities] == [
        ("customer_name", "张三", "张三"),
        ("phone", "13800000000", "13800000000"),
        ("branch", "朝阳路支行", "朝阳路支行"),
    ]
    assert (first.intent, first.confidence, first.channel) == ("complain", 0.93, "wechat")
    assert first.ranking == [("complain", 0.93), ("inform", 0.05), ("greet", 0.01)]
    assert first.escalation is None
    # the bot's words are scrubbed with the same placeholders
    assert turns[2].text == "非常抱歉，张三先生，13800000000 已记下"
    assert turns[1].text == "utter_apologize"
    assert turns[3].escalation == "media"


def test_each_entity_keeps_its_own_extractor_after_the_name_got_shorter() -> None:
    """欧阳建国 → 张三 moves every later entity two characters left; the extractor shown next
    to an entity must still be the one that found it."""
    event = user_event("我叫欧阳建国，手机13912345678，在朝阳路支行被吞卡了", "complain", 0.93,
                       ("customer_name", "欧阳建国", "DIETClassifier"),
                       ("phone", "13912345678", "DeclaredRegexEntityExtractor"),
                       ("branch", "朝阳路支行", "RegexEntityExtractor"))
    turn = conversation_turns(OPENID, [event])[0]
    assert [(e["entity"], e["extractor"]) for e in turn.entities] == [
        ("customer_name", "DIETClassifier"),
        ("phone", "DeclaredRegexEntityExtractor"),
        ("branch", "RegexEntityExtractor"),
    ]


def test_dividers_but_no_leading_session_start() -> None:
    turns = conversation_turns(OPENID, conversation())
    assert [t.text for t in turns if t.kind == "divider"] == [
        conv.DIVIDERS["pause"], conv.DIVIDERS["resume"], conv.DIVIDERS["restart"],
        conv.DIVIDERS["session_started"],
    ]
    assert all(t.text not in ("action_listen", "action_session_start") for t in turns)


def test_no_turn_carries_pii() -> None:
    for t in conversation_turns(OPENID, conversation()):
        blob = repr(t)
        assert "13912345678" not in blob and "欧阳" not in blob and OPENID not in blob
