"""HTTP handlers of what a customer asks of their case through the assistant: POST
/api/progress/lookup and /api/progress/withdraw (rules in progress.py: why the answers look
alike), and POST /api/cases/{no}/rating (ratings.py). Parse (schemas), act, answer.
"""
from __future__ import annotations

import math

from aiohttp import web

from bot.casedesk.customer import progress, ratings
from bot.casedesk.cases import schemas
from bot.casedesk.appkeys import CIPHER_KEY
from bot.casedesk.db import DB_KEY
from bot.casedesk.cases.case_rules import local_iso
from bot.casedesk.api.errors import NotFound
from bot.casedesk.api.json_io import json_response, read_json_body, request_now

# one message for every wrong try: an unknown number, wrong digits, a case without a phone
DENIED_MESSAGE = "案件编号或手机号后四位未能核对一致，请核对后重试。"
LOCKED_MESSAGE = "核对未通过的次数过多，查询已暂时锁定，请稍后再试。"
DECIDED_MESSAGE = "该投诉已有处理结果或已结案，不能再撤回。"


async def lookup(request: web.Request) -> web.Response:
    query = schemas.parse_progress_query(await read_json_body(request))
    outcome = await progress.lookup(
        request.app[DB_KEY], request.app[CIPHER_KEY], query.conversation_id, query.case_no,
        query.phone_last4, request.remote,
    )
    if outcome.result == "verified":
        return json_response(schemas.progress_view(outcome.progress))
    return _refused(request, outcome)


async def withdraw(request: web.Request) -> web.Response:
    query = schemas.parse_withdraw_query(await read_json_body(request))
    outcome = await progress.withdraw(
        request.app[DB_KEY], request.app[CIPHER_KEY], query.conversation_id, query.case_no,
        query.phone_last4, query.reason, request.remote,
    )
    if outcome.result == "withdrawn":
        return json_response({**schemas.progress_view(outcome.progress), "withdrawn": True})
    if outcome.result == "decided":
        view = schemas.progress_view(outcome.progress)
        return json_response(
            {"error": "already_decided", "message": DECIDED_MESSAGE, "case_no": view["case_no"],
             "status": view["status"], "status_label": view["status_label"]},
            status=409,
        )
    return _refused(request, outcome)


async def rate(request: web.Request) -> web.Response:
    body = schemas.parse_rating(await read_json_body(request))
    case = await ratings.rate(request.app[DB_KEY], request.match_info["case_no"].upper(), body.conversation_id,
                              body.score, request.remote)
    return json_response({"case_no": case.case_no, "rating": case.rating, "rated_at": local_iso(case.rated_at)})


def _refused(request: web.Request, outcome: progress.Outcome) -> web.Response:
    """The answers a lookup and a withdrawal share when the check does not pass."""
    if outcome.result == "no_case":
        raise NotFound("本会话中没有登记过投诉，请提供案件编号。", code="no_case_in_conversation")
    if outcome.result == "locked":
        until = outcome.locked_until
        assert until is not None
        seconds = max(1, math.ceil((until - request_now(request)).total_seconds()))
        response = json_response(
            {"error": "lookup_locked", "message": LOCKED_MESSAGE, "locked_until": local_iso(until),
             "retry_after_seconds": seconds},
            status=429,
        )
        response.headers["Retry-After"] = str(seconds)
        return response
    return json_response(
        {"error": "verification_failed", "message": DENIED_MESSAGE, "attempts_left": outcome.attempts_left},
        status=403,
    )
