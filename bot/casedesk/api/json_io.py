"""JSON in and out of the case desk's HTTP handlers (the case API and the handoff API share them)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict

from aiohttp import web

from bot.casedesk.cases import schemas
from bot.casedesk.appkeys import SETTINGS_KEY


def json_response(data: Any, status: int = 200) -> web.Response:
    # Chinese stays readable in the body (no \u escapes)
    return web.json_response(data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


async def read_json_body(request: web.Request) -> Dict[str, Any]:
    # read() enforces client_max_size and raises 413, which the error middleware renders
    return schemas.parse_json_object(await request.read())


def request_now(request: web.Request) -> datetime:
    """The app's clock (injectable in tests), not the wall clock."""
    return request.app[SETTINGS_KEY].clock()
