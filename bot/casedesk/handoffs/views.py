"""HTTP handlers of /api/handoffs: parse (schemas), act (handoffs), answer (schemas).

The action server opens handoffs here; services acting for an agent name them in `X-Actor`.
"""
from __future__ import annotations

from typing import Any, Dict

from aiohttp import web

from bot.casedesk.handoffs import callbacks, service as handoffs, reply_checks, waits
from bot.casedesk.cases import schemas
from bot.casedesk.appkeys import CIPHER_KEY, SETTINGS_KEY
from bot.casedesk.db import DB_KEY
from bot.casedesk.api.errors import NotFound
from bot.casedesk.api.middlewares import actor_of
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY
from bot.casedesk.api.json_io import json_response, read_json_body, request_now

# ids beyond this are not ours (and would overflow the INTEGER column on PostgreSQL)
MAX_ID = 2**31 - 1


def _handoff_id(request: web.Request) -> int:
    raw = request.match_info["handoff_id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        raise NotFound(f"未找到转人工会话 {raw[:32]}，请核对编号。", code="handoff_not_found")
    return int(raw)


async def open_handoff(request: web.Request) -> web.Response:
    """Opens (or, for a retry, finds) the handoff. A wait is quoted only when it may be
    (waits.callback_reason: inside service hours, at most the limit, over before closing);
    otherwise the handoff becomes a call-back and the answer says so instead of a wait."""
    settings = request.app[SETTINGS_KEY]
    db = request.app[DB_KEY]
    now = request_now(request)
    body = schemas.parse_new_handoff(await read_json_body(request), now)
    handoff, case, created = await handoffs.open_handoff(
        db, request.app[CIPHER_KEY], body, now,
        actor=actor_of(request), remote=request.remote,
    )
    position = await handoffs.queue_position(db, handoff)
    wait = handoffs.expected_wait_minutes(position, settings.minutes_per_handoff)
    callback = await callbacks.for_handoff(db, handoff.id)
    if callback is None and handoff.status == handoffs.WAITING:
        reason = waits.callback_reason(now, wait, handoff.reason, settings.callbacks)
        if reason is not None:
            callback = await callbacks.move_to_callback(
                db, handoff.id, reason, now, actor=actor_of(request), remote=request.remote
            )
    answer: Dict[str, Any] = {
        "id": handoff.id,
        "status": handoff.status,
        "case_no": case.case_no,
        "position": position,
        "expected_wait_minutes": wait,
        "created": created,
        "callback": None,
    }
    if callback is not None:
        # no wait is quoted at all: the customer hears when a person calls back instead
        answer.update(
            status=callback.handoff.status, position=0, expected_wait_minutes=None,
            callback=callbacks.offer_view(callback.callback, now, settings.callbacks),
        )
    return json_response(answer, status=201 if created else 200)


async def list_handoffs(request: web.Request) -> web.Response:
    query = schemas.parse_handoff_query(request.query)
    now = request_now(request)
    items = await handoffs.list_handoffs(
        request.app[DB_KEY], status=query.statuses or None, conversation_id=query.conversation_id
    )
    return json_response({"items": [schemas.handoff_summary(h, c, now) for h, c in items], "total": len(items)})


async def get_handoff(request: web.Request) -> web.Response:
    handoff, case, turns = await handoffs.read_handoff(
        request.app[DB_KEY], _handoff_id(request), actor_of(request), request.remote
    )
    out = schemas.handoff_summary(handoff, case, request_now(request))
    out["transcript"] = [schemas.turn_view(t) for t in turns]
    return json_response(out)


async def claim(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    handoff = await handoffs.claim(
        db, _handoff_id(request), actor_of(request), request_now(request), remote=request.remote
    )
    item = await handoffs.get_handoff(db, handoff.id)
    return json_response(schemas.handoff_summary(item.handoff, item.case, request_now(request)))


async def post_message(request: web.Request) -> web.Response:
    handoff_id = _handoff_id(request)
    message = schemas.parse_agent_message(await read_json_body(request))
    db, actor, now = request.app[DB_KEY], actor_of(request), request_now(request)
    if message.internal:
        turn = await handoffs.add_note(db, handoff_id, actor, message.text, now, remote=request.remote)
    else:
        # 质检 before sending (issue 15): a reply that does not pass is 422 reply_blocked, unsent
        turn, _ = await reply_checks.send_reply(
            db, request.app[RASA_KEY], handoff_id, actor, message.text, now,
            remote=request.remote, source="api",
        )
    return json_response(schemas.turn_view(turn), status=201)


async def _finish(request: web.Request, release: bool) -> web.Response:
    db = request.app[DB_KEY]
    action = handoffs.release if release else handoffs.close
    handoff = await action(
        db, request.app[RASA_KEY], _handoff_id(request), actor_of(request), request_now(request),
        remote=request.remote,
    )
    item = await handoffs.get_handoff(db, handoff.id)
    return json_response(schemas.handoff_summary(item.handoff, item.case, request_now(request)))


async def release(request: web.Request) -> web.Response:
    return await _finish(request, release=True)


async def close(request: web.Request) -> web.Response:
    return await _finish(request, release=False)
