"""Console pages and form actions: parse → check who → act (service/db) → page or redirect.

Rules live in the handoff service (handoffs/service.py), the case desk (db.py, case_rules.py) and
bot/casedesk/cases/access.py; this module only wires them to forms. POSTs answer with a redirect (303) for forms
and with JSON for console.js's fetch() calls.
"""
from __future__ import annotations

import logging
import secrets
from typing import Any, Dict, List, Optional, Tuple

from aiohttp import web
from sqlalchemy import select

from bot.branches import directory

from bot.casedesk.handoffs import assignment, canned, escalation_marks, service as handoffs, reply_checks
from bot.casedesk import db
from bot.casedesk.cases import lifecycle, pii, schemas
from bot.casedesk.customer import notices, surveys
from bot.casedesk.appkeys import CIPHER_KEY, SETTINGS_KEY
from bot.casedesk.db import DB_KEY
from bot.casedesk.cases.case_rules import CASE_NO_RE, TRANSITIONS, Status
from bot.casedesk.api.errors import BadRequest, Conflict, NotFound
from bot.casedesk.handoffs.views import MAX_ID
from bot.casedesk.models import Case, CaseNotice, ConsoleUser, NoticeDelivery
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY
from bot.casedesk.console import case_edit, case_search, labels, lifecycle_panel, live, notices_panel, stats
from bot.casedesk.cases.access import can_see, hidden_branch
from bot.casedesk.console.auth import (
    CASE_ROLES,
    COOKIE_NAME,
    CSRF_FIELD,
    LOGIN_COOKIE_NAME,
    SESSION_LIFETIME,
    ConsoleRole,
    Identity,
    LoginThrottle,
    authenticate,
    clear_cookie,
    client_address,
    end_session,
    set_cookie,
    start_session,
    tokens_match,
)
from bot.casedesk.console.guards import require_case_worker, require_login, require_supervisor
from bot.casedesk.console.auth import identity_of
from bot.casedesk.console.render import json_response, render, wants_json

log = logging.getLogger(__name__)

THROTTLE_KEY = web.AppKey("casedesk_console_throttle", LoginThrottle)
COOKIE_SECURE_KEY = web.AppKey("casedesk_console_cookie_secure", bool)

LOGIN_FAILED = "用户名或密码不正确，请重新输入。"
LOGIN_THROTTLED = "登录失败次数过多，请 15 分钟后再试。"

# outcome of a form action, shown once on the next page; codes only, never user text
NOTICES: Dict[str, str] = {
    "claimed": "您已接入该会话，请及时回复客户。",
    "sent": "回复已发送给客户。",
    "failed": "发送失败：客户暂时收不到这条回复，请稍后重试。",
    "noted": "内部备注已保存（不会发送给客户）。",
    "released": "会话已交还机器人。",
    "closed": "会话已结束。",
    "transferred": "会话已转交，转交说明已记入对话记录。",
    "status": "案件状态已更新。",
    "extended": "办理期限已延长至 30 天。",
    "branch": "案件所涉网点已更新。",
    "corrected": "案件信息已更正，已记入处理历史和审计日志。",
    "unchanged": "更正后的内容与原来相同，未作更改。",
    "unnecessary": "已标记为不必要的转人工，培训师会据此改进转人工规则。",
    "missed": "已标记为漏转，培训师会据此改进转人工规则。",
    **lifecycle_panel.NOTICES,
    # 质检 before sending (issue 15): console/reply_check_views.py
    "reply_requested": "已申请主管放行：主管放行后这条回复会以您的名义发送给客户。",
    "reply_released": "已放行：这条回复已发送给客户，放行理由已记入审计日志。",
    "reply_rejected": "已决定不放行，坐席需修改后重新发送。",
}


def _now(request: web.Request):
    return request.app[SETTINGS_KEY].clock()


def _db(request: web.Request) -> db.Database:
    return request.app[DB_KEY]


def safe_next(raw: Optional[str]) -> Optional[str]:
    """Only our own console paths: an open redirect after login would be a phishing aid."""
    if not raw or not raw.startswith("/console") or "//" in raw or "\\" in raw:
        return None
    return raw


def _notice(request: web.Request) -> Optional[str]:
    return NOTICES.get(request.query.get("msg", ""))


async def form_fields(request: web.Request) -> Dict[str, str]:
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def handoff_id_param(request: web.Request) -> int:
    raw = request.match_info["handoff_id"]
    # ids above the integer column's range would be a database error on PostgreSQL
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        raise NotFound("未找到该转人工会话。")
    return int(raw)


def _case_no(request: web.Request) -> str:
    case_no = request.match_info["case_no"]
    if not CASE_NO_RE.match(case_no):
        raise NotFound("未找到该案件，请核对案件编号。")
    return case_no


# ---------------------------------------------------------------------------------------------
# Sign-in


def _login_page(request: web.Request, error: Optional[str], status: int = 200) -> web.Response:
    # the login form's own CSRF guard: the same random value in a cookie and in the form
    login_token = secrets.token_urlsafe(24)
    response = render(
        request,
        "console/login.html",
        {"error": error, "login_token": login_token, "next": safe_next(request.query.get("next")) or ""},
        status=status,
    )
    set_cookie(response, LOGIN_COOKIE_NAME, login_token, request.app[COOKIE_SECURE_KEY], 3600)
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    if identity_of(request) is not None:
        raise web.HTTPSeeOther("/console")
    return _login_page(request, None)


async def login(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    if not tokens_match(form.get(CSRF_FIELD), request.cookies.get(LOGIN_COOKIE_NAME)):
        return _login_page(request, "页面已过期，请重新输入用户名和密码。", status=403)
    username = form.get("username", "").strip()[:64]
    password = form.get("password", "")[:1024]
    throttle = request.app[THROTTLE_KEY]
    address = client_address(request, request.app[SETTINGS_KEY].trusted_proxies)
    if throttle.blocked(username, address):
        log.warning("console sign-in throttled address=%s", address)
        return _login_page(request, LOGIN_THROTTLED, status=429)
    # counted as a failure before the (slow) password check, so parallel guesses cannot slip
    # past the limit; a success takes its count back and clears the user's failures
    mark = throttle.attempt(username, address)
    user = await authenticate(_db(request), username, password) if username and password else None
    if user is None:
        # one message whether the name exists or not
        log.info("console sign-in failed")
        return _login_page(request, LOGIN_FAILED, status=401)
    throttle.succeeded(username, address, mark)
    token, _ = await start_session(_db(request), user, _now(request))
    home = "/console/trainer" if user.role == ConsoleRole.TRAINER.value else "/console"
    target = safe_next(form.get("next")) or home
    response = web.HTTPSeeOther(target)
    set_cookie(response, COOKIE_NAME, token, request.app[COOKIE_SECURE_KEY], int(SESSION_LIFETIME.total_seconds()))
    clear_cookie(response, LOGIN_COOKIE_NAME)
    log.info("console sign-in user=%s role=%s", user.username, user.role)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    me = identity_of(request)
    if me is not None and me.presence != assignment.AWAY:
        # signed out: no more customers for this agent until they say they are back
        await assignment.set_presence(_db(request), me.user_id, assignment.AWAY, _now(request))
    await end_session(_db(request), request.cookies.get(COOKIE_NAME))
    response = web.HTTPSeeOther("/console/login")
    clear_cookie(response, COOKIE_NAME)
    raise response


# ---------------------------------------------------------------------------------------------
# Pages


async def home(request: web.Request) -> web.StreamResponse:
    me = require_login(request)
    if me.role == ConsoleRole.TRAINER.value:
        raise web.HTTPSeeOther("/console/trainer")
    items = await live.queue(_db(request), hidden_branch(me))
    return render(
        request,
        "console/queue.html",
        {"queue": {"items": items, "now": live.server_now(_now(request))}, "notice": _notice(request),
         "team": await live.team(_db(request), _now(request))},
    )


async def handoff_page(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    return await render_handoff(request, me, handoff_id_param(request))


async def render_handoff(
    request: web.Request, me: Identity, handoff_id: int,
    blocked: Optional[Dict[str, Any]] = None, status: int = 200,
) -> web.Response:
    """The workspace; `blocked`: a reply the 质检 stopped (ReplyBlocked.answer plus the text
    typed), shown next to the reply box with the text kept."""
    found = await live.handoff_with_case(_db(request), handoff_id, hidden_branch(me))
    if found is None:
        raise NotFound("未找到该转人工会话，或您无权查看。")
    handoff, case = found
    turns = await live.turns(_db(request), case.id)
    # the workspace shows what the customer wrote: a read of the case like its detail page
    await db.record_audit(_db(request), _now(request), me.username, "handoff.view", case.case_no, request.remote)
    return render(
        request,
        "console/handoff.html",
        {
            "h": handoff,
            "c": case,
            "state": live.handoff_state(handoff, case, await live.display_name(_db(request), handoff.claimed_by)),
            "turns": turns,
            "last_turn_id": max([0] + [t["id"] for t in turns]),
            "next_statuses": sorted(TRANSITIONS[Status(case.status)], key=lambda s: list(Status).index(s)),
            "now_iso": live.server_now(_now(request)),
            "notice": _notice(request),
            "mine": handoff.claimed_by == me.username,
            "unnecessary_mark": await escalation_marks.unnecessary_mark(_db(request), handoff.id),
            # 质检 before sending (issue 15): a blocked reply, and those awaiting a supervisor
            "blocked": blocked,
            "open_checks": await reply_checks.open_for_handoff(_db(request), handoff.id),
            # 快捷回复 (issue 15), filled for this case: the agent may still edit before 发送
            "canned": [
                {"title": r.title, "text": canned.fill(r.text, case, request.app[CIPHER_KEY])}
                for r in await canned.all_replies(_db(request))
            ],
            # 转交 (issue 15): the colleagues it may go to
            "colleagues": await colleagues(_db(request), me, case),
        },
        status=status,
    )


async def case_page(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    case_no = _case_no(request)
    ref = await live.case_ref(_db(request), case_no)
    if ref is None or not can_see(hidden_branch(me), ref.confidential, ref.branch_code):
        if ref is not None:
            log.warning("console: hidden confidential case requested by user=%s", me.username)
        raise NotFound("未找到该案件，或您无权查看。")
    return await render_case(request, me, case_no)


async def _case_notices(request: web.Request, case_no: str) -> List[Tuple[CaseNotice, List[NoticeDelivery]]]:
    """The case's notices and their deliveries (告知客户记录). Steps taken since the outbox's last
    pass are made first, as the chat page does, so a step just taken shows at once; the panel is
    a view, so an outbox that cannot make them now leaves the page as it is."""
    outbox = request.app.get(notices.OUTBOX_KEY)
    if outbox is not None:
        try:
            await outbox.make()
        except Exception:
            log.exception("console: the notice outbox could not make notices for the case page")
    return await notices.of_case(_db(request), case_no)


async def render_case(
    request: web.Request, me: Identity, case_no: str,
    edit: Optional[Dict[str, Any]] = None, status: int = 200,
    lifecycle_again: Optional[Dict[str, Any]] = None,
) -> web.Response:
    """The case page of a case `me` may see (the caller checked); `edit` is the 更正案件信息
    form again after a refused correction (case_edit.py): its message and what was typed;
    `lifecycle_again` the same for a refused 处理流程 form (lifecycle_views.py)."""
    database = _db(request)
    # the one page with full name and phone: read through db.read_case, which audits the
    # read in the same transaction, with the console user as the actor
    case, turns, events = await db.read_case(database, case_no, me.username, request.remote)
    flow = await lifecycle.read(database, case_no)
    cipher = request.app[CIPHER_KEY]
    related = await handoffs.list_handoffs(
        database, conversation_id=case.conversation_id, hidden_branch=hidden_branch(me)
    )
    now = _now(request)
    names = await live.staff_names(database)
    history = await case_search.customer_history(database, case, hidden_branch(me), now)
    told = notices_panel.panel(
        await _case_notices(request, case_no), now, pii.case_names(cipher, case.customer_name_enc)
    )
    # 重复于 names another case: only when this user may see it (a confidential complaint about
    # their branch must not show up here either, not even as a number)
    repeat_ref = await live.case_ref(database, case.repeat_of) if case.repeat_of else None
    repeat_of = (
        repeat_ref.case_no
        if repeat_ref is not None and can_see(hidden_branch(me), repeat_ref.confidential, repeat_ref.branch_code)
        else None
    )
    return render(
        request,
        "console/case.html",
        {
            "c": case,
            "customer_name": cipher.decrypt(case.customer_name_enc),
            "phone": cipher.decrypt(case.phone_enc),
            "amount": schemas.format_amount(case.amount_fen),
            "sla": schemas.sla_view(case, now),
            # the full free text: this page's read is audited (db.read_case)
            "turns": [live.turn_row(t) | {"text": pii.reveal(cipher, t.text, t.text_enc)}
                      | ({"author": names[t.author]} if t.author in names else {}) for t in turns],
            "description": pii.reveal(cipher, case.description, case.description_enc),
            "demand": pii.reveal(cipher, case.demand, case.demand_enc),
            "events": events,
            "handoffs": [item.handoff for item in related],
            "history": history,
            "repeat_of": repeat_of,
            "next_statuses": sorted(TRANSITIONS[Status(case.status)], key=lambda s: list(Status).index(s)),
            "flow": lifecycle_panel.panel(me, flow, now, lifecycle_again, names),
            # who did what, by the names colleagues know them by (the history's 操作人)
            "staff_names": names,
            "told": told,
            "history_value": labels.history_value,
            "branch_entry": directory().get(case.branch_code),
            "can_resolve_branch": _may_resolve_branch(me, case.confidential),
            "directory": directory().branches,
            "notice": _notice(request),
            "missed": await escalation_marks.missed_turns(database, case.id),
            "mark_reasons": escalation_marks.REASONS,
            "edit": case_edit.form_view(me, case, edit),
            # 回访 after each decision (surveys.py), beside the in-chat rating
            "surveys": await surveys.of_case(database, case.id),
            "survey_after_days": request.app[SETTINGS_KEY].notices.survey_after_days,
        },
        status=status,
    )


async def supervisor_page(request: web.Request) -> web.StreamResponse:
    me = require_supervisor(request)
    database, branch, now = _db(request), hidden_branch(me), _now(request)
    items = await live.queue(database, branch)
    return render(
        request,
        "console/supervisor.html",
        {
            "waiting": [i for i in items if i["status"] == "waiting"],
            "active": [i for i in items if i["status"] == "active"],
            "overdue": await stats.overdue_cases(database, branch, now),
            "flagged": await stats.flagged_cases(database, branch, now),
            "unresolved_branch": await stats.unresolved_confidential(database, branch),
            "by_category": await stats.by_category(database, branch, now),
            "by_branch": await stats.by_branch(database, branch, now),
            "sla_daily": await stats.sla_daily(database, branch, now),
            "satisfaction": await stats.satisfaction(database, branch, now),
            # 质检 before sending (issue 15): replies waiting for a supervisor, blocks this week
            "reply_checks": await reply_checks.figures(database, branch, now, days=7),
            "now": now,
            "labels": labels,
        },
    )


# ---------------------------------------------------------------------------------------------
# Handoff actions


def _done(request: web.Request, handoff_id: int, code: str, data: Optional[Dict[str, Any]] = None) -> web.StreamResponse:
    if wants_json(request):
        return json_response({"ok": True, "notice": NOTICES.get(code, ""), **(data or {})})
    raise web.HTTPSeeOther(f"/console/handoffs/{handoff_id}?msg={code}")


async def claim(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    handoff_id = handoff_id_param(request)
    await handoffs.claim(
        _db(request), handoff_id, me.username, _now(request),
        hidden_branch=hidden_branch(me), remote=request.remote,
        bridge=request.app[RASA_KEY], agent_name=me.display_name,
    )
    return _done(request, handoff_id, "claimed")


async def _text(request: web.Request) -> str:
    if request.content_type == "application/json":
        body = schemas.parse_json_object(await request.read())
        value = body.get("text")
    else:
        value = (await form_fields(request)).get("text")
    return schemas.message_text(value)


async def reply(request: web.Request) -> web.StreamResponse:
    """发送: the reply passes the 质检 first (reply_checks.send_reply). A blocked one is not
    sent: 422 with the rules and words (JSON for console.js; the page again, with what was typed,
    without JS)."""
    me = require_case_worker(request)
    handoff_id = handoff_id_param(request)
    text = await _text(request)
    try:
        turn, _ = await reply_checks.send_reply(
            _db(request), request.app[RASA_KEY], handoff_id, me.username, text, _now(request),
            agent_name=me.display_name, hidden_branch=hidden_branch(me), remote=request.remote,
        )
    except reply_checks.ReplyBlocked as blocked:
        answer = blocked.answer(can_release=me.is_supervisor)
        if wants_json(request):
            return json_response(answer, status=422)
        return await render_handoff(request, me, handoff_id, blocked={**answer, "text": text}, status=422)
    code = "failed" if turn.delivery == handoffs.FAILED else "sent"
    # the author as the stream shows it: the display name, not the user name
    return _done(request, handoff_id, code, {"turn": live.turn_row(turn) | {"author": me.display_name}})


async def note(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    handoff_id = handoff_id_param(request)
    text = await _text(request)
    turn = await handoffs.add_note(
        _db(request), handoff_id, me.username, text, _now(request),
        hidden_branch=hidden_branch(me), remote=request.remote,
    )
    return _done(request, handoff_id, "noted", {"turn": live.turn_row(turn) | {"author": me.display_name}})


async def release(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    handoff_id = handoff_id_param(request)
    await handoffs.release(
        _db(request), request.app[RASA_KEY], handoff_id, me.username, _now(request),
        hidden_branch=hidden_branch(me), remote=request.remote,
    )
    return _done(request, handoff_id, "released")


# 转交 (issue 15; rules in handoffs.transfer): to a colleague, or back to the queue for whoever is free
TRANSFER_TO_QUEUE = "queue"


def _transfer_target(user: ConsoleUser) -> handoffs.TransferTarget:
    return handoffs.TransferTarget(user.username, user.display_name, hidden_branch(user))


async def colleagues(database: db.Database, me: Identity, case: Case) -> List[handoffs.TransferTarget]:
    """Who a handoff may go to: active case workers other than ``me``, without those a
    confidential case must stay hidden from."""
    async with database.reading() as s:
        users = (await s.execute(
            select(ConsoleUser).where(ConsoleUser.active.is_(True), ConsoleUser.role.in_(tuple(CASE_ROLES)),
                                      ConsoleUser.username != me.username)
            .order_by(ConsoleUser.display_name, ConsoleUser.username)
        )).scalars().all()
    return [_transfer_target(u) for u in users if can_see(hidden_branch(u), case.confidential, case.branch_code)]


async def transfer(request: web.Request) -> web.StreamResponse:
    """`to`: a colleague's user name or `queue`; `note`: what the next agent needs to know."""
    me = require_case_worker(request)
    handoff_id = handoff_id_param(request)
    form = await form_fields(request)
    to = (form.get("to") or "").strip()
    target = None
    if to != TRANSFER_TO_QUEUE:
        async with _db(request).reading() as s:
            user = (await s.execute(
                select(ConsoleUser).where(ConsoleUser.username == to, ConsoleUser.active.is_(True),
                                          ConsoleUser.role.in_(tuple(CASE_ROLES)))
            )).scalar_one_or_none() if to else None
        if user is None:
            raise BadRequest("请选择要转交的坐席，或选择“转回队列”。", code="invalid_value")
        target = _transfer_target(user)
    await handoffs.transfer(
        _db(request), request.app[RASA_KEY], handoff_id, me.username, target, form.get("note") or "",
        _now(request), hidden_branch=hidden_branch(me), remote=request.remote,
    )
    return _done(request, handoff_id, "transferred")


async def close(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    handoff_id = handoff_id_param(request)
    await handoffs.close(
        _db(request), request.app[RASA_KEY], handoff_id, me.username, _now(request),
        hidden_branch=hidden_branch(me), remote=request.remote,
    )
    return _done(request, handoff_id, "closed")


# ---------------------------------------------------------------------------------------------
# Case actions


async def _visible_case_no(request: web.Request, me) -> str:
    case_no = _case_no(request)
    ref = await live.case_ref(_db(request), case_no)
    if ref is None or not can_see(hidden_branch(me), ref.confidential, ref.branch_code):
        raise NotFound("未找到该案件，或您无权查看。")
    return case_no


def _back(form: Dict[str, str], case_no: str, code: str) -> web.HTTPSeeOther:
    target = safe_next(form.get("next")) or f"/console/cases/{case_no}"
    sep = "&" if "?" in target else "?"
    return web.HTTPSeeOther(f"{target}{sep}msg={code}")


async def case_status(request: web.Request) -> web.StreamResponse:
    """The case desk's status transitions (domain.TRANSITIONS), audited by db.patch_case."""
    me = require_case_worker(request)
    case_no = await _visible_case_no(request, me)
    form = await form_fields(request)
    try:
        status = Status(form.get("status", ""))
    except ValueError:
        raise BadRequest("请选择要变更的案件状态。")
    note_text = (form.get("note") or "").strip()[:2000] or None
    patch = schemas.CasePatch(status=status, note=note_text)
    await db.patch_case(
        _db(request), case_no, patch, request.app[CIPHER_KEY], me.username, request.remote
    )
    raise _back(form, case_no, "status")


def _may_resolve_branch(me, confidential: bool) -> bool:
    """Supervisors resolve a case's branch; a confidential case's only at head office, so that
    no branch can move a complaint about another branch into that branch's sight."""
    return me.is_supervisor and (not confidential or hidden_branch(me) is None)


async def case_branch(request: web.Request) -> web.StreamResponse:
    """A supervisor resolves the case's branch to a directory branch (or back to unresolved);
    db.patch_case records it in the case's history and the audit log."""
    me = require_supervisor(request)
    case_no = await _visible_case_no(request, me)
    ref = await live.case_ref(_db(request), case_no)
    if ref is None or not _may_resolve_branch(me, ref.confidential):
        raise web.HTTPForbidden()  # the console answers with its own 403 page
    form = await form_fields(request)
    code = (form.get("branch_code") or "").strip()
    if code and directory().get(code) is None:
        raise BadRequest("请从网点目录中选择网点。")
    note_text = (form.get("note") or "").strip()[:2000] or None
    patch = schemas.CasePatch(note=note_text, changes={"branch_code": code or None})
    await db.patch_case(
        _db(request), case_no, patch, request.app[CIPHER_KEY], me.username, request.remote
    )
    log.info("console: case branch resolved case_no=%s code=%s by=%s", case_no, code or "-", me.username)
    raise _back(form, case_no, "branch")



async def case_correct(request: web.Request) -> web.StreamResponse:
    """更正案件信息: one field the customer told the agent, with a reason (case_edit.py), through
    db.correct_case (the API's correction path: history, audit, encryption and hashes). A refused
    correction answers with the case page again, its message and what was typed; nothing changed."""
    me = require_case_worker(request)
    case_no = await _visible_case_no(request, me)
    ref = await live.case_ref(_db(request), case_no)
    form = await form_fields(request)
    typed = {k: (form.get(k) or "")[:6000] for k in ("field", "value", "reason")}
    allowed = case_edit.fields_for(me, bool(ref and ref.confidential))
    try:
        correction = case_edit.parse(form, allowed, _now(request))
        _, changed = await db.correct_case(
            _db(request), case_no, correction.field, correction.value, correction.reason,
            request.app[CIPHER_KEY], me.username, request.remote,
        )
    except case_edit.CorrectionError as exc:
        return await render_case(request, me, case_no, {**typed, "error": exc.message}, status=400)
    except Conflict as exc:
        return await render_case(request, me, case_no, {**typed, "error": exc.message}, status=409)
    log.info("console: case corrected case_no=%s field=%s changed=%s by=%s", case_no, correction.field, changed, me.username)
    raise web.HTTPSeeOther(f"/console/cases/{case_no}?msg={'corrected' if changed else 'unchanged'}#case-edit")
