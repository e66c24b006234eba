"""The NLU inbox: customer messages the NLU was unsure of, confirmed or corrected by a trainer,
exported as Rasa NLU YAML for `data/nlu/`.

A message enters the inbox when its intent confidence is below the inbox threshold or it hit
the fallback (`nlu_fallback`). Trainers see and store it only with PII replaced (the story
exporter's Scrubber), and what they save is checked again for phone, card and ID numbers, so
neither the case desk's `nlu_examples` table nor the exported file holds a customer's PII.

Entities are written in Rasa's own training-data syntax, `[朝阳路支行](branch)`, parsed by Rasa's
parser, and the file is written by Rasa's `RasaYAMLWriter`: what the trainer typed is exactly
what Rasa will read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import yaml

from ..text import normalize_text
from .conversations import CHANNEL_LABELS, FALLBACK_INTENT, intent_of, is_payload, user_turn
from .stories import (
    HALF_DIGITS, LONG_NUMBER_RE, OPENID_RE, PHONE_PLACEHOLDER_BASE, PHONE_RE, Scrubber, known_names,
)
from .tracker_store import EventRow

DEFAULT_THRESHOLD = 0.6
MAX_TEXT = 500
DOMAIN_DIR = Path(__file__).resolve().parents[1] / "domain"
# intents a trainer never labels by hand: set by the escalation component or by Rasa itself
NOT_LABELLED = {FALLBACK_INTENT, "escalate"}
PLACEHOLDER_PHONE_RE = re.compile(rf"^{str(PHONE_PLACEHOLDER_BASE)[:7]}\d{{4}}$")


class BadExample(ValueError):
    """An example a trainer submitted that cannot be saved; the message is Chinese."""


@dataclass(frozen=True)
class Catalog:
    """The intents and entities of the bot's domain: what a trainer may choose from."""

    intents: Tuple[str, ...]
    entities: Tuple[str, ...]

    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(i for i in self.intents if i not in NOT_LABELLED)


def load_catalog(domain_dir: Path = DOMAIN_DIR) -> Catalog:
    intents: List[str] = []
    entities: List[str] = []
    for path in sorted(Path(domain_dir).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("intents") or []:
            name = next(iter(item)) if isinstance(item, dict) else str(item)
            if name not in intents:
                intents.append(name)
        for item in data.get("entities") or []:
            name = next(iter(item)) if isinstance(item, dict) else str(item)
            if name not in entities:
                entities.append(name)
    return Catalog(tuple(intents), tuple(entities))


@dataclass
class Candidate:
    message_id: str
    event_id: int
    timestamp: float
    channel: str
    text: str
    annotated: str
    intent: Optional[str]
    confidence: Optional[float]
    ranking: List[tuple] = field(default_factory=list)
    runner_up: Optional[tuple] = None
    sender_id: str = field(default="", repr=False)
    # the same sentence said elsewhere (this one included): [(event_id, message_id)], and one
    # event id per conversation it was said in (a page links the conversation by it)
    members: List[Tuple[int, str]] = field(default_factory=list)
    conversations: List[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.members) or 1


# what makes two sentences "the same" for the inbox: case, width, Traditional/Simplified,
# spaces and punctuation do not count
_NOT_WORDS = re.compile(r"[\s\W_]+")


def sentence_key(text: str) -> str:
    key = _NOT_WORDS.sub("", normalize_text(text or "").lower())
    return key or (text or "").strip()


def group_same(found: Sequence[Candidate]) -> List[Candidate]:
    """Candidates saying the same (normalised) sentence → one, the first of them in `found`'s
    order, carrying all of them as members."""
    groups: Dict[str, Candidate] = {}
    senders: Dict[str, Set[str]] = {}
    for c in found:
        key = sentence_key(c.text)
        head = groups.setdefault(key, c)
        head.members.append((c.event_id, c.message_id))
        if c.sender_id not in senders.setdefault(key, set()):
            senders[key].add(c.sender_id)
            head.conversations.append(c.event_id)
    return list(groups.values())


def annotate(text: str, entities: Sequence[Mapping[str, Any]]) -> str:
    """`text` with its entities in Rasa's syntax: 我在[朝阳路支行](branch)办的卡."""
    out, pos = [], 0
    for e in sorted(entities, key=lambda e: e["start"]):
        if e["start"] < pos:
            continue
        out.append(text[pos:e["start"]])
        out.append(f"[{text[e['start']:e['end']]}]({e['entity']})")
        pos = e["end"]
    out.append(text[pos:])
    return "".join(out)


def parse_annotated(annotated: str, catalog: Catalog) -> Tuple[str, List[Dict[str, Any]]]:
    """A trainer's line → (plain text, entities), by Rasa's own training-data parser."""
    from rasa.shared.nlu.training_data import entities_parser

    annotated = " ".join((annotated or "").split())
    if not annotated:
        raise BadExample("例句不能为空。")
    if len(annotated) > MAX_TEXT:
        raise BadExample(f"例句太长（最多 {MAX_TEXT} 字），请只保留能说明意图的部分。")
    try:
        entities = entities_parser.find_entities_in_training_example(annotated)
        text = entities_parser.replace_entities(annotated)
    except Exception:
        raise BadExample("实体标注的格式不对，应写成 [朝阳路支行](branch)。")
    if "[" in text or "]" in text:  # an annotation Rasa did not recognise, e.g. a missing bracket
        raise BadExample("实体标注的格式不对，应写成 [朝阳路支行](branch)。")
    unknown = sorted({e["entity"] for e in entities} - set(catalog.entities))
    if unknown:
        raise BadExample(f"没有这个实体：{'、'.join(unknown)}。可用的实体：{'、'.join(catalog.entities)}。")
    if not text.strip():
        raise BadExample("例句不能为空。")
    return text, entities


def pii_problems(text: str) -> List[str]:
    """PII still in an example: phones other than the placeholders, card/ID numbers that are
    not all zeros, WeChat OpenIDs."""
    problems = []
    if any(not PLACEHOLDER_PHONE_RE.match(re.sub(r"\D", "", m.group(0))[-11:])
           for m in PHONE_RE.finditer(text)):
        problems.append("手机号（请换成 13800000000 这样的占位号码）")
    if any(set(re.sub(r"[^0-9]", "", m.group(0))) != {"0"}
           for m in LONG_NUMBER_RE.finditer(text.translate(HALF_DIGITS))):
        problems.append("卡号或证件号（请换成全 0）")
    if OPENID_RE.search(text):
        problems.append("微信 OpenID")
    return problems


def check_example(intent: str, annotated: str, catalog: Catalog) -> Tuple[str, List[Dict[str, Any]]]:
    if intent not in catalog.labels:
        raise BadExample("请选择一个意图。")
    text, entities = parse_annotated(annotated, catalog)
    problems = pii_problems(text)
    if problems:
        raise BadExample(f"例句里还有个人信息：{'、'.join(problems)}。")
    return text, entities


def candidates(rows: Sequence[EventRow], decided: Set[str], threshold: float = DEFAULT_THRESHOLD,
               limit: int = 50, order: str = "confidence", offset: int = 0) -> Tuple[List[Candidate], int]:
    """Unsure customer messages not decided yet, least confident (or, order="recent", newest)
    first, one page of them and how many there are. The same sentence said several times is one
    candidate with all of them as its members (`count`, `conversations`).

    Names are replaced using what the NLU found in the same conversation's messages."""
    by_sender: Dict[str, List[EventRow]] = {}
    for row in rows:
        if row.type_name == "user":
            by_sender.setdefault(row.sender_id, []).append(row)
    # messages an escalation mark (不必要 / 漏转) sent to the inbox enter whatever the confidence
    flagged: Mapping[str, str] = getattr(decided, "flagged", None) or {}
    found: List[Candidate] = []
    for sender, users in by_sender.items():
        scrub: Optional[Scrubber] = None
        for row in users:
            message_id = row.event.get("message_id")
            name, confidence = intent_of(row.event)
            if not message_id or message_id in decided or not (row.event.get("text") or "").strip():
                continue
            if is_payload(row.event):  # the web chat's /greet: no customer's sentence
                continue
            if name != FALLBACK_INTENT and (confidence is None or confidence >= threshold) \
                    and message_id not in flagged:
                continue
            if scrub is None:
                scrub = Scrubber(names=known_names([u.event for u in users]), secrets=[sender])
            turn = user_turn(row.event, scrub)
            found.append(Candidate(
                message_id=str(message_id), event_id=row.id, timestamp=row.timestamp,
                channel=CHANNEL_LABELS.get(turn.channel, turn.channel), text=turn.text,
                annotated=annotate(turn.text, turn.entities), intent=name, confidence=confidence,
                ranking=turn.ranking, runner_up=turn.runner_up, sender_id=sender,
            ))
    if order == "recent":
        found.sort(key=lambda c: -c.timestamp)
    else:
        found.sort(key=lambda c: (c.confidence if c.confidence is not None else 0.0, -c.timestamp))
    grouped = group_same(found)
    return grouped[offset:offset + limit], len(grouped)


def export_yaml(examples: Iterable[Tuple[str, str, Sequence[Mapping[str, Any]]]]) -> str:
    """(intent, text, entities) → a Rasa NLU YAML file (version 3.1), by Rasa's own writer."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    messages = []
    for intent, text, entities in examples:
        # value differs from the span only for a synonym the trainer wrote: [朝阳支行](branch:朝阳路支行)
        ents = [{"start": e["start"], "end": e["end"], "entity": e["entity"],
                 "value": e.get("value") or text[e["start"]:e["end"]]} for e in entities]
        messages.append(Message(data={"text": text, "intent": intent, "entities": ents}))
    header = ("# 由培训工作台的 NLU 收件箱导出：培训师确认或更正过的客户原话，个人信息已替换为占位符。\n"
              "# 放进 data/nlu/（例如 data/nlu/inbox_2026-11.yml），运行 make validate 和 make train。\n")
    return header + RasaYAMLWriter().dumps(TrainingData(training_examples=messages))
