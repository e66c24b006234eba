"""The case desk at a glance: every route it serves.

`/api/handoffs` (live agent queue): handlers in `handoff_views.py`, rules in `handoffs.py`.
`/api/progress/lookup` (a customer's progress lookup): `progress_views.py`, rules in `progress.py`.
"""
from aiohttp import web

from . import chat, handoff_views, progress_views, views


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", views.healthz, name="healthz")

    # the customer's web chat page and its widget bundle (fetched by scripts/setup.sh)
    app.router.add_get("/chat", chat.chat_page, name="chat")
    app.router.add_static("/static/", chat.STATIC_DIR, name="static")
    app.router.add_get("/api/openapi.json", views.openapi, name="openapi")

    app.router.add_post("/api/cases", views.create_case, name="cases.create")
    app.router.add_get("/api/cases", views.list_cases, name="cases.list")
    app.router.add_get("/api/cases/{case_no}", views.get_case, name="cases.get")
    app.router.add_patch("/api/cases/{case_no}", views.patch_case, name="cases.patch")
    app.router.add_post("/api/cases/{case_no}/extend", views.extend_case, name="cases.extend")
    app.router.add_post(
        "/api/cases/{case_no}/transcript", views.append_transcript, name="cases.transcript"
    )

    # a customer's progress lookup through the assistant (progress.py)
    app.router.add_post("/api/progress/lookup", progress_views.lookup, name="progress.lookup")

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
