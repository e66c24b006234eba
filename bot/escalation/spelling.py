"""Spellings that hide a cue, read plainly before any escalation rule or the learned model looks.

Customers who expect a filter space a word out (报 警, 人 工 客 服), put a mark between its
characters (微/博/已/经/写/好/了, 媒.体, 跳-楼), or type a platform by its sound (斗音 for 抖音,
微脖 for 微博). The rules are written for the plain word; this is the one place that undoes the
disguise, so no rule file has to list every way of breaking a word up. Only the detector reads
this form: what is stored and shown stays the customer's own words.
"""
from __future__ import annotations

import re

# Spaces and marks between Chinese characters (报 警, 媒.体, 跳-楼, 微/博). Not 、 or , (a list).
_GAP = re.compile(r"[\s.\-_*·•~^+|/\\]+")
# marks nobody writes between two Chinese words: always a word broken up (报*警, 媒_体); a hyphen
# also joins two places (北京-上海), so it closes only beside a single character (跳-楼)
_FILLER = re.compile(r"[_*·•~^+|\\]")
# a message with punctuation uses punctuation, not spaces, to end its clauses
_PUNCTUATED = re.compile(r"[,.!?;:。、]")
# a Chinese character's run up to a gap, and from one
_RUN_BEFORE = re.compile(r"[\u4e00-\u9fff]+$")
_RUN_AFTER = re.compile(r"^[\u4e00-\u9fff]+")


def _joined(text: str) -> str:
    """Gaps between Chinese characters closed where they break a word up (报 警, 人 工 客 服,
    媒.体曝光, 已经报 警了). A gap stays where it may end a clause: voice input and elderly customers
    type no punctuation and let a space end a clause (我不会投诉 你们再不处理…), and a negation's scope
    must not run on into the next one; there only a gap beside a single character closes. A
    ``.``, ``-`` or ``/`` between two words (存款/理财, 北京-上海, 到了.你们) stays too."""
    punctuated = bool(_PUNCTUATED.search(_GAP.sub(" ", text)))
    out = []
    pos = 0
    for gap in _GAP.finditer(text):
        before = _RUN_BEFORE.search(text, 0, gap.start())
        after = _RUN_AFTER.match(text[gap.end():])
        out.append(text[pos:gap.start()])
        mark = gap.group().strip()
        broken = before and after and (
            len(before.group()) == 1 or len(after.group()) == 1
            or (not mark and punctuated) or bool(mark and _FILLER.fullmatch(mark[0])))
        if not broken:
            out.append(gap.group())
        pos = gap.end()
    out.append(text[pos:])
    return "".join(out)


# Platforms typed by their sound, where the sound has no other meaning a customer would write
# (not 小红薯, a sweet potato, or 围脖, a scarf: media.yml reads those only beside 挂/发/曝).
_PLATFORM_SOUNDS = (
    (re.compile(r"斗音|抖阴|逗音|dou音"), "抖音"),
    (re.compile(r"微脖|威博"), "微博"),
)


def plain_spelling(text: str) -> str:
    """``text`` (already normalised: Simplified, half-width, lower case) with the disguises undone."""
    text = _joined(text)
    for rx, plain in _PLATFORM_SOUNDS:
        text = rx.sub(plain, text)
    return text
