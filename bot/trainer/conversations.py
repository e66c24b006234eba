"""Conversations as trainers see them: a filterable list and one conversation turn by turn.

Built from Rasa's tracker events (bot/trainer/tracker_store.py). Every customer and bot text
goes through the story exporter's Scrubber first, so a trainer sees 13800000000 and 张三, never
a customer's phone or name, exactly as they would appear in an exported story.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from bot.casedesk.cases.case_rules import CHINA_TZ
from .stories import Scrubber, known_names, scrub_user, story_name
from .tracker_store import HANDOFF_SLOT, EventRow

FALLBACK_INTENT = "nlu_fallback"
HUMAN_INTENT = "request_human"
# Rasa reads a message starting with "/" as an intent given directly (/greet), not as words: the
# web chat sends "/greet" when its window opens, so it is no customer's sentence
PAYLOAD_PREFIX = "/"
# Rasa's input channel names → what a trainer reads
CHANNEL_LABELS = {"socketio": "网页聊天", "rest": "REST 接口", "wechat": "微信公众号"}
# the list reads at most this many events; a wider date range shows the newest and says so
SCAN_LIMIT = 20000
PAGE_SIZE = 50
MAX_DAYS = 92


@dataclass
class Filters:
    since: date
    until: date  # inclusive, Beijing dates
    channel: str = ""
    intent: str = ""
    reason: str = ""  # a handoff reason, "any" or ""
    max_confidence: Optional[float] = None  # lowest confidence at or below this
    order: str = "recent"  # recent | confidence
    page: int = 1

    def window(self) -> tuple[float, float]:
        start = datetime.combine(self.since, time.min, CHINA_TZ)
        end = datetime.combine(self.until + timedelta(days=1), time.min, CHINA_TZ)
        return start.timestamp(), end.timestamp()


class BadFilter(ValueError):
    """A filter value a trainer typed that cannot be used; the message is Chinese."""


def parse_filters(query: Mapping[str, str], today: date, intents: Iterable[str],
                  default_days: int = 7) -> Filters:
    def day(key: str, default: date) -> date:
        raw = (query.get(key) or "").strip()
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise BadFilter("日期格式应为 2026-11-22。")

    until = day("until", today)
    since = day("since", until - timedelta(days=default_days - 1))
    if since > until:
        raise BadFilter("开始日期不能晚于结束日期。")
    if (until - since).days >= MAX_DAYS:
        raise BadFilter(f"日期范围最多 {MAX_DAYS} 天，请缩小范围。")
    channel = (query.get("channel") or "").strip()
    if channel and channel not in CHANNEL_LABELS:
        raise BadFilter("未知的渠道。")
    intent = (query.get("intent") or "").strip()
    if intent and intent not in set(intents) | {FALLBACK_INTENT}:
        raise BadFilter("未知的意图。")
    reason = (query.get("reason") or "").strip()
    max_confidence = None
    raw_conf = (query.get("max_confidence") or "").strip()
    if raw_conf:
        try:
            max_confidence = float(raw_conf)
        except ValueError:
            raise BadFilter("置信度应为 0 到 1 之间的数，例如 0.6。")
        if not 0 <= max_confidence <= 1:
            raise BadFilter("置信度应为 0 到 1 之间的数，例如 0.6。")
    order = query.get("order") or "recent"
    if order not in ("recent", "confidence"):
        order = "recent"
    try:
        page = max(1, min(int(query.get("page") or 1), 10000))
    except ValueError:
        page = 1
    return Filters(since, until, channel, intent, reason, max_confidence, order, page)


def is_payload(event: Mapping[str, Any]) -> bool:
    """A message the channel sent for the customer (the web chat's /greet), not typed words."""
    return str(event.get("text") or "").lstrip().startswith(PAYLOAD_PREFIX)


def handoff_reason_of(event: Mapping[str, Any]) -> Optional[str]:
    """Why a customer message handed the conversation to a person, or None.

    The reason is recorded in different places depending on who decided: the escalation
    detector writes it into the message's parse data (`escalation`, level strong: media,
    regulator, violence, self_harm, anger, human); a `request_human` intent hands off as
    `human` (actions/handoff.py reason_and_cues); only the conversation signals of a form set the
    `handoff_reason` slot (and action_handoff clears it at once)."""
    parse_data = event.get("parse_data") or {}
    escalation = parse_data.get("escalation") or {}
    if escalation.get("level") == "strong" and escalation.get("reason"):
        return str(escalation["reason"])
    name, _ = intent_of(event)
    if name == HUMAN_INTENT:
        return "human"
    return None


def intent_of(event: Mapping[str, Any]) -> tuple[Optional[str], Optional[float]]:
    intent = (event.get("parse_data") or {}).get("intent") or {}
    confidence = intent.get("confidence")
    return intent.get("name"), (float(confidence) if isinstance(confidence, (int, float)) else None)


@dataclass
class Summary:
    key: int  # an event id of the conversation: pages name it by this, never by the sender id
    name: str  # the story name an export would get
    sender_id: str = field(repr=False)
    started: float = 0.0
    last: float = 0.0
    channel: str = ""
    messages: int = 0
    intents: List[str] = field(default_factory=list)
    lowest_confidence: Optional[float] = None
    fallback: bool = False
    handoff_reason: Optional[str] = None
    first_text: str = ""


def summarise(rows: Sequence[EventRow]) -> List[Summary]:
    """Rows of tracker_store.summary_rows → one summary per conversation, newest first."""
    by_sender: Dict[str, List[EventRow]] = defaultdict(list)
    for row in rows:
        by_sender[row.sender_id].append(row)
    out = []
    for sender, sender_rows in by_sender.items():
        sender_rows.sort(key=lambda r: r.id)
        users = [r for r in sender_rows if r.type_name == "user"]
        if not users:
            continue
        said = [r for r in users if not is_payload(r.event)]
        summary = Summary(key=users[0].id, name=story_name(sender), sender_id=sender,
                          started=users[0].timestamp, last=sender_rows[-1].timestamp,
                          messages=len(said))
        counts: Counter = Counter()
        for r in said:
            name, confidence = intent_of(r.event)
            if name:
                counts[name] += 1
            if name == FALLBACK_INTENT:
                summary.fallback = True
            if confidence is not None and (summary.lowest_confidence is None
                                           or confidence < summary.lowest_confidence):
                summary.lowest_confidence = confidence
        for r in users:
            summary.channel = r.event.get("input_channel") or summary.channel
        summary.intents = [name for name, _ in counts.most_common()]
        for r in sender_rows:  # the latest handoff's reason, wherever it was recorded
            if r.type_name == "slot" and r.event.get("name") == HANDOFF_SLOT and r.event.get("value"):
                summary.handoff_reason = str(r.event["value"])
            elif r.type_name == "user":
                summary.handoff_reason = handoff_reason_of(r.event) or summary.handoff_reason
        if said:
            scrub = Scrubber(names=known_names([u.event for u in users]), secrets=[sender])
            summary.first_text = scrub_user(dict(said[0].event), scrub)["text"][:80]
        out.append(summary)
    out.sort(key=lambda s: s.last, reverse=True)
    return out


def apply_filters(summaries: Iterable[Summary], f: Filters) -> List[Summary]:
    kept = []
    for s in summaries:
        if f.channel and s.channel != f.channel:
            continue
        if f.intent and f.intent not in s.intents:
            continue
        if f.reason == "any" and not s.handoff_reason:
            continue
        if f.reason and f.reason != "any" and s.handoff_reason != f.reason:
            continue
        if f.max_confidence is not None and (s.lowest_confidence is None
                                             or s.lowest_confidence > f.max_confidence):
            continue
        kept.append(s)
    if f.order == "confidence":
        kept.sort(key=lambda s: (s.lowest_confidence if s.lowest_confidence is not None else 2.0, -s.last))
    return kept


# ---------------------------------------------------------------------------------------------
# One conversation


@dataclass
class Turn:
    kind: str  # user | bot | agent | action | divider
    timestamp: float
    text: str = ""
    # the customer's text cut at the entities, for highlighting: [(piece, entity name or None)]
    pieces: List[tuple] = field(default_factory=list)
    intent: Optional[str] = None
    confidence: Optional[float] = None
    ranking: List[tuple] = field(default_factory=list)  # [(intent, confidence)], top 3
    # the best-ranked intent after the one shown (None: there is none)
    runner_up: Optional[tuple] = None
    payload: bool = False  # the web chat's /greet, sent when its window opened
    agent: str = ""  # an agent's reply: the agent's display name
    entities: List[Dict[str, Any]] = field(default_factory=list)
    escalation: Optional[str] = None
    channel: str = ""
    message_id: Optional[str] = None


DIVIDERS = {
    "session_started": "新会话开始",
    "restart": "对话重新开始",
    "pause": "转人工：机器人暂停，由坐席接手",
    "resume": "机器人恢复接待",
}
HIDDEN_ACTIONS = {"action_listen", "action_session_start"}


def _pieces(text: str, entities: Sequence[Mapping[str, Any]]) -> List[tuple]:
    pieces, pos = [], 0
    for e in entities:
        if e["start"] > pos:
            pieces.append((text[pos:e["start"]], None))
        pieces.append((text[e["start"]:e["end"]], e["entity"]))
        pos = e["end"]
    if pos < len(text):
        pieces.append((text[pos:], None))
    return pieces


def user_turn(event: Mapping[str, Any], scrub: Scrubber) -> Turn:
    """A customer message as the NLU saw it, PII replaced, entities located in that text."""
    clean = scrub_user(dict(event), scrub)
    text = clean["text"]
    entities = clean["parse_data"]["entities"]
    parse_data = event.get("parse_data") or {}
    name, confidence = intent_of(event)
    ranking = [(r.get("name"), float(r.get("confidence") or 0.0))
               for r in (parse_data.get("intent_ranking") or [])[:3] if r.get("name")]
    # the ranking is DIET's; the intent shown may be another (escalate set by the detector,
    # nlu_fallback): the runner-up is the best-ranked intent that is not the one shown
    runner_up = next(((n, c) for n, c in ranking if n != name), None)
    return Turn(
        kind="user", timestamp=float(event.get("timestamp") or 0.0), text=text,
        pieces=_pieces(text, entities), intent=name, confidence=confidence, ranking=ranking,
        runner_up=runner_up, payload=is_payload(event),
        entities=[{"entity": e["entity"], "start": e["start"], "end": e["end"], "value": e.get("value"),
                   "text": text[e["start"]:e["end"]], "extractor": e.get("extractor") or ""}
                  for e in entities],
        escalation=handoff_reason_of(event),
        channel=event.get("input_channel") or "", message_id=event.get("message_id"),
    )


def conversation_turns(sender_id: str, events: Sequence[Mapping[str, Any]]) -> List[Turn]:
    scrub = Scrubber(names=known_names(events), secrets=[sender_id])
    turns: List[Turn] = []
    for event in events:
        kind = event.get("event")
        ts = float(event.get("timestamp") or 0.0)
        if kind == "user":
            turns.append(user_turn(event, scrub))
        elif kind == "bot":
            text = event.get("text") or ""
            # an agent's reply reaches the tracker as a bot utterance with the agent's name
            # (bot/casedesk/handoffs/rasa_bridge.py send_agent_reply)
            agent = str((event.get("metadata") or {}).get("agent") or "")
            if text:
                turns.append(Turn(kind="agent" if agent else "bot", timestamp=ts,
                                  text=scrub.text(text), agent=agent))
        elif kind == "action" and event.get("name") not in HIDDEN_ACTIONS:
            turns.append(Turn(kind="action", timestamp=ts, text=str(event.get("name"))))
        elif kind in DIVIDERS:
            if kind == "session_started" and not turns:
                continue
            turns.append(Turn(kind="divider", timestamp=ts, text=DIVIDERS[kind]))
    return turns
