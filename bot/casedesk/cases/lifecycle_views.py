"""HTTP handlers of the case lifecycle (issue 14): parse (schemas' pydantic bodies), act
(lifecycle.py), answer with the case's whole lifecycle (schemas.lifecycle_view).

The API trusts its caller (the service token) and records `X-Actor` as who did each step; the
one role it checks is the approver named for an extension, because the rules tie 60 days to a
senior manager's approval: `approved_by` must be an active console account whose role may
approve that extension (domain.EXTENSION_APPROVERS).
"""
from __future__ import annotations

from aiohttp import web

from bot.casedesk.cases import lifecycle, schemas
from bot.casedesk.customer import notices
from bot.casedesk.db import DB_KEY, Database
from bot.casedesk.api.errors import BadRequest
from bot.casedesk.api.json_io import json_response, read_json_body, request_now
from bot.casedesk.api.middlewares import actor_of
from bot.casedesk.cases.views import _case_no


def _db(request: web.Request) -> Database:
    return request.app[DB_KEY]


async def _answer(request: web.Request, case_no: str, status: int = 200) -> web.Response:
    view = await lifecycle.read(_db(request), case_no)
    return json_response(schemas.lifecycle_view(view, request_now(request)), status=status)


async def get_lifecycle(request: web.Request) -> web.Response:
    return await _answer(request, _case_no(request))


async def record_decision(request: web.Request) -> web.Response:
    case_no = _case_no(request)
    body = schemas.parse_body(schemas.DecisionBody, await read_json_body(request))
    new = lifecycle.NewDecision(body.outcome, body.liability, body.amount_fen, body.reasons)
    await lifecycle.record_decision(_db(request), case_no, new, actor_of(request), None, request.remote)
    return await _answer(request, case_no, 201)


async def record_notified(request: web.Request) -> web.Response:
    case_no = _case_no(request)
    body = schemas.parse_body(schemas.NotifiedBody, await read_json_body(request))
    await lifecycle.record_notified(_db(request), case_no, body.via, body.note, actor_of(request), request.remote)
    return await _answer(request, case_no)


async def extend(request: web.Request) -> web.Response:
    case_no = _case_no(request)
    body = schemas.parse_body(schemas.ExtensionBody, await read_json_body(request))
    role = await lifecycle.console_role(_db(request), body.approved_by)
    if role is None:
        raise BadRequest(
            f"字段“审批人”（approved_by）不是在用的控制台账号：{body.approved_by[:64]}，请填写审批人的控制台用户名。",
            code="invalid_value",
        )
    await lifecycle.extend(
        _db(request), case_no, body.days, body.reason, body.approved_by, role, actor_of(request), request.remote
    )
    return await _answer(request, case_no, 201)


async def start_pause(request: web.Request) -> web.Response:
    case_no = _case_no(request)
    body = schemas.parse_body(schemas.PauseBody, await read_json_body(request))
    await lifecycle.start_pause(_db(request), case_no, body.reason, actor_of(request), request.remote)
    return await _answer(request, case_no, 201)


async def end_pause(request: web.Request) -> web.Response:
    case_no = _case_no(request)
    # an empty body is fine: the note is optional
    raw = await request.read()
    body = schemas.parse_body(schemas.ResumeBody, schemas.parse_json_object(raw) if raw.strip() else {})
    await lifecycle.end_pause(_db(request), case_no, body.note, actor_of(request), request.remote)
    return await _answer(request, case_no)


async def open_review(request: web.Request) -> web.Response:
    case_no = _case_no(request)
    body = schemas.parse_body(schemas.ReviewBody, await read_json_body(request))
    await lifecycle.open_review(_db(request), case_no, body.office, body.reason, actor_of(request), request.remote)
    return await _answer(request, case_no, 201)


async def case_notices(request: web.Request) -> web.Response:
    """Every notice the customer was sent of this case, oldest first, with how each route fared
    (the console's 告知客户记录 panel reads the same rows)."""
    case_no = _case_no(request)
    made = await notices.of_case(_db(request), case_no)
    if not made:
        await lifecycle.read(_db(request), case_no)  # 404 for a case that does not exist
    return json_response({"case_no": case_no, "items": [schemas.case_notice_view(n, ds) for n, ds in made]})


async def notice_events(request: web.Request) -> web.Response:
    """Steps a customer is to be told of, for a notice sender that keeps its own cursor."""
    query = schemas.parse_notice_query(request.query)
    items = await lifecycle.notice_events(_db(request), query["after"], query["limit"])
    return json_response(
        {
            "items": [schemas.notice_event_view(e) for e in items],
            "next_after": items[-1].id if items else query["after"],
        }
    )
