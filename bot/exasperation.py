"""Exasperation said on its own: "服了你们了，真的服了", "无语了，你们可真行".

DIET learns 算了 and 不投诉了 as `cancel`, and reads a message of bare exasperation the same way:
the customer who opens with "服了你们了" was told "好的。之后如果还需要帮助，随时找我" and never
heard from again (issue 12, blind set 06m). Exasperation with nothing given up is how a complaint
starts, not how it is dropped. Used by bot/nlu/intent_words.py, before the action server sees the
intent; a cancel in words ("算了，不投诉了", "服了，不弄了") stays a cancel. And bot/nlu/escalation.py:
an `escalate` the detector does not confirm falls back to DIET's runner-up, but to `cancel` only
when the words give something up — DIET's escalate examples are all complaints.
"""
from __future__ import annotations

import re

# what a customer says when fed up, without saying what happened
_EXASPERATED = re.compile(
    r"服了|无语|醉了|绝了|佩服|(?:真|可真|真是)(?:行|可以|有你们的|厉害|够呛|牛)|呵呵|6{3,}|受不了|"
    r"气死|烦死|搞什么|什么玩意|搞咩|顶唔顺|冇眼睇|离谱|没话说|没法说|说不出话"
)
# a complaint given up in words, in any of the ways the intake form knows (actions/intake_form.py
# _CANCELS_COMPLAINT, _DROPS_THE_COMPLAINT) and a few shorter ones
_GIVES_UP = re.compile(
    r"算了|算啦|罢了|拉倒|作罢|免了|不(?:想|要|用|必|需要)?(?:再)?(?:投诉|申诉|反映|登记|提交|告|弄|搞|办|说|投)了?|"
    r"别(?:投诉|登记|弄|折腾)|取消|撤|不用了|不要了|没事了|不需要了|没必要|不麻烦|不折腾|唔(?:使|洗|要|想)|冇事|"
    r"(?i:cancel|forget it|never ?mind|nvm)"
)


def gives_up(text: str) -> bool:
    """A complaint given up in words ("算了", "不投诉了", "取消")."""
    return bool(_GIVES_UP.search(text or ""))


def exasperated_only(text: str) -> bool:
    """Fed up, and nothing given up: a complaint's opening, not a cancel."""
    text = text or ""
    return bool(_EXASPERATED.search(text)) and not _GIVES_UP.search(text)
