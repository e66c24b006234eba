"""Masks phone, ID and card numbers in free text: one rule set for logs, transcripts and lists.

Every process (Rasa, the action server, the case desk) installs ``RedactingFilter`` on its log
handlers, so a library's traceback that quotes a customer's message cannot leave a mobile,
ID or card number whole in a log file. The case desk masks stored transcripts and descriptions
with ``redact`` too, keeping the full text only encrypted.

What counts (mainland China):
- a mobile number: 11 digits starting with 1, also +86 / 0086 in front, and groups separated by
  spaces or dashes (138 1234 5678, even 1 3 8 1 2 …); full-width digits count as digits
  → 138****5678;
- a landline with its area code: 0571-8702 3456, (010)62345678 → 0571****3456;
- a resident ID number: 18 characters, the last may be X → first 6 and last 4 kept;
- a bank card number: 12 to 19 digits, also written in groups of four → last 4 kept.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

_D = r"[0-9０-９]"
_SEP = r"[ \-]?"
# a long digit run first (card or ID: 12-19 digits, an ID may end in X; or a phone written with
# a separator anywhere), so that a phone number is not found inside a card number; not after a
# letter (case numbers TS2026…) or "+" (+86 138…, a phone)
# A number stands on its own: not inside a word or an identifier (UUIDs such as
# 5db86c77-c17a-4202-9015-561779f1d7ec, conversation ids such as t-0123456789ab).
_BEFORE = r"(?<![0-9０-９A-Za-z])(?<![0-9A-Za-z][\-_.])"
_AFTER = r"(?![0-9０-９A-Za-z])(?![\-_.][0-9A-Za-z])"
_LONG = re.compile(rf"{_BEFORE}(?<![+＋])({_D}(?:{_SEP}{_D}){{10,18}}[XxＸｘ]?){_AFTER}")
_PHONE = re.compile(
    rf"{_BEFORE}((?:\+|＋)?(?:86|８６|0086|００８６)[ \-]?)?([1１]{_D}{_D}){_SEP}({_D}{_D}{_D}{_D}){_SEP}({_D}{_D}{_D}{_D}){_AFTER}"
)


_LANDLINE = re.compile(
    rf"{_BEFORE}[(（]?(0{_D}{{2,3}})[)）]?[ \-]?({_D}{{3,4}})[ \-]?({_D}{{4}}){_AFTER}"
)


def _mask_landline(match: "re.Match[str]") -> str:
    return f"{_digits(match.group(1))}****{_digits(match.group(3))}"


def _digits(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit() or ch in "Xx")


def _mask_long(match: "re.Match[str]") -> str:
    raw = match.group(1)
    digits = _digits(raw)
    for prefix in ("", "86", "0086"):  # a phone, in odd groups or with the country code
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix + "1"):
            return f"{digits[-11:-8]}****{digits[-4:]}"
    if digits.startswith("0") and len(digits) in (11, 12):  # a landline: 010/02x or a 4-digit area code
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}****{digits[-4:]}"
    if len(digits) == 18 and digits[:17].isdigit():
        return f"{digits[:6]}********{digits[-4:]}"  # resident ID: region kept, birth date hidden
    if len(digits) < 12:
        return raw
    return f"{'*' * (len(digits) - 4)}{digits[-4:]}"


def _mask_phone(match: "re.Match[str]") -> str:
    head = _digits(match.group(2))
    tail = _digits(match.group(4))
    return f"{head}****{tail}"


# JSON's \uXXXX escape of a CJK character (Rasa's structlog lines, tracker rows): it stands for
# one non-digit, but its own hex digits would join a number after it ("\u9898138…")
_ESCAPE = re.compile(r"(\\u[0-9a-fA-F]{4})")


def _redact_plain(text: str) -> str:
    text = _LONG.sub(_mask_long, text)
    text = _PHONE.sub(_mask_phone, text)
    return _LANDLINE.sub(_mask_landline, text)


def redact(text: Any) -> Any:
    """``text`` with every phone, ID and card number masked; other values are returned as they are."""
    if not isinstance(text, str) or not text:
        return text
    if "\\u" not in text:
        return _redact_plain(text)
    parts = _ESCAPE.split(text)  # escapes at odd positions, kept as they are
    return "".join(p if i % 2 else _redact_plain(p) for i, p in enumerate(parts))


def contains_pii(text: str) -> bool:
    """Whether ``text`` still holds a whole phone, ID or card number (scans and tests)."""
    return isinstance(text, str) and redact(text) != text


class RedactingFilter(logging.Filter):
    """On a handler: the record's message and any traceback leave the process masked.

    Formatting the traceback here (and caching it in ``exc_text``, which logging's formatters
    reuse) is what catches a message quoted inside an exception."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the library's bug, not a reason to drop it
            message = str(record.msg)
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Masks every log record of this process, whichever logger or handler it goes to.

    A record factory sees each record as it is made, so the loggers and handlers that
    libraries (Sanic, Rasa's structlog, aiohttp) configure later are covered too; the filter is
    also put on ``logger``'s handlers (the root logger's by default) for records made before."""
    global _installed
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()
    redacting = RedactingFilter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        redacting.filter(record)
        return record

    logging.setLogRecordFactory(factory)


_installed = False
