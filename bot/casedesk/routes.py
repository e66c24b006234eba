"""The case desk at a glance: every route it serves.

`/api/handoffs` (live agent queue): handlers in `handoff_views.py`, rules in `handoffs/service.py`.
`/api/progress/lookup|withdraw`, `/api/cases/{no}/rating` (what a customer asks of their case through
the assistant: a lookup, 撤诉, a rating): `progress_views.py`, rules in `progress.py`, `ratings.py`.
`/api/cases/{no}/decision|extensions|pause|review|lifecycle`, `/api/lifecycle/events` (the case
lifecycle): `lifecycle_views.py`, rules in `lifecycle.py` and `case_rules.py`.
`/api/callbacks` (the call-back queue, 待回电): `callback_views.py`, rules in `callbacks.py`, `waits.py`.
`/chat/notices` (the customer's notices of their case, 受理/延期/暂停/决定): `chat.py`, the outbox in
`notices.py` (docs/notices.md).
`/chat/typing` (the customer's 客服 王明 正在输入…): `chat.py`, rules in `agent_typing.py`.
`/survey/<link>` (the customer's 回访 page, linked from the survey notice): `survey_views.py`, rules in
`surveys.py`.
"""
from aiohttp import web

from bot.casedesk.handoffs import callback_views, views as handoff_views
from bot.casedesk.customer import chat, progress_views, survey_views
from bot.casedesk.api import health, metrics
from bot.casedesk.cases import lifecycle_views, views


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", health.healthz, name="healthz")  # each dependency (health.py)
    app.router.add_get("/metrics", metrics.metrics, name="metrics")  # Prometheus, counts only (metrics.py)

    # the customer's web chat page and its widget bundle (fetched by scripts/setup.sh)
    app.router.add_get("/chat", chat.chat_page, name="chat")
    app.router.add_static("/static/", chat.STATIC_DIR, name="static")
    # the customer's notices (受理, 延期, 暂停, 决定) for the chat page's own session (notices.py)
    app.router.add_post("/chat/notices", chat.notices, name="chat.notices")
    # whether the agent holding the chat page's conversation is typing (agent_typing.py)
    app.router.add_post("/chat/typing", chat.typing, name="chat.typing")
    # 回访: the survey page the survey notice links to (surveys.py)
    survey_views.setup_routes(app)
    app.router.add_get("/api/openapi.json", views.openapi, name="openapi")

    app.router.add_post("/api/cases", views.create_case, name="cases.create")
    app.router.add_get("/api/cases", views.list_cases, name="cases.list")
    app.router.add_get("/api/cases/{case_no}", views.get_case, name="cases.get")
    app.router.add_patch("/api/cases/{case_no}", views.patch_case, name="cases.patch")
    app.router.add_post("/api/cases/{case_no}/extend", views.extend_case, name="cases.extend")
    app.router.add_post(
        "/api/cases/{case_no}/transcript", views.append_transcript, name="cases.transcript"
    )

    # the lifecycle (issue 14): decision and its notice, extensions, pauses, 核查; a feed of the
    # steps a customer is to be told of (lifecycle_views.py, rules in lifecycle.py and case_rules.py)
    app.router.add_get("/api/cases/{case_no}/lifecycle", lifecycle_views.get_lifecycle, name="cases.lifecycle")
    app.router.add_post("/api/cases/{case_no}/decision", lifecycle_views.record_decision, name="cases.decision")
    app.router.add_post(
        "/api/cases/{case_no}/decision/notified", lifecycle_views.record_notified, name="cases.decision_notified"
    )
    app.router.add_post("/api/cases/{case_no}/extensions", lifecycle_views.extend, name="cases.extensions")
    app.router.add_post("/api/cases/{case_no}/pause", lifecycle_views.start_pause, name="cases.pause")
    app.router.add_post("/api/cases/{case_no}/pause/end", lifecycle_views.end_pause, name="cases.pause_end")
    app.router.add_post("/api/cases/{case_no}/review", lifecycle_views.open_review, name="cases.review")
    app.router.add_get("/api/cases/{case_no}/notices", lifecycle_views.case_notices, name="cases.notices")
    app.router.add_get("/api/lifecycle/events", lifecycle_views.notice_events, name="lifecycle.events")

    # a customer's progress lookup and withdrawal (撤诉) through the assistant (progress.py)
    app.router.add_post("/api/progress/lookup", progress_views.lookup, name="progress.lookup")
    app.router.add_post("/api/progress/withdraw", progress_views.withdraw, name="progress.withdraw")
    # the customer's rating of the intake, right after filing (ratings.py)
    app.router.add_post("/api/cases/{case_no}/rating", progress_views.rate, name="cases.rating")

    app.router.add_post("/api/handoffs", handoff_views.open_handoff, name="handoffs.open")
    app.router.add_get("/api/handoffs", handoff_views.list_handoffs, name="handoffs.list")
    app.router.add_get("/api/handoffs/{handoff_id}", handoff_views.get_handoff, name="handoffs.get")
    app.router.add_post(
        "/api/handoffs/{handoff_id}/claim", handoff_views.claim, name="handoffs.claim"
    )
    app.router.add_post(
        "/api/handoffs/{handoff_id}/messages", handoff_views.post_message, name="handoffs.messages"
    )
    app.router.add_post(
        "/api/handoffs/{handoff_id}/release", handoff_views.release, name="handoffs.release"
    )
    app.router.add_post("/api/handoffs/{handoff_id}/close", handoff_views.close, name="handoffs.close")

    # the call-back queue (issue 15): a wait the bot may not quote becomes a call-back
    app.router.add_get("/api/callbacks", callback_views.list_callbacks, name="callbacks.list")
    app.router.add_post(
        "/api/callbacks/{callback_id}/confirm", callback_views.confirm, name="callbacks.confirm"
    )
