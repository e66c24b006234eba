"""The branch directory (网点目录): the bank's branches as data a trainer edits, data/branches.yml.

One list serves everyone. The NLU lookup table, jieba dictionary and synonyms are generated
from it (`python -m bot.nlu.sync_dict`); the case desk resolves the branch a customer named,
and the branch of a console user, to a directory entry here. Branch identity is the entry's
`code`, never the string: "北京市人民路支行", "人民路 支行", "人民路支行", "人民路支行" and
"人民路分行" are one branch, BJ043.

`resolve(text)` gives the one branch a free text names, or None when it names none or more
than one (unresolved). It forgives what does not change which branch is meant: full-width and
Traditional characters, spaces and punctuation, the places listed in the directory before the
name (北京市/北京), and a different or missing 支行/分行/营业部… suffix when the rest of the name
fits one branch only. It never guesses beyond that: an unresolved branch is a question for a
supervisor, and a wrong answer could show a confidential complaint to the branch it accuses.

No HTTP and no database here: the case desk, the console's `make user` and the NLU tools import it.
"""
from __future__ import annotations

import difflib
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = ROOT / "data" / "branches.yml"

# the kinds of outlet a name can end in; a customer mixes them up ("人民路分行" for 人民路支行)
SUFFIXES = ("营业网点", "营业部", "分理处", "储蓄所", "营业厅", "支行", "分行", "网点")
# how close a name must come to one branch to be worth asking "您说的是…吗？" (Directory.near_match)
NEAR_MATCH = 0.75
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
# spaces, punctuation and symbols of any width: "人民路 支行", "人民路·支行", "（人民路支行）"
_NOISE = re.compile(r"[\s\u3000\W_]+", re.UNICODE)


class DirectoryError(ValueError):
    """The directory file is malformed (a trainer's edit): the message says where, in Chinese."""


@dataclass(frozen=True)
class Branch:
    code: str
    name: str
    aliases: Tuple[str, ...] = ()
    short_name: bool = True


def _simplified(text: str) -> str:
    from .text import to_simplified  # opencc, loaded on first use

    return to_simplified(text)


def key(text: str) -> str:
    """The comparable form of a branch name: half-width, Simplified, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _simplified(text)
    return _NOISE.sub("", text).lower()


def split_suffix(k: str) -> Tuple[str, str]:
    """("人民路", "支行") for "人民路支行"; (k, "") when it has no outlet suffix."""
    for suffix in SUFFIXES:
        if k.endswith(suffix) and len(k) > len(suffix):
            return k[: -len(suffix)], suffix
    return k, ""


def _one_homophone_apart(said: str, name: str) -> bool:
    """Do two names differ by one character of the same sound ("朝杨路", "朝阳路")? Not "长青路"
    and "长江路": a different sound is a different street."""
    if len(said) != len(name) or len(said) < 2:
        return False
    apart = [(a, b) for a, b in zip(said, name) if a != b]
    if len(apart) != 1:
        return False
    from pypinyin import lazy_pinyin  # loaded on first use, like opencc

    return lazy_pinyin(apart[0][0]) == lazy_pinyin(apart[0][1])


class Directory:
    def __init__(self, branches: Sequence[Branch], places: Iterable[str] = ()) -> None:
        self.branches: Tuple[Branch, ...] = tuple(branches)
        self.by_code: Dict[str, Branch] = {}
        self._by_key: Dict[str, Branch] = {}
        self._by_stem: Dict[str, Set[str]] = {}
        for b in self.branches:
            if b.code in self.by_code:
                raise DirectoryError(f"网点编码 {b.code} 重复")
            self.by_code[b.code] = b
            for name in (b.name,) + b.aliases:
                k = key(name)
                if not k:
                    raise DirectoryError(f"网点 {b.code} 的名称为空")
                other = self._by_key.get(k)
                if other is not None and other.code != b.code:
                    raise DirectoryError(f"名称「{name}」同时属于 {other.code} 和 {b.code}")
                self._by_key[k] = b
                stem, _ = split_suffix(k)
                if b.short_name and len(stem) >= 2:
                    self._by_stem.setdefault(stem, set()).add(b.code)
        self.places: Tuple[str, ...] = tuple(sorted({key(p) for p in places if key(p)}, key=len, reverse=True))

    def __len__(self) -> int:
        return len(self.branches)

    def get(self, code: Optional[str]) -> Optional[Branch]:
        return self.by_code.get(code) if code else None

    def name_of(self, code: Optional[str]) -> Optional[str]:
        b = self.get(code)
        return b.name if b else None

    def _without_places(self, k: str) -> List[str]:
        """k, then k with each run of leading places taken off ("北京市人民路支行" → "人民路支行")."""
        found, frontier = [k], [k]
        while frontier:
            rest = frontier.pop()
            for place in self.places:
                if rest.startswith(place) and len(rest) > len(place):
                    tail = rest[len(place):]
                    # "北京分行人民路支行": the city's branch office before the branch itself
                    for t in (tail, tail[2:] if tail.startswith("分行") else None):
                        if t and t not in found:
                            found.append(t)
                            frontier.append(t)
        return found

    def _match(self, k: str) -> Set[str]:
        exact = self._by_key.get(k)
        if exact is not None:
            return {exact.code}
        stem, suffix = split_suffix(k)
        codes = self._by_stem.get(stem, set())
        if suffix:
            # the same place with its own suffix wins ("人民广场营业部" over "人民广场支行")
            same = {c for c in codes if split_suffix(key(self.by_code[c].name))[1] == suffix}
            if len(same) == 1:
                return same
        return set(codes)

    def resolve(self, text: Optional[str]) -> Optional[Branch]:
        """The one directory branch `text` names, or None (none, or more than one)."""
        if not text or len(text) > 200:
            return None
        k = key(text)
        if not k:
            return None
        exact = self._by_key.get(k)
        if exact is not None:
            return exact
        codes: Set[str] = set()
        for candidate in self._without_places(k):
            found = self._match(candidate)
            if found:
                codes |= found
                break  # the longest reading that fits wins; no second guess from a shorter one
        return self.by_code[codes.pop()] if len(codes) == 1 else None

    def code_of(self, text: Optional[str]) -> Optional[str]:
        b = self.resolve(text)
        return b.code if b else None

    def _closeness(self, text: str) -> Dict[str, float]:
        """code → how close `text` comes to that branch's name or an alias (0.5 … 1)."""
        k = key(text)
        stripped = self._without_places(k)[-1] if k else ""
        stem, _ = split_suffix(stripped)
        scored: Dict[str, float] = {}
        for b in self.branches:
            for name in (b.name,) + b.aliases:
                bstem, _ = split_suffix(key(name))
                # compare what tells branches apart: "人民" and "人民路", not their common "支行"
                score = difflib.SequenceMatcher(None, stem, bstem).ratio() if stem else 0.0
                if stem and len(stem) >= 2 and (stem in bstem or bstem in stem):
                    score = max(score, 0.8)
                if _one_homophone_apart(stem, bstem):
                    score = max(score, NEAR_MATCH)  # the pinyin keyboard's wrong pick: 朝杨路 for 朝阳路
                if score >= 0.5:
                    scored[b.code] = max(score, scored.get(b.code, 0.0))
        return scored

    def suggest(self, text: str, n: int = 5) -> List[Branch]:
        """Close matches for an unresolved name, best first (for error messages)."""
        scored = self._closeness(text)
        best = sorted(scored, key=lambda c: (-scored[c], self.by_code[c].name))
        return [self.by_code[c] for c in best[:n]]

    def near_match(self, text: Optional[str]) -> Optional[Branch]:
        """The one branch a name the directory does not hold most likely means ("朝阳支行" for
        朝阳路支行, "朝杨路支行" for 朝阳路支行), for the assistant to confirm with the customer;
        None when the name resolves, when nothing is close, or when two branches are as close
        ("人民支行": 人民路支行 or 人民广场营业部?), since a guess could be the wrong branch."""
        if not text or len(text) > 200 or self.resolve(text) is not None:
            return None
        scored = sorted(self._closeness(text).items(), key=lambda kv: -kv[1])
        if not scored or scored[0][1] < NEAR_MATCH:
            return None
        if len(scored) > 1 and scored[1][1] >= scored[0][1] - 0.05:
            return None
        return self.by_code[scored[0][0]]


def _text(value: object, where: str) -> str:
    if not isinstance(value, (str, int)) or not str(value).strip():
        raise DirectoryError(f"{where} 应为非空文字")
    return str(value).strip()


def parse(data: object) -> Directory:
    if not isinstance(data, dict) or not isinstance(data.get("branches"), list):
        raise DirectoryError("网点目录应包含 branches 列表")
    branches = []
    for i, item in enumerate(data["branches"], 1):
        where = f"第 {i} 个网点"
        if not isinstance(item, dict):
            raise DirectoryError(f"{where} 的格式不对，应写成 {{code: ..., name: ...}}")
        unknown = set(item) - {"code", "name", "aliases", "short_name"}
        if unknown:
            raise DirectoryError(f"{where} 有未知字段：{'、'.join(sorted(map(str, unknown)))}")
        code = _text(item.get("code"), f"{where} 的 code")
        if not CODE_RE.match(code):
            raise DirectoryError(f"{where} 的网点编码 {code} 只能由字母、数字、- 或 _ 组成（最多 16 位）")
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list):
            raise DirectoryError(f"{where} 的 aliases 应为列表")
        branches.append(
            Branch(
                code=code,
                name=_text(item.get("name"), f"{where} 的 name"),
                aliases=tuple(_text(a, f"{where} 的别名") for a in aliases),
                short_name=item.get("short_name", True) is not False,
            )
        )
    places = data.get("places") or []
    if not isinstance(places, list):
        raise DirectoryError("places 应为列表")
    return Directory(branches, [_text(p, "places 中的地名") for p in places])


def load(path: Path = DEFAULT_PATH) -> Directory:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DirectoryError(f"{path} 不是有效的 YAML：{exc}") from exc
    return parse(data)


@lru_cache(maxsize=4)
def _cached(path: str, mtime_ns: int) -> Directory:
    return load(Path(path))


def directory(path: Optional[Path] = None) -> Directory:
    """The directory (BRANCH_DIRECTORY overrides the file), read again when the file changes."""
    p = Path(path or os.environ.get("BRANCH_DIRECTORY") or DEFAULT_PATH)
    return _cached(str(p), p.stat().st_mtime_ns)


def resolve_code(text: Optional[str]) -> Optional[str]:
    """The directory code `text` names, or None (unresolved)."""
    return directory().code_of(text)


def label(code: Optional[str]) -> Optional[str]:
    """"BJ043 人民路支行" for history rows and pages; a code no longer in the directory as is."""
    if not code:
        return None
    name = directory().name_of(code)
    return f"{code} {name}" if name else code
