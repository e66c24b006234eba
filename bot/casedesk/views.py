"""HTTP handlers: parse (schemas), act (db), answer (schemas). No rules live here."""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import Any, Dict

from aiohttp import web

from . import db, schemas
from .appkeys import CIPHER_KEY, SETTINGS_KEY
from .db import DB_KEY
from .domain import CASE_NO_RE
from .errors import NotFound
from .middlewares import actor_of
from .openapi import build_openapi

log = logging.getLogger(__name__)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False)
    )


def _db(request: web.Request) -> db.Database:
    return request.app[DB_KEY]


def _now(request: web.Request) -> datetime:
    return request.app[SETTINGS_KEY].clock()


def _case_no(request: web.Request) -> str:
    case_no = request.match_info["case_no"]
    if not CASE_NO_RE.match(case_no):
        raise NotFound(f"未找到案件 {case_no[:32]}，请核对案件编号。")
    return case_no


async def _body(request: web.Request) -> Dict[str, Any]:
    # read() enforces client_max_size and raises 413, which the error middleware renders
    return schemas.parse_json_object(await request.read())


async def healthz(request: web.Request) -> web.Response:
    database = _db(request)
    try:
        await asyncio.wait_for(db.ping(database), timeout=5)
    except Exception as exc:  # health must answer, whatever the database does
        log.warning("health check: database unreachable (%s)", type(exc).__name__)
        return _json({"status": "unavailable", "db": database.dialect}, status=503)
    return _json({"status": "ok", "db": database.dialect})


async def openapi(request: web.Request) -> web.Response:
    return _json(build_openapi())


async def create_case(request: web.Request) -> web.Response:
    new = schemas.parse_new_case(await _body(request), _now(request))
    case, created = await db.create_case(
        _db(request), new, request.app[CIPHER_KEY], actor_of(request), request.remote
    )
    return _json(schemas.case_summary(case, _now(request)), status=201 if created else 200)


async def list_cases(request: web.Request) -> web.Response:
    query = schemas.parse_list_query(request.query)
    now = _now(request)
    items, total = await db.list_cases(_db(request), query, now)
    return _json(
        {
            "items": [schemas.case_summary(c, now) for c in items],
            "total": total,
            "limit": query.limit,
            "offset": query.offset,
        }
    )


async def get_case(request: web.Request) -> web.Response:
    case, turns, events = await db.read_case(
        _db(request), _case_no(request), actor_of(request), request.remote
    )
    return _json(
        schemas.case_detail(case, turns, events, request.app[CIPHER_KEY], _now(request))
    )


async def patch_case(request: web.Request) -> web.Response:
    case_no = _case_no(request)
    patch = schemas.parse_patch(await _body(request), _now(request))
    case = await db.patch_case(
        _db(request), case_no, patch, request.app[CIPHER_KEY], actor_of(request), request.remote
    )
    return _json(schemas.case_summary(case, _now(request)))


async def extend_case(request: web.Request) -> web.Response:
    case_no = _case_no(request)
    reason = schemas.parse_extension(await _body(request))
    case = await db.extend_case(_db(request), case_no, reason, actor_of(request), request.remote)
    return _json(schemas.case_summary(case, _now(request)))


async def append_transcript(request: web.Request) -> web.Response:
    case_no = _case_no(request)
    turns = schemas.parse_turns(await _body(request))
    appended, total = await db.append_turns(
        _db(request), case_no, turns, actor_of(request), request.remote
    )
    return _json({"case_no": case_no, "appended": appended, "total": total}, status=201)
