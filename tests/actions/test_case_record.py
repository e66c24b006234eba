"""What the action server sends always fits what the case desk accepts: a refused case is lost."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from actions.case_record import build_payload, build_transcript, current_conversation
from bot.casedesk.cases.schemas import parse_new_case

RANT = "你们银行太过分了😡！！！我的卡 ATM 吞了，打客服 95xxx 转了十次都转不过去，" * 200  # ~9,000 chars


def test_a_very_long_rant_is_filed_shortened_not_refused():
    now = time.time()
    events = [{"event": "user", "text": RANT, "timestamp": now},
              {"event": "action", "name": "action_start_intake", "timestamp": now}]
    events += [{"event": "user" if i % 2 else "bot", "text": RANT, "timestamp": now + i} for i in range(50)]
    payload = build_payload({"description": RANT, "demand": RANT, "intake_id": "i-1"}, "c-1", "rest",
                            build_transcript(events))
    case = parse_new_case(payload, datetime.now(timezone.utc))  # raises BadRequest when refused
    assert case.description.endswith("（内容过长，已截断）")
    assert 0 < len(payload["transcript"]) < 51
    assert sum(len(t["text"]) for t in payload["transcript"]) <= 60000


def test_the_conversation_starts_after_the_last_restart_or_new_session():
    events = [{"event": "user", "text": "a"}, {"event": "restart"}, {"event": "user", "text": "b"},
              {"event": "session_started"}, {"event": "user", "text": "c"}]
    assert [e["text"] for e in current_conversation(events)] == ["c"]
    assert current_conversation(events[:1]) == events[:1]
