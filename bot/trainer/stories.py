"""A real conversation → a Rasa test story (YAML, format 3.1) with the PII replaced.

`tracker_to_story(tracker)` is pure: it takes the JSON of Rasa's
`GET /conversations/{id}/tracker?include_events=ALL` and returns the YAML text. Rasa's own
`YAMLStoryWriter` writes the story (user text with the entities annotated, intents, actions,
active loops, slots); before that, the events are cleaned:

- phone numbers become 13800000000, 13800000001, … (still a phone to the `phone` regex),
  names (customer_name entities and slot values) become 张三, 李四, …, long digit runs (card and
  ID numbers) become zeros, WeChat OpenIDs and the conversation id never appear; the story's
  name is a hash of the conversation id;
- the story ends at `action_handoff`: after it the conversation is paused and an agent talks;
- a restart or a new session starts a new story (`… part 2`).

CLI: `python -m bot.trainer.stories ID [ID ...] [--out FILE]` (or `make story IDS="…"`), with
RASA_URL and RASA_TOKEN from the environment or `.env`, like the case desk.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import requests

from bot.names import COMPOUND_SURNAMES
from bot.casedesk.handoffs.rasa_bridge import PATH_SAFE

HANDOFF_ACTION = "action_handoff"
NAME_PLACEHOLDERS = ["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十"]
PHONE_PLACEHOLDER_BASE = 13800000000
# slot values that are not a person's name (actions/intake_form.py: declining the name)
NOT_A_NAME = {"未提供", "不详"}
# slots whose value identifies the real case: replaced by a value of the same shape
LINK_SLOTS = {
    "case_no": "TS20260101000000",
    "intake_id": "00000000-0000-0000-0000-000000000000",
}
PII_ENTITIES = {"phone", "customer_name"}

_DIGIT = "[0-9０-９零〇一二三四五六七八九幺两]"
# a mainland mobile number written with Arabic, full-width or spoken digits, with spaces or
# dashes between the groups, optionally +86 in front
PHONE_RE = re.compile(
    rf"(?<![0-9０-９])(?:\+?86[- ]?)?[1１一幺]{_DIGIT}(?:[- ]?{_DIGIT}){{9}}(?![0-9０-９])"
)
# card and ID numbers (12 digits or more, an ID may end in X), also written in groups
# (6222 0212 3456 7890, 6222-0212-…); full-width digits are made ASCII first (HALF_DIGITS)
# (not after "+": +86 139 1234 5678 is a phone, PHONE_RE's)
LONG_NUMBER_RE = re.compile(r"(?<![0-9+])[0-9](?:[- ]?[0-9]){11,}[Xx]?(?![0-9])")
HALF_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
# a WeChat OpenID: 28 characters starting with o
OPENID_RE = re.compile(r"(?<![0-9A-Za-z_-])o[0-9A-Za-z_-]{27}(?![0-9A-Za-z_-])")

_SPOKEN = str.maketrans("０１２３４５６７８９零〇一二三四五六七八九幺两",
                        "0123456789001234567891" "2")


class StoryExportError(Exception):
    """A conversation that cannot be exported; the message is for the trainer (Chinese)."""


def story_name(conversation_id: str) -> str:
    """The story's name: a hash of the conversation id, never the id (it may be an OpenID)."""
    return "conversation " + hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()[:12]


def zeroed(number: str) -> str:
    """A card or ID number with every digit (and a final X) made 0, separators kept."""
    return re.sub(r"[0-9Xx]", "0", number)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text.translate(_SPOKEN))


class Scrubber:
    """Replaces PII by placeholders, the same value always by the same placeholder."""

    def __init__(self, names: Iterable[str] = (), secrets: Iterable[str] = ()) -> None:
        self.phones: Dict[str, str] = {}
        self.names: Dict[str, str] = {}
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        for name in names:
            self.name(name)

    def phone(self, raw: str) -> str:
        key = _digits(raw)[-11:] or raw
        if key not in self.phones:
            self.phones[key] = str(PHONE_PLACEHOLDER_BASE + len(self.phones))
        return self.phones[key]

    def name(self, raw: str) -> str:
        raw = raw.strip()
        if raw not in self.names:
            self.names[raw] = NAME_PLACEHOLDERS[len(self.names) % len(NAME_PLACEHOLDERS)]
        return self.names[raw]

    def text(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[id]")
        text = OPENID_RE.sub("[id]", text)
        text = LONG_NUMBER_RE.sub(lambda m: zeroed(m.group(0)), text.translate(HALF_DIGITS))
        text = PHONE_RE.sub(lambda m: self.phone(m.group(0)), text)
        # longest names first, so 王建国 is replaced before a shorter name inside it
        for name in sorted(self.names, key=len, reverse=True):
            if len(name) >= 2 and name not in NAME_PLACEHOLDERS:
                text = text.replace(name, self.names[name])
        return text

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value


def _segments(events: Sequence[Mapping[str, Any]]) -> List[List[Dict[str, Any]]]:
    """The conversation's parts: a restart or a new session starts a new part; reverted
    user messages and actions are dropped; each part ends at the first handoff."""
    parts: List[List[Dict[str, Any]]] = [[]]
    for event in events:
        kind = event.get("event")
        if kind in ("restart", "session_started"):
            parts.append([])
            continue
        part = parts[-1]
        if kind == "rewind":  # UserUtteranceReverted: back to before the last user message
            while part and part.pop().get("event") != "user":
                pass
            while part and part.pop().get("event") != "action":
                pass
        elif kind == "undo":  # ActionReverted
            while part and part.pop().get("event") != "action":
                pass
        else:
            part.append(dict(event))
    result = []
    for part in parts:
        for i, event in enumerate(part):
            if event.get("event") == "action" and event.get("name") == HANDOFF_ACTION:
                part = part[: i + 1]
                break
        if any(e.get("event") == "user" for e in part):
            result.append(part)
    return result


def _user_entities(event: Mapping[str, Any]) -> tuple[str, List[Dict[str, Any]]]:
    """The text the NLU saw and its entities, sorted, without overlaps.

    Entity offsets refer to `parse_data["text"]`, the normalised text (bot/nlu/normalizer.py:
    "138 1234 5678" → "13812345678"), not to the event's `text` as typed; so the story uses the
    normalised text. Neighbouring pieces of one phone or name (DIET may split 欧阳建国 into 欧阳 +
    建国) are joined, so one name gets one placeholder.
    """
    parse_data = event.get("parse_data") or {}
    text = parse_data.get("text") or event.get("text") or ""
    entities = sorted(
        (e for e in parse_data.get("entities") or []
         if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
         and 0 <= e["start"] < e["end"] <= len(text)),
        key=lambda e: (e["start"], -e["end"]),
    )
    result: List[Dict[str, Any]] = []
    for entity in entities:
        entity = dict(entity)
        if entity.get("entity") == "customer_name" and text[max(0, entity["start"] - 2):entity["start"]] in COMPOUND_SURNAMES:
            entity["start"] -= 2  # DIET tagged 建国 of 欧阳建国: the surname is the name's too
            entity["value"] = text[entity["start"]:entity["end"]]
        if result and entity.get("entity") in PII_ENTITIES \
                and result[-1].get("entity") == entity.get("entity") \
                and (entity["start"] <= result[-1]["end"] or not text[result[-1]["end"]:entity["start"]].strip()):
            # a neighbouring or overlapping piece of the same name or phone (建国 of 欧阳建国,
            # widened to its surname above, overlaps 欧阳): one span, so no piece stays in clear
            result[-1]["end"] = max(result[-1]["end"], entity["end"])
            result[-1]["value"] = text[result[-1]["start"]:result[-1]["end"]]
            continue
        if result and entity["start"] < result[-1]["end"]:
            continue  # overlaps one already taken (two extractors)
        result.append(entity)
    return text, result


def known_names(events: Iterable[Mapping[str, Any]]) -> List[str]:
    """Names the bot knew: customer_name slot values first, then name entities that are not
    part of one of those (a partial 欧阳 of 欧阳建国 must not get a placeholder of its own)."""
    slot_names, entity_names = [], []
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "customer_name":
            value = event.get("value")
            if isinstance(value, str) and value.strip() and value.strip() not in NOT_A_NAME:
                slot_names.append(value.strip())
        if event.get("event") == "user":
            text, entities = _user_entities(event)
            for entity in entities:
                if entity.get("entity") == "customer_name":
                    span = text[entity["start"]:entity["end"]].strip()
                    if span:
                        entity_names.append(span)
    return slot_names + [n for n in entity_names if not any(n in full for full in slot_names)]


def scrub_user(event: Dict[str, Any], scrub: Scrubber) -> Dict[str, Any]:
    """The user's text with PII replaced and the entities' offsets moved to match."""
    text, entities = _user_entities(event)
    parse_data = event.get("parse_data") or {}
    # a name entity that caught only part of a known name (欧阳 of 欧阳建国) covers all of it
    for entity in entities:
        if entity.get("entity") != "customer_name":
            continue
        for name in scrub.names:
            for m in re.finditer(re.escape(name), text) if len(name) >= 2 else ():
                if m.start() < entity["end"] and entity["start"] < m.end():
                    entity["start"] = min(entity["start"], m.start())
                    entity["end"] = max(entity["end"], m.end())
    out, new_entities, pos = [], [], 0
    for entity in entities:
        if entity["start"] < pos:
            continue  # swallowed by a widened name
        out.append(scrub.text(text[pos:entity["start"]]))
        span = text[entity["start"]:entity["end"]]
        label = entity.get("entity")
        if label == "phone":
            new_span = scrub.phone(span)
            value: Any = new_span
        elif label == "customer_name":
            new_span = scrub.name(span)
            value = new_span
        else:
            new_span = scrub.text(span)
            value = scrub.value(entity.get("value", span))
        start = sum(len(p) for p in out)
        out.append(new_span)
        new_entity = {"entity": label, "start": start, "end": start + len(new_span), "value": value}
        # the extractor only for the trainer pages' view; Rasa's story writer ignores it
        for key in ("role", "group", "extractor"):
            if entity.get(key) is not None:
                new_entity[key] = entity[key]
        new_entities.append(new_entity)
        pos = entity["end"]
    out.append(scrub.text(text[pos:]))
    new_text = "".join(out)
    intent = parse_data.get("intent") or {}
    return {
        "event": "user",
        "text": new_text,
        "parse_data": {"text": new_text, "intent": {"name": intent.get("name"),
                                                     "confidence": intent.get("confidence", 1.0)},
                       "entities": new_entities},
        "input_channel": None,
        "message_id": None,
        "metadata": {},
    }


def _clean_events(part: List[Dict[str, Any]], scrub: Scrubber) -> List[Dict[str, Any]]:
    cleaned: List[Dict[str, Any]] = []
    # slot values set so far in this part (by the event's name, None if it has none)
    current: Dict[Optional[str], Any] = {}
    for event in part:
        kind = event.get("event")
        if kind == "user":
            cleaned.append(scrub_user(event, scrub))
        elif kind == "slot":
            name, value = event.get("name"), event.get("value")
            if name in LINK_SLOTS and value is not None:
                value = LINK_SLOTS[name]
            elif name == "phone" and isinstance(value, str) and value:
                value = scrub.phone(value)
            elif name == "customer_name" and isinstance(value, str) and value.strip() \
                    and value.strip() not in NOT_A_NAME:
                value = scrub.name(value)
            else:
                value = scrub.value(value)
            if name in current and current[name] == value:
                continue  # sets the value the slot already has: no change to replay
            current[name] = value
            cleaned.append({"event": "slot", "name": name, "value": value})
        elif kind == "action":
            cleaned.append({"event": "action", "name": event.get("name")})
        elif kind == "active_loop":
            cleaned.append({"event": "active_loop", "name": event.get("name")})
        # bot messages, pauses, follow-ups, reminders … are not part of a test story
    return cleaned


def tracker_to_steps(tracker: Mapping[str, Any], name: Optional[str] = None) -> list:
    """The tracker JSON as Rasa `StoryStep`s (one per part), PII replaced."""
    from rasa.shared.core.events import Event
    from rasa.shared.core.training_data.structures import StoryStep

    conversation_id = str(tracker.get("sender_id") or "")
    events = tracker.get("events") or []
    parts = _segments(events)
    if not parts:
        raise StoryExportError(
            f"对话 {conversation_id or '（无 id）'} 没有客户消息：请检查对话 id 是否正确"
        )
    scrub = Scrubber(names=known_names(events), secrets=[conversation_id])
    base = name or story_name(conversation_id)
    steps = []
    for i, part in enumerate(parts, start=1):
        step = StoryStep(base if len(parts) == 1 else f"{base} part {i}")
        for event in _clean_events(part, scrub):
            step.add_event(Event.from_parameters(event))
        steps.append(step)
    return steps


def write_stories(steps: Sequence[Any]) -> str:
    """Story steps as a test story YAML document, written by Rasa's own YAMLStoryWriter
    (with `user:` before `intent:`, as in tests/stories/)."""
    from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter

    class Writer(YAMLStoryWriter):
        @staticmethod
        def process_user_utterance(user_utterance: Any, is_test_story: bool = False) -> Any:
            result = YAMLStoryWriter.process_user_utterance(user_utterance, is_test_story)
            if "user" in result:
                result.move_to_end("user", last=False)
            return result

    return Writer().dumps(list(steps), is_test_story=True)


def tracker_to_story(tracker: Mapping[str, Any], name: Optional[str] = None) -> str:
    """The tracker JSON (include_events=ALL) as a Rasa 3.1 test story YAML, PII replaced."""
    return write_stories(tracker_to_steps(tracker, name))


# -- fetching trackers over Rasa's HTTP API ---------------------------------------------------

def rasa_settings(environ: Optional[Mapping[str, str]] = None) -> tuple[str, Optional[str]]:
    """RASA_URL and RASA_TOKEN: the environment wins over `.env`, as for the case desk."""
    from dotenv import dotenv_values

    from bot.casedesk.settings import DEFAULT_ENV_FILE, DEFAULT_RASA_URL

    environ = os.environ if environ is None else environ
    values: Dict[str, Optional[str]] = {}
    if Path(DEFAULT_ENV_FILE).exists():
        values.update(dotenv_values(DEFAULT_ENV_FILE))
    values.update({k: v for k, v in environ.items() if k in ("RASA_URL", "RASA_TOKEN")})
    return (values.get("RASA_URL") or DEFAULT_RASA_URL).rstrip("/"), values.get("RASA_TOKEN") or None


def fetch_tracker(conversation_id: str, rasa_url: str, token: Optional[str],
                  timeout: float = 10) -> Dict[str, Any]:
    params = {"include_events": "ALL"}
    if token:
        params["token"] = token
    # Rasa (Sanic) does not unquote path parameters: ':' of a REST id (rest:…) must stay as it is
    url = f"{rasa_url.rstrip('/')}/conversations/{requests.utils.quote(conversation_id, safe=PATH_SAFE)}/tracker"
    try:
        r = requests.get(url, params=params, timeout=timeout)
    except requests.RequestException:
        raise StoryExportError(
            f"无法连接 Rasa（{rasa_url}）：请先启动 Rasa（make run），或检查 RASA_URL"
        ) from None
    if r.status_code in (401, 403):
        raise StoryExportError("Rasa 拒绝了请求：RASA_TOKEN 不对（见 .env）")
    if r.status_code == 404:
        raise StoryExportError(f"找不到对话 {conversation_id}")
    if not r.ok:
        raise StoryExportError(f"Rasa 返回错误 {r.status_code}：对话 {conversation_id} 未能导出")
    tracker = r.json()
    # Rasa answers an unknown id with an empty tracker, not 404
    if not any(e.get("event") == "user" for e in tracker.get("events") or []):
        raise StoryExportError(f"找不到对话 {conversation_id}（Rasa 中没有这个对话的客户消息）")
    return tracker


def export_stories(conversation_ids: Sequence[str], rasa_url: str,
                   token: Optional[str]) -> str:
    """The test stories of several conversations, as one YAML document."""
    steps = []
    for cid in conversation_ids:
        steps.extend(tracker_to_steps(fetch_tracker(cid, rasa_url, token)))
    return write_stories(steps)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.trainer.stories",
        description="把对话导出为 Rasa 测试故事（个人信息已替换为占位符）",
    )
    parser.add_argument("ids", nargs="+", metavar="CONVERSATION_ID", help="对话 id（可多个）")
    parser.add_argument("--out", help="写入的文件（默认输出到屏幕）")
    args = parser.parse_args(argv)
    rasa_url, token = rasa_settings()
    try:
        text = export_stories(args.ids, rasa_url, token)
    except StoryExportError as exc:
        print(f"导出失败：{exc}", file=sys.stderr)
        return 1
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"已导出 {len(args.ids)} 个对话到 {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
