"""Log lines as JSON, each with the id of the request it belongs to (issue 17).

`LOG_FORMAT=json` (production) writes one JSON object per line: time, level, logger, message,
and `request_id` when the line was written while serving a request. The case desk takes the id
from the caller's `X-Request-Id` (the action server sends the intake's random id, so one
complaint's lines in both processes share it) or makes one, and returns it in the response's
`X-Request-Id`. The id is random, never a conversation id, a name or a phone number. What
every line says has passed `bot.redact` first (installed on every handler), so JSON changes the
shape of the lines, not what they may hold.

`LOG_FORMAT=text` (the default) keeps the readable lines of `make run`.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import datetime, timezone
from typing import Optional

REQUEST_ID: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("request_id", default=None)
# what a caller's id may look like: ours are uuid4 hex, an intake id, a proxy's request id
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{8,64}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")


def request_id(offered: Optional[str]) -> str:
    """The caller's id when it looks like one, else a new one: never a header's free text."""
    if offered and _SAFE_ID.match(offered):
        return offered
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or REQUEST_ID.get()
        if rid:
            line["request_id"] = rid
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def configure(fmt: str = "text", level: int = logging.INFO) -> None:
    """The root logger's one handler, in the format asked for."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}")
    # (a no-op where the root logger has handlers already: they keep theirs, and get JSON below)
    logging.basicConfig(level=level, format=TEXT_FORMAT)
    if fmt == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
