"""The agent console at /console: sign-in, live handoff queue, handoff workspace, case list and
search with exports, case detail, the call-back queue (待回电), supervisor view (docs/console.md),
trainer pages (docs/trainer.md).

Mounted by one call, `setup(app)`, after the API's middlewares so that its own middleware runs
inside them and answers console errors as pages. It uses cookies, not the API's bearer token:
/console is outside /api, where the token is checked.
"""
from __future__ import annotations

from aiohttp import web

from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.console import callback_views, canned_views, case_list, events, lifecycle_views, mark_views, presence_views, reply_check_views, typing_views, views
from bot.casedesk.console.trainer import views as trainer_views
from bot.casedesk.console.auth import LoginThrottle
from bot.casedesk.console.middleware import add_security_headers, console_middleware
from bot.casedesk.console.render import setup_templates


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/console", views.home, name="console.home")
    r.add_get("/console/login", views.login_page, name="console.login_page")
    r.add_post("/console/login", views.login, name="console.login")
    r.add_post("/console/logout", views.logout, name="console.logout")
    r.add_get("/console/events", events.stream, name="console.events")
    r.add_get("/console/supervisor", views.supervisor_page, name="console.supervisor")

    r.add_get("/console/handoffs/{handoff_id}", views.handoff_page, name="console.handoff")
    r.add_post("/console/handoffs/{handoff_id}/claim", views.claim, name="console.claim")
    r.add_post("/console/handoffs/{handoff_id}/messages", views.reply, name="console.reply")
    r.add_post("/console/handoffs/{handoff_id}/notes", views.note, name="console.note")
    r.add_post("/console/handoffs/{handoff_id}/release", views.release, name="console.release")
    r.add_post("/console/handoffs/{handoff_id}/close", views.close, name="console.close")
    r.add_post("/console/handoffs/{handoff_id}/transfer", views.transfer, name="console.transfer")

    # --- the case list, its search and exports (issue 15): console/case_list.py ---
    case_list.setup_routes(app)
    r.add_get("/console/cases/{case_no}", views.case_page, name="console.case")
    r.add_post("/console/cases/{case_no}/status", views.case_status, name="console.case_status")
    r.add_post("/console/cases/{case_no}/branch", views.case_branch, name="console.case_branch")
    r.add_post("/console/cases/{case_no}/correct", views.case_correct, name="console.case_correct")
    # --- the case lifecycle (issue 14: decision, extensions, pauses, 核查; the first /extend form
    # too): console/lifecycle_views.py ---
    lifecycle_views.setup_routes(app)
    # console.css / console.js are served by the app's /static/ route (static/console/)

    # --- escalation marks (issue 13: 不必要 / 漏转, the quality page): console/mark_views.py ---
    mark_views.setup_routes(app)

    # --- the call-back queue (issue 15: 待回电): console/callback_views.py ---
    callback_views.setup_routes(app)

    # --- 质检 before sending (issue 15: release of a blocked reply, 回复质检): console/reply_check_views.py ---
    reply_check_views.setup_routes(app)
    # --- 快捷回复 (issue 15: canned replies supervisors manage): console/canned_views.py ---
    canned_views.setup_routes(app)
    # --- auto-assignment (issue 15: an agent's 在线 / 忙碌 / 离开): console/presence_views.py ---
    presence_views.setup_routes(app)
    # --- 正在输入… (issue 15: the customer sees the agent typing): console/typing_views.py ---
    typing_views.setup_routes(app)


def setup(app: web.Application) -> None:
    setup_templates(app)
    settings = app[SETTINGS_KEY]
    app[views.THROTTLE_KEY] = LoginThrottle(
        per_user=settings.login_failures_per_user, per_address=settings.login_failures_per_address
    )
    # behind TLS (production) the session cookie must never travel over plain HTTP
    app[views.COOKIE_SECURE_KEY] = app[SETTINGS_KEY].cookie_secure
    app[events.STREAMS_KEY] = set()
    app[events.SNAPSHOTS_KEY] = events.QueueSnapshots()
    setup_routes(app)
    trainer_views.setup(app)
    app.middlewares.append(console_middleware)
    app.on_response_prepare.append(add_security_headers)
    app.on_shutdown.append(events.stop_streams)
