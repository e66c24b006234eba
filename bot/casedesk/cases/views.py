"""HTTP handlers: parse (schemas), act (db), answer (schemas). No rules live here."""
from __future__ import annotations

from aiohttp import web

from bot.casedesk import db
from bot.casedesk.cases import lifecycle, schemas
from bot.casedesk.appkeys import CIPHER_KEY
from bot.casedesk.db import DB_KEY
from bot.casedesk.cases.case_rules import CASE_NO_RE
from bot.casedesk.api.errors import NotFound
from bot.casedesk.api.json_io import json_response, read_json_body, request_now
from bot.casedesk.api.middlewares import actor_of
from bot.casedesk.api.openapi import build_openapi


def _db(request: web.Request) -> db.Database:
    return request.app[DB_KEY]


def _case_no(request: web.Request) -> str:
    case_no = request.match_info["case_no"]
    if not CASE_NO_RE.match(case_no):
        raise NotFound(f"未找到案件 {case_no[:32]}，请核对案件编号。")
    return case_no


async def openapi(request: web.Request) -> web.Response:
    return json_response(build_openapi())


async def create_case(request: web.Request) -> web.Response:
    new = schemas.parse_new_case(await read_json_body(request), request_now(request))
    case, created = await db.create_case(
        _db(request), new, request.app[CIPHER_KEY], actor_of(request), request.remote
    )
    return json_response(schemas.case_summary(case, request_now(request)), status=201 if created else 200)


async def list_cases(request: web.Request) -> web.Response:
    query = schemas.parse_list_query(request.query)
    now = request_now(request)
    items, total = await db.list_cases(_db(request), query, now)
    return json_response(
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
    return json_response(
        schemas.case_detail(case, turns, events, request.app[CIPHER_KEY], request_now(request))
    )


async def patch_case(request: web.Request) -> web.Response:
    case_no = _case_no(request)
    patch = schemas.parse_patch(await read_json_body(request), request_now(request))
    case = await db.patch_case(
        _db(request), case_no, patch, request.app[CIPHER_KEY], actor_of(request), request.remote
    )
    return json_response(schemas.case_summary(case, request_now(request)))


async def extend_case(request: web.Request) -> web.Response:
    """The first API of extensions, kept for its clients: 15 → 30 days, the caller (a trusted
    service) recorded as approver. POST /api/cases/{no}/extensions names the approver and goes
    on to 60 days (lifecycle_views.py)."""
    case_no = _case_no(request)
    reason = schemas.parse_extension(await read_json_body(request))
    actor = actor_of(request)
    case, _ = await lifecycle.extend(
        _db(request), case_no, 30, reason, actor, None, actor, request.remote, check_role=False
    )
    return json_response(schemas.case_summary(case, request_now(request)))


async def append_transcript(request: web.Request) -> web.Response:
    case_no = _case_no(request)
    turns = schemas.parse_turns(await read_json_body(request))
    appended, total = await db.append_turns(
        _db(request), case_no, turns, actor_of(request), request.remote
    )
    return json_response({"case_no": case_no, "appended": appended, "total": total}, status=201)
