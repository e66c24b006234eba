"""Templates (aiohttp-jinja2, autoescape on) and the small formatting helpers pages share."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Optional

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.casedesk.cases.case_rules import CHINA_TZ, local_iso
from bot.casedesk.console import labels
from bot.casedesk.console.auth import identity_of

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
# an app key of our own: the console's environment is not anyone else's default
JINJA_KEY = web.AppKey("casedesk_console_jinja2", jinja2.Environment)


def beijing(dt: Optional[datetime], fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Agents read Beijing time whatever the server's zone."""
    if dt is None:
        return "—"
    return dt.astimezone(CHINA_TZ).strftime(fmt)


def occurred(value: Optional[str]) -> str:
    """When it happened, in plain Chinese: "2026年11月28日", or for a customer who remembered
    only roughly (an ISO interval) "2026年11月1日至11月30日之间"."""
    if not value:
        return "—"

    def day(text: str) -> str:
        try:
            d = datetime.fromisoformat(text.strip())
        except ValueError:
            return text
        time = f" {d:%H:%M}" if "T" in text or " " in text.strip() else ""
        return f"{d.year}年{d.month}月{d.day}日{time}"

    if "/" in value:
        start, _, end = value.partition("/")
        return f"{day(start)}至{day(end)}之间"
    return day(value)


def setup_templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        app_key=JINJA_KEY,
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        # every value is escaped unless a template says otherwise, and none does for data
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        default_helpers=False,
    )
    env.globals["event_value"] = labels.event_value
    env.globals["severity_order"] = labels.severity_order
    env.globals["presence_labels"] = labels.PRESENCE_LABELS
    env.globals["presence_hints"] = labels.PRESENCE_HINTS
    env.filters.update(
        beijing=beijing,
        iso=local_iso,
        occurred=occurred,
        category=lambda c: labels.label(labels.CATEGORY_LABELS, c),
        business_line=lambda c: labels.label(labels.BUSINESS_LINE_LABELS, c),
        reason=lambda c: labels.label(labels.REASON_LABELS, c),
        channel=lambda c: labels.label(labels.CHANNEL_LABELS, c),
        handoff_status=lambda c: labels.label(labels.HANDOFF_STATUS_LABELS, c),
        role=lambda c: labels.label(labels.ROLE_LABELS, c),
        turn_role=lambda c: labels.label(labels.TURN_ROLE_LABELS, c),
        priority=lambda c: labels.label(labels.PRIORITY_LABELS, c),
        owner=lambda c: labels.label(labels.QUEUE_LABELS, c),
        event_kind=lambda c: labels.label(labels.EVENT_KIND_LABELS, c),
        event_field=lambda c: labels.EVENT_FIELD_LABELS.get(c, c) if c else "",
        case_status=labels.status_label,
    )


def render(
    request: web.Request, template: str, context: Dict[str, Any], status: int = 200
) -> web.Response:
    me = identity_of(request)
    base = {
        "me": me,
        "csrf": me.csrf_token if me else "",
        # where a header form (the presence switch) brings the user back to
        "request_path": request.path_qs,
        "notice": None,
        "notice_bad": request.query.get("msg") == "failed",
    }
    base.update(context)
    response = aiohttp_jinja2.render_template(template, request, base, app_key=JINJA_KEY, status=status)
    response.charset = "utf-8"
    return response


def wants_json(request: web.Request) -> bool:
    """fetch() calls from console.js ask for JSON; forms and links get pages."""
    return "application/json" in request.headers.get("Accept", "")


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))
