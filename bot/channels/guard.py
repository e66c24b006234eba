"""The input guard every channel passes a message through before Rasa sees it.

A stranger controls two things in a message: who it claims to be from and what it says. The
attack run found both could stop or slow the whole service:

- a sender id with a lone surrogate ("\\ud800") or a NUL byte could not be stored, and Rasa's
  SQL tracker store took the error for a missing schema and exited the process;
- NLU time grows with the square of a message's length (20,000 characters: 28.6 s), and every
  other customer waited behind it.

So each channel owns its conversation ids and checks them against a fixed alphabet
(``valid_sender``), every text is cleaned of characters that are never typed
(``clean_text``), and a message longer than ``MAX_MESSAGE_CHARS`` is answered with a polite
Chinese sentence instead of being processed (``too_long``). Up to that limit the whole message
reaches the tracker, and so the case's description and transcript; the NLU pipeline reads only
its first ``NLU_MAX_CHARS`` characters (bot/nlu/normalizer.py), which is where the intent is.

REST ids live under a prefix (``rest:``) that no other channel's ids can have: a REST caller
can never address a WeChat customer's (OpenID) or a web customer's (UUID) conversation.
"""
from __future__ import annotations

import logging
import os
import re
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage

from bot.rasa_failsafe import DEFAULT_TEXT

log = logging.getLogger(__name__)


def _int_env(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


# What the NLU pipeline reads of a message: a complaint's intent, its amount, date and phone are
# in its first sentences; the rest is the story, kept whole for the agent.
NLU_MAX_CHARS = _int_env("INPUT_NLU_MAX_CHARS", 500)
# The longest message taken at all: the case desk keeps 5,000 characters of a description.
MAX_MESSAGE_CHARS = _int_env("INPUT_MAX_CHARS", 5000)
# A sender id never needs more; Rasa's events table holds 255.
MAX_SENDER_CHARS = 64

REST_PREFIX = "rest:"
TOO_LONG_REPLY = (
    "您的消息太长了（超过{limit}字），我没能完整收到。"
    "请您分几次发送，或先用一两句话说明遇到的问题，我会一步步帮您记录。"
)

# a turn that failed inside Rasa (storage, a bug): the same words as a failed action
FAILURE_REPLY = DEFAULT_TEXT

# per channel, the ids its own clients use
_SENDER_RE = {
    # integrations choose their ids; the channel prefixes them (rest_sender_id)
    "rest": re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}"),
    # rasa-webchat's session ids: uuid4().hex from Rasa, or a dashed UUID
    "socketio": re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}"),
    # WeChat OpenIDs: letters, digits, '-' and '_' (28 characters today)
    "wechat": re.compile(r"[A-Za-z0-9_-]{6,64}"),
}

# never typed by a person: C0/C1 controls but tab and newline, lone surrogates, noncharacters
_UNTYPED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)


def valid_sender(channel: str, sender_id: Any) -> bool:
    """Whether ``sender_id`` is an id ``channel``'s own clients use (before any prefix)."""
    pattern = _SENDER_RE.get(channel)
    return (
        pattern is not None
        and isinstance(sender_id, str)
        and len(sender_id) <= MAX_SENDER_CHARS
        and pattern.fullmatch(sender_id) is not None
    )


def rest_sender_id(sender: str) -> str:
    """The conversation id of a REST sender: its own namespace."""
    return REST_PREFIX + sender


def clean_text(text: Any) -> str:
    """The message with characters nobody types removed; line ends made ``\\n``."""
    if not isinstance(text, str):
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNTYPED.sub("", text).strip()


def too_long(text: str) -> bool:
    return len(text) > MAX_MESSAGE_CHARS


def too_long_reply() -> str:
    return TOO_LONG_REPLY.format(limit=MAX_MESSAGE_CHARS)


def nlu_text(text: str) -> str:
    """What the NLU pipeline reads of a message: its first ``NLU_MAX_CHARS`` characters."""
    if len(text) <= NLU_MAX_CHARS:
        return text
    return text[:NLU_MAX_CHARS]


def clean_metadata(metadata: Any) -> Optional[Dict[str, Any]]:
    """A client's metadata, if it is an object; our own keys are never taken from a client."""
    if not isinstance(metadata, dict):
        return None
    return {k: v for k, v in metadata.items() if isinstance(k, str) and not k.startswith("bank_")}


async def guarded(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    channel: str,
    check_sender: bool = True,
) -> bool:
    """Passes ``message`` on when its sender and text pass the guard; returns whether it did.

    A message over the length limit is answered on its own channel and goes no further; a turn
    that fails is answered with ``FAILURE_REPLY`` instead of silence."""
    if check_sender and not valid_sender(channel, message.sender_id):
        log.warning("%s: message from an invalid sender id refused", channel)
        return False
    text = clean_text(message.text)
    if too_long(text):
        log.info("%s: message of %d characters refused (limit %d)", channel, len(text), MAX_MESSAGE_CHARS)
        await message.output_channel.send_text_message(message.sender_id, too_long_reply())
        return False
    message.text = text
    message.metadata = clean_metadata(message.metadata)
    try:
        await on_new_message(message)
    except Exception:
        # the message is not quoted: it may carry a phone number
        log.exception("%s: a turn failed", channel)
        await message.output_channel.send_text_message(message.sender_id, FAILURE_REPLY)
    return True
