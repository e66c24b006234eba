"""The texts of customer notices: data/notices.yml, which a trainer edits (docs/notices.md).

Laid out like Rasa responses — a name, then one or more variations, a variation with
`channel: sms` for text messages — under the key `notices` (a `responses` key in data/ would be
read by Rasa as training data). The file is checked when it is read: every notice has a default
text, and uses only the placeholders its kind is given; a bad file stops the desk at start with
the notice's name, and a file edited while the desk runs is read again on the next notice (a bad
edit is then logged and the last good texts kept).
"""
from __future__ import annotations

import logging
import string
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, Optional, Tuple

import yaml

from bot.casedesk.cases import case_rules

log = logging.getLogger(__name__)


class Kind(case_rules.StrEnum):
    """A notice's kind, named after the lifecycle step it tells of."""

    ACCEPTED = "accepted"  # 受理
    EXTENDED = "extended"  # 延期
    PAUSED = "paused"  # 暂停
    RESUMED = "resumed"  # 恢复计时
    DECIDED = "decided"  # 决定
    WITHDRAWN = "withdrawn"  # 撤诉: the confirmation, whoever recorded it
    SURVEY = "survey"  # 回访: some days after the decision, with the survey's link (surveys.py)


# the placeholders each kind's text may use (notices.py fills them)
PLACEHOLDERS: Dict[Kind, FrozenSet[str]] = {
    Kind.ACCEPTED: frozenset({"case_no", "contact_due", "decision_due"}),
    Kind.EXTENDED: frozenset({"case_no", "new_due", "reason"}),
    Kind.PAUSED: frozenset({"case_no", "reason"}),
    Kind.RESUMED: frozenset({"case_no", "new_due"}),
    Kind.DECIDED: frozenset({"case_no", "outcome", "review_until"}),
    Kind.WITHDRAWN: frozenset({"case_no"}),
    Kind.SURVEY: frozenset({"case_no", "survey_url"}),
}
CHANNELS = frozenset({"sms"})


def response_name(kind: Kind) -> str:
    return f"notice_{kind.value}"


# the names a text file must have: notice_accepted, notice_extended, …
DEFAULT_KINDS_NAMES = tuple(response_name(kind) for kind in Kind)


class NoticeTextError(ValueError):
    pass


@dataclass(frozen=True)
class NoticeTexts:
    # kind → (default text, {channel: text})
    texts: Mapping[Kind, Tuple[str, Mapping[str, str]]]
    outcomes: Mapping[str, str]
    titles: Mapping[Kind, str]

    def text(self, kind: Kind, channel: Optional[str] = None) -> str:
        default, by_channel = self.texts[kind]
        return by_channel.get(channel or "", default)

    def render(self, kind: Kind, params: Mapping[str, str], channel: Optional[str] = None) -> str:
        return self.text(kind, channel).format_map(dict(params))

    def title(self, kind: Kind) -> str:
        return self.titles.get(kind, "")

    def outcome(self, code: Optional[str]) -> str:
        return self.outcomes.get(code or "", "")

    def all_texts(self) -> List[Tuple[str, str]]:
        """(where, text) of every text a customer may read: for the no-promise scan."""
        found: List[Tuple[str, str]] = []
        for kind, (default, by_channel) in self.texts.items():
            found.append((response_name(kind), default))
            found.extend((f"{response_name(kind)}:{channel}", text) for channel, text in by_channel.items())
        found.extend((f"outcomes:{code}", text) for code, text in self.outcomes.items())
        found.extend((f"titles:{response_name(kind)}", text) for kind, text in self.titles.items())
        return found


def _fields(text: str, where: str) -> List[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:  # an unmatched { or }
        raise NoticeTextError(f"{where}: 花括号不成对，占位符要写成 {{case_no}} 这样")


def parse(data: object, where: str = "data/notices.yml") -> NoticeTexts:
    if not isinstance(data, dict) or not isinstance(data.get("notices"), dict):
        raise NoticeTextError(f"{where}: 缺少 notices")
    notices = data["notices"]
    texts: Dict[Kind, Tuple[str, Mapping[str, str]]] = {}
    for kind in Kind:
        name = response_name(kind)
        variations = notices.get(name)
        if not isinstance(variations, list) or not variations:
            raise NoticeTextError(f"{where}: 缺少通知 {name}")
        default: Optional[str] = None
        by_channel: Dict[str, str] = {}
        for v in variations:
            text = v.get("text") if isinstance(v, dict) else None
            if not isinstance(text, str) or not text.strip():
                raise NoticeTextError(f"{where}: {name} 有一条没有 text")
            bad = [f for f in _fields(text, f"{where}: {name}") if f not in PLACEHOLDERS[kind]]
            if bad:
                raise NoticeTextError(
                    f"{where}: {name} 用了不认识的占位符 {{{bad[0]}}}，可用的只有："
                    + "、".join("{" + p + "}" for p in sorted(PLACEHOLDERS[kind]))
                )
            channel = v.get("channel")
            if channel is None:
                default = default or text.strip()
            elif channel in CHANNELS:
                by_channel.setdefault(channel, text.strip())
            else:
                raise NoticeTextError(f"{where}: {name} 的 channel 只能是 " + "、".join(sorted(CHANNELS)))
        if default is None:
            raise NoticeTextError(f"{where}: {name} 缺少不带 channel 的默认文字")
        texts[kind] = (default, by_channel)
    outcomes = data.get("outcomes") or {}
    missing = [o for o in case_rules.Outcome.values() if not isinstance(outcomes.get(o), str) or not outcomes[o].strip()]
    if missing:
        raise NoticeTextError(f"{where}: outcomes 缺少 {missing[0]}")
    titles_raw = data.get("titles") or {}
    titles = {kind: str(titles_raw.get(response_name(kind)) or "").strip() for kind in Kind}
    return NoticeTexts(texts, {o: str(outcomes[o]).strip() for o in case_rules.Outcome.values()}, titles)


def load(path: Path) -> NoticeTexts:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise NoticeTextError(f"{path}: 无法读取（{exc.__class__.__name__}）")
    return parse(data, str(path))


class TextSource:
    """The texts of one file, read again when the file changes (a trainer's edit takes effect on
    the next notice). The first read must succeed; a later bad edit keeps the last good texts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp = self._mtime()
        self._texts = load(path)

    def _mtime(self) -> float:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return -1.0

    def get(self) -> NoticeTexts:
        stamp = self._mtime()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._stamp = stamp
                    try:
                        self._texts = load(self.path)
                        log.info("notice texts reloaded from %s", self.path)
                    except NoticeTextError as exc:
                        log.error("notice texts not reloaded, keeping the last good ones: %s", exc)
        return self._texts
