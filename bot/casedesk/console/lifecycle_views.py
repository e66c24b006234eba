"""处理流程 on the case page (issue 14): the forms that record a decision and its notice,
extensions, pauses and 核查 (what the panel shows: lifecycle_panel.py).

Forms parse with the API's own pydantic bodies (schemas.py) and act through lifecycle.py, so the
console and the API keep one set of rules, history rows and audit rows. Who may do what:

- 记录处理决定, 记录已告知客户, 恢复计时: whoever works cases (agent, supervisor, senior manager);
- 延长办理期限 to 30 days, 暂停计时, 受理核查: a supervisor or a senior manager;
- 延长至 60 days: a senior manager only (domain.EXTENSION_APPROVERS), whose name and role the
  extension records as its approval.

A refused form answers with the case page again (400, 403 or 409), its Chinese message above the
form and what was typed; nothing changed. Handlers: parse → check who → act → redirect.
"""
from __future__ import annotations

from typing import Any, Dict

from aiohttp import web

from bot.casedesk.cases import lifecycle, schemas
from bot.casedesk.db import DB_KEY
from bot.casedesk.api.errors import ApiError, Forbidden
from bot.casedesk.console import views
from bot.casedesk.console.auth import Identity
from bot.casedesk.console.guards import require_case_worker
from bot.casedesk.console.lifecycle_panel import FORM_FIELDS, SUPERVISING


def setup_routes(app: web.Application) -> None:
    r = app.router
    # the first 延长办理期限 form's address (a reason, 30 days) goes to the extension form's handler
    r.add_post("/console/cases/{case_no}/extend", extend, name="console.case_extend")
    r.add_post("/console/cases/{case_no}/decision", record_decision, name="console.case_decision")
    r.add_post("/console/cases/{case_no}/notified", record_notified, name="console.case_notified")
    r.add_post("/console/cases/{case_no}/extensions", extend, name="console.case_extensions")
    r.add_post("/console/cases/{case_no}/pause", start_pause, name="console.case_pause")
    r.add_post("/console/cases/{case_no}/resume", end_pause, name="console.case_resume")
    r.add_post("/console/cases/{case_no}/review", open_review, name="console.case_review")


# ---------------------------------------------------------------------------------------------
# The forms


async def _act(request: web.Request, form_name: str, action: Any, done: Any) -> web.StreamResponse:
    """Runs one form: who, which case, the action; a refusal answers with the page again."""
    me = require_case_worker(request)
    case_no = await views._visible_case_no(request, me)
    form = await views.form_fields(request)
    typed = {k: (form.get(k) or "")[:2000] for k in FORM_FIELDS[form_name]}
    try:
        result = await action(me, case_no, form)
    except ApiError as exc:
        again = {"form": form_name, "error": exc.message, "typed": typed}
        return await views.render_case(request, me, case_no, lifecycle_again=again, status=exc.status)
    code = done(result) if callable(done) else done
    raise web.HTTPSeeOther(f"/console/cases/{case_no}?msg={code}#lifecycle")


def _supervising(me: Identity, what: str) -> None:
    if me.role not in SUPERVISING:
        raise Forbidden(f"{what}须由主管或高级管理人员办理。")


def _db(request: web.Request) -> Any:
    return request.app[DB_KEY]


async def record_decision(request: web.Request) -> web.StreamResponse:
    async def act(me: Identity, case_no: str, form: Dict[str, str]) -> None:
        # an empty field is a missing one (请选择…), not an invalid value
        body = schemas.parse_body(schemas.DecisionBody, {k: form.get(k) or None for k in FORM_FIELDS["decision"]})
        new = lifecycle.NewDecision(body.outcome, body.liability, body.amount_fen, body.reasons)
        await lifecycle.record_decision(_db(request), case_no, new, me.username, me.role, request.remote)

    return await _act(request, "decision", act, "decided")


async def record_notified(request: web.Request) -> web.StreamResponse:
    async def act(me: Identity, case_no: str, form: Dict[str, str]) -> None:
        body = schemas.parse_body(schemas.NotifiedBody, {k: form.get(k) or None for k in FORM_FIELDS["notified"]})
        await lifecycle.record_notified(_db(request), case_no, body.via, body.note, me.username, request.remote)

    return await _act(request, "notified", act, "notified")


async def extend(request: web.Request) -> web.StreamResponse:
    async def act(me: Identity, case_no: str, form: Dict[str, str]) -> int:
        # who first: an agent is refused whatever they typed
        _supervising(me, "延长办理期限")
        # the form's days (30 by default: the old 延长办理期限 form sent only a reason)
        body = schemas.parse_body(
            schemas.ExtensionBody,
            {"days": form.get("days") or "30", "reason": form.get("reason"), "approved_by": me.username},
        )
        await lifecycle.extend(
            _db(request), case_no, body.days, body.reason, me.username, me.role, me.username, request.remote
        )
        return body.days

    return await _act(request, "extension", act, lambda days: f"extended{days}")


async def start_pause(request: web.Request) -> web.StreamResponse:
    async def act(me: Identity, case_no: str, form: Dict[str, str]) -> None:
        _supervising(me, "暂停计时")
        body = schemas.parse_body(schemas.PauseBody, {"reason": form.get("reason")})
        await lifecycle.start_pause(_db(request), case_no, body.reason, me.username, request.remote)

    return await _act(request, "pause", act, "paused")


async def end_pause(request: web.Request) -> web.StreamResponse:
    async def act(me: Identity, case_no: str, form: Dict[str, str]) -> None:
        body = schemas.parse_body(schemas.ResumeBody, {"note": form.get("note") or None})
        await lifecycle.end_pause(_db(request), case_no, body.note, me.username, request.remote)

    return await _act(request, "resume", act, "resumed")


async def open_review(request: web.Request) -> web.StreamResponse:
    async def act(me: Identity, case_no: str, form: Dict[str, str]) -> None:
        _supervising(me, "受理核查")
        body = schemas.parse_body(schemas.ReviewBody, {"office": form.get("office"), "reason": form.get("reason")})
        await lifecycle.open_review(_db(request), case_no, body.office, body.reason, me.username, request.remote)

    return await _act(request, "review", act, "reviewed")
