"""Editing the escalation rule files from the trainer pages (docs/trainer.md, “转人工关键词”).

A trainer changes one reason's keywords, mild keywords, patterns and exceptions on the page; the
edit is written into that reason's file in the rule directory (`bot.escalation.rules.RULES_DIR`,
`ESCALATION_RULES_DIR`), where every running detector picks it up within a second
(detector.refresh). Before that it is checked as the rule loader and tests/escalation/test_rules.py
check the files: the loader must accept the whole directory (reason, patterns compile …), every
keyword must fire its reason in a neutral sentence, every pattern's example must fire, every
exception's example must not. A failed check is a Chinese message and nothing is written.

Each saved version is kept as a JSON file under the history directory
(`ESCALATION_RULES_HISTORY_DIR`, default var/escalation_rules_history/<reason>/): who, when, the
note, the whole file text. Version 0 is the file as it was before the first edit on the page.
Comments in the file are kept (ruamel.yaml round trip).
"""
from __future__ import annotations

import difflib
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import yaml

from ..escalation import rules as rule_files
from ..escalation.detector import STRONG, MILD, EscalationDetector
from ..escalation.rules import REASONS, load_rules, norm

REPO_ROOT = Path(__file__).resolve().parents[2]
# the sentence tests/escalation/test_rules.py puts every keyword into
FRAME = "今天下午，{}，就这样"
REASON_NAMES = {"anger": "情绪激动", "media": "媒体曝光", "regulator": "监管投诉",
                "violence": "暴力威胁", "self_harm": "自伤风险", "human": "要求人工"}
MAX_ITEMS = 500
MAX_FIELD = 300
MAX_NOTE = 200


class BadRules(ValueError):
    """An edit that cannot be saved; the message is Chinese and says what to change."""


class Conflict(BadRules):
    """The file changed since the trainer opened it."""


def rules_dir() -> Path:
    return Path(rule_files.RULES_DIR)


def history_dir() -> Path:
    return Path(os.environ.get("ESCALATION_RULES_HISTORY_DIR") or REPO_ROOT / "var" / "escalation_rules_history")


def reason_name(reason: str) -> str:
    return REASON_NAMES.get(reason, "未知原因")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def rule_file(reason: str, directory: Optional[Path] = None) -> Path:
    """The file of `reason` in the rule directory (its `reason:` says so, whatever its name)."""
    directory = Path(directory or rules_dir())
    for path in sorted(directory.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue
        if isinstance(data, dict) and data.get("reason") == reason:
            return path
    raise BadRules(f"找不到“{reason_name(reason)}”的规则文件。")


# ---------------------------------------------------------------------------------------------
# the edit


@dataclass
class Entry:
    name: str
    pattern: str
    example: str


@dataclass
class Edit:
    keywords: List[str] = field(default_factory=list)
    mild_keywords: List[str] = field(default_factory=list)
    patterns: List[Entry] = field(default_factory=list)
    exceptions: List[Entry] = field(default_factory=list)


def _roundtrip():
    from ruamel.yaml import YAML

    y = YAML()
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def current_edit(text: str) -> Edit:
    data = yaml.safe_load(text) or {}

    def entries(key: str) -> List[Entry]:
        return [Entry(str(e.get("name", "")), str(e.get("pattern", "")), str(e.get("example", "")))
                for e in data.get(key) or [] if isinstance(e, dict)]

    return Edit([str(k) for k in data.get("keywords") or []], [str(k) for k in data.get("mild_keywords") or []],
                entries("patterns"), entries("exceptions"))


def _lines(raw: str, what: str) -> List[str]:
    out = []
    for line in (raw or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line) > MAX_FIELD:
            raise BadRules(f"{what}“{line[:20]}…”太长了（最多 {MAX_FIELD} 字）。")
        out.append(line)
    if len(out) > MAX_ITEMS:
        raise BadRules(f"{what}最多 {MAX_ITEMS} 个。")
    return out


def _entries(form: Any, prefix: str, what: str) -> List[Entry]:
    """Rows `<prefix>-<i>-name/pattern/example/delete` of the form; blank rows are skipped."""
    indexes = sorted({int(m.group(1)) for k in form.keys()
                      for m in [re.fullmatch(rf"{prefix}-(\d{{1,4}})-(name|pattern|example|delete)", k)] if m})
    out = []
    for i in indexes:
        name, pattern, example = (str(form.get(f"{prefix}-{i}-{f}", "")).strip() for f in ("name", "pattern", "example"))
        if form.get(f"{prefix}-{i}-delete") or not (name or pattern or example):
            continue
        missing = [label for label, value in (("名称", name), ("正则", pattern), ("例句", example)) if not value]
        if missing:
            raise BadRules(f"{what}“{name or pattern or example}”缺少{'、'.join(missing)}：每条都要写名称、正则和例句。")
        for value in (name, pattern, example):
            if len(value) > MAX_FIELD:
                raise BadRules(f"{what}“{name}”的内容太长了（每项最多 {MAX_FIELD} 字）。")
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise BadRules(f"{what}“{name}”的正则写得不对（{_regex_problem(exc)}），请检查括号和转义。") from None
        out.append(Entry(name, pattern, example))
    if len(out) > MAX_ITEMS:
        raise BadRules(f"{what}最多 {MAX_ITEMS} 条。")
    return out


def _regex_problem(exc: re.error) -> str:
    msg = str(exc.msg)
    known = {"missing )": "少了右括号“)”", "unbalanced parenthesis": "多了右括号“)”",
             "unterminated character set": "方括号“[”没有闭合", "nothing to repeat": "“*”“+”“?”前面没有可重复的内容",
             "bad escape": "反斜杠“\\”后面的写法不对", "multiple repeat": "重复符号连用了"}
    for key, text in known.items():
        if msg.startswith(key):
            return text
    return f"第 {exc.pos} 个字符附近有错" if exc.pos is not None else "写法有误"


def parse_form(form: Any) -> Edit:
    edit = Edit(
        keywords=_lines(form.get("keywords", ""), "关键词"),
        mild_keywords=_lines(form.get("mild_keywords", ""), "轻度不满的词"),
        patterns=_entries(form, "pattern", "说法"),
        exceptions=_entries(form, "exception", "例外"),
    )
    for what, values in (("关键词", edit.keywords), ("轻度不满的词", edit.mild_keywords)):
        seen: Dict[str, str] = {}
        for value in values:
            key = norm(value)
            if not key:
                raise BadRules(f"{what}“{value}”规范化后是空的，请换一个词。")
            if key in seen:
                raise BadRules(f"{what}“{value}”重复了（与“{seen[key]}”相同）。")
            seen[key] = value
    for what, entries in (("说法", edit.patterns), ("例外", edit.exceptions)):
        names = [e.name for e in entries]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup:
            raise BadRules(f"{what}的名称“{dup}”重复了，每条的名称要不同。")
    return edit


def apply_edit(text: str, edit: Edit) -> str:
    """The file's text with the lists replaced by the edit's, its comments and everything else
    (reason, scope, mild patterns, intensifiers) kept."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    y = _roundtrip()
    data = y.load(text)

    def set_list(key: str, values: Sequence[Any], make) -> None:
        seq = data.get(key)
        if not values and seq is None:
            return
        if not isinstance(seq, CommentedSeq):
            seq = CommentedSeq()
            data[key] = seq
        # in place: what stays keeps its position and the comments around it
        for i, value in enumerate(values):
            if i < len(seq):
                if isinstance(seq[i], dict) and not isinstance(value, str):
                    for k, v in make(value).items():
                        if seq[i].get(k) != v:
                            seq[i][k] = v
                elif seq[i] != value:
                    seq[i] = make(value)
            else:
                seq.append(make(value))
        del seq[len(values):]

    def entry(e: Entry) -> Any:
        m = CommentedMap()
        m["name"], m["pattern"], m["example"] = e.name, e.pattern, e.example
        return m

    set_list("keywords", edit.keywords, str)
    set_list("mild_keywords", edit.mild_keywords, str)
    set_list("patterns", edit.patterns, entry)
    set_list("exceptions", edit.exceptions, entry)
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# the check


def check_directory(directory: Path) -> None:
    """What the rule loader and tests/escalation/test_rules.py check, on a whole directory."""
    try:
        rules = load_rules(directory)
    except (ValueError, yaml.YAMLError) as exc:
        raise BadRules(f"规则文件无法加载：{exc}") from None
    detector = EscalationDetector(directory, learned=False)
    for reason, ruleset in rules.items():
        label = reason_name(reason)
        for keyword, _ in ruleset.keywords:
            sentence = FRAME.format(keyword)
            d = detector.detect(sentence)
            if not (d and (d.reason, d.level) == (reason, STRONG) and keyword in d.cues):
                raise BadRules(f"“{label}”的关键词“{keyword}”放进普通句子（{sentence}）里不会触发“{label}”，"
                               f"{_why(d, reason)}。")
        for keyword, _ in ruleset.mild_keywords:
            sentence = FRAME.format(keyword)
            d = detector.detect(sentence)
            if not (d and (d.reason, d.level) == (reason, MILD)):
                raise BadRules(f"“{label}”的轻度不满的词“{keyword}”放进普通句子（{sentence}）里不算轻度不满，"
                               f"{_why(d, reason)}。轻度不满的词只对“情绪激动”有效。")
        for p in ruleset.patterns:
            d = detector.detect(p.example)
            if not (d and (d.reason, d.level) == (reason, STRONG) and p.name in d.cues):
                raise BadRules(f"“{label}”的说法“{p.name}”的例句“{p.example}”没有由这条说法触发“{label}”，"
                               f"{_why(d, reason)}。请改正则或例句。")
        for p in [*ruleset.mild_patterns, *ruleset.intensifiers]:
            d = detector.detect(p.example)
            if not (d and (d.reason, d.level) == (reason, MILD)):
                raise BadRules(f"“{label}”的“{p.name}”的例句“{p.example}”不再算轻度不满，{_why(d, reason)}。")
        for p in ruleset.exceptions:
            d = detector.detect(p.example)
            if d is not None and d.reason == reason:
                raise BadRules(f"“{label}”的例外“{p.name}”的例句“{p.example}”仍会触发“{label}”：例外的例句必须"
                               f"不触发，请改正则或例句。")


def _why(d, reason: str) -> str:
    if d is None:
        return "可能被某条例外遮住了，或写法与句子里的字不一致"
    if d.reason != reason:
        return f"而是触发了优先级更高的“{reason_name(d.reason)}”"
    if d.level == MILD:
        return "只算轻度不满"
    return "而是被别的词或说法触发"


def validate(reason: str, new_text: str) -> None:
    """Checks the rule directory as it would be with `new_text` as `reason`'s file."""
    source = rules_dir()
    path = rule_file(reason, source)
    with tempfile.TemporaryDirectory(prefix="rules-check-") as tmp:
        target = Path(tmp) / "rules"
        shutil.copytree(source, target)
        (target / path.name).write_text(new_text, encoding="utf-8")
        check_directory(target)


# ---------------------------------------------------------------------------------------------
# versions


@dataclass
class Version:
    number: int
    reason: str
    by: str
    by_name: str
    at: datetime
    note: str
    text: str
    restored_from: Optional[int] = None


def _version_dir(reason: str) -> Path:
    if reason not in REASONS:
        raise BadRules("没有这个转人工原因。")
    return history_dir() / reason


def versions(reason: str) -> List[Version]:
    out = []
    directory = _version_dir(reason)
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        out.append(Version(int(data["number"]), reason, data["by"], data.get("by_name") or data["by"],
                           datetime.fromisoformat(data["at"]), data.get("note") or "", data["text"],
                           data.get("restored_from")))
    return sorted(out, key=lambda v: v.number)


def version(reason: str, number: int) -> Optional[Version]:
    return next((v for v in versions(reason) if v.number == number), None)


def _write_version(v: Version) -> None:
    directory = _version_dir(v.reason)
    directory.mkdir(parents=True, exist_ok=True)
    payload = {"number": v.number, "reason": v.reason, "by": v.by, "by_name": v.by_name,
               "at": v.at.isoformat(), "note": v.note, "text": v.text, "restored_from": v.restored_from}
    _atomic_write(directory / f"{v.number:06d}.json", json.dumps(payload, ensure_ascii=False, indent=1))


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save(reason: str, new_text: str, base: str, by: str, by_name: str, note: str, now: datetime,
         restored_from: Optional[int] = None) -> Version:
    """Checks and writes `reason`'s file, keeping the version. `base` is the digest of the file
    the trainer started from: someone else's save in between is a Conflict, not overwritten."""
    note = " ".join((note or "").split())
    if not note:
        raise BadRules("请写一句修改说明（为什么改），它会记在版本历史里。")
    if len(note) > MAX_NOTE:
        raise BadRules(f"修改说明最多 {MAX_NOTE} 字。")
    path = rule_file(reason)
    current = path.read_text(encoding="utf-8")
    if base != digest(current):
        raise Conflict("这份规则在您打开编辑页之后已被修改（可能是别的培训师），请重新打开编辑页，在最新的内容上再改。")
    if new_text == current:
        raise BadRules("内容没有变化，无需保存。")
    validate(reason, new_text)
    history = versions(reason)
    if not history:  # the file as it was before the first edit on the page
        _write_version(Version(0, reason, "", "", now, "网页编辑之前的规则文件", current))
        history = versions(reason)
    v = Version(history[-1].number + 1, reason, by, by_name or by, now, note, new_text, restored_from)
    _write_version(v)
    _atomic_write(path, new_text)  # a new mtime: every detector reloads within a second
    return v


def diff(before: str, after: str) -> List[tuple]:
    """[(kind, line)]: kind "+" added, "-" removed, " " context, "@" a hunk header."""
    out = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        out.append((line[0] if line[:1] in "+- " else "@", line[1:] if line[:1] in "+- " else "……"))
    return out
