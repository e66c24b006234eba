"""Sign-in, cookies, sessions, CSRF, roles and security headers of the console."""
from __future__ import annotations

import asyncio

import dataclasses
import hashlib
import re

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.casedesk.console.users import set_active
from bot.casedesk.app import init_app
from bot.casedesk.models import ConsoleSession, ConsoleUser

from .helpers import PASSWORD, Console


async def test_login_sets_a_strict_http_only_session_cookie(console: Console) -> None:
    await console.user("wang")
    resp = await console.login("wang")
    assert resp.status == 303 and resp.headers["Location"] == "/console"
    cookie = next(c for c in resp.headers.getall("Set-Cookie") if c.startswith("casedesk_console="))
    flags = [p.strip().lower() for p in cookie.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/console" in flags
    assert "secure" not in flags
    assert "max-age=28800" in flags  # 8 hours
    token = cookie.split(";")[0].split("=", 1)[1]
    async with console.db.reading() as s:
        stored = list((await s.execute(select(ConsoleSession.token_hash))).scalars())
    # only the token's hash is stored
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    status, page = await console.page("/console")
    assert status == 200 and "转人工队列" in page and "王明" in page


async def test_cookie_is_secure_when_configured(settings) -> None:
    app = init_app(dataclasses.replace(settings, cookie_secure=True))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        c = Console(client)
        await c.user("wang")
        page = await (await client.get("/console/login")).text()
        token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        # the jar keeps Secure cookies away from plain http, so the test hands it over itself
        resp = await client.post(
            "/console/login", data={"_csrf": token, "username": "wang", "password": PASSWORD},
            cookies={"casedesk_console_login": token}, allow_redirects=False,
        )
        assert resp.status == 303
        cookie = next(x for x in resp.headers.getall("Set-Cookie") if x.startswith("casedesk_console="))
        assert "secure" in [p.strip().lower() for p in cookie.split(";")]


async def test_bad_password_and_unknown_user_get_the_same_answer(console: Console) -> None:
    await console.user("wang")
    wrong = await console.login("wang", "not-the-password")
    unknown = await console.login("nobody", "not-the-password")
    assert wrong.status == unknown.status == 401
    assert "用户名或密码不正确" in await wrong.text()
    assert "用户名或密码不正确" in await unknown.text()
    for resp in (wrong, unknown):
        assert not any(c.startswith("casedesk_console=") for c in resp.headers.getall("Set-Cookie", []))
    status, _ = await console.page("/console")
    assert status == 303


async def test_repeated_failures_are_throttled(console: Console) -> None:
    await console.user("wang")
    for _ in range(5):
        assert (await console.login("wang", "wrong-password-1")).status == 401
    # even the right password waits now: guessing is slowed whatever the outcome
    resp = await console.login("wang")
    assert resp.status == 429 and "15 分钟" in await resp.text()


async def test_disabled_user_cannot_sign_in_and_is_signed_out(console: Console) -> None:
    await console.user("wang")
    await console.login("wang")
    await set_active(console.db, "wang", False)
    assert (await console.page("/console"))[0] == 303
    assert (await console.login("wang")).status == 401


async def test_session_expires_after_eight_hours(console: Console, clock) -> None:
    await console.user("wang")
    await console.login("wang")
    clock.advance(hours=7, minutes=59)
    assert (await console.page("/console"))[0] == 200
    clock.advance(minutes=2)
    status, _ = await console.page("/console")
    assert status == 303


async def test_logout_ends_the_session(console: Console) -> None:
    await console.user("wang")
    await console.login("wang")
    resp = await console.post("/console/logout")
    assert resp.status == 303 and resp.headers["Location"] == "/console/login"
    async with console.db.reading() as s:
        assert list((await s.execute(select(ConsoleSession))).scalars()) == []
    status, page = await console.page("/console")
    assert status == 303 and "/console/login" in page or status == 303


async def test_posts_without_the_csrf_token_are_refused(console: Console) -> None:
    await console.user("wang")
    await console.login("wang")
    h = await console.handoff()
    for token in (None, "forged-token"):
        resp = await console.post(f"/console/handoffs/{h['id']}/claim", csrf=token)
        assert resp.status == 403
        assert "刷新页面" in await resp.text()
    resp = await console.client.post(
        f"/console/handoffs/{h['id']}/messages", json={"text": "您好"},
        headers={"Accept": "application/json"},
    )
    assert resp.status == 403
    assert (await console.post("/console/logout", csrf=None)).status == 403
    # and with it, the claim goes through
    assert (await console.post(f"/console/handoffs/{h['id']}/claim")).status == 303


async def test_login_form_has_its_own_csrf_guard(console: Console) -> None:
    await console.user("wang")
    resp = await console.client.post(
        "/console/login", data={"username": "wang", "password": PASSWORD}, allow_redirects=False
    )
    assert resp.status == 403


async def test_next_only_redirects_inside_the_console(console: Console) -> None:
    await console.user("wang")
    page = await (await console.client.get("/console/login?next=//evil.example/x")).text()
    assert "evil.example" not in page
    status, _ = await console.page("/console/supervisor")
    assert status == 303


async def test_roles(console: Console) -> None:
    await console.user("agent1", "agent")
    await console.user("boss", "supervisor")
    await console.user("teach", "trainer")
    h = await console.handoff()

    await console.login("teach")
    status, page = await console.page("/console")
    assert status == 303
    status, page = await console.page("/console/trainer")
    assert status == 200 and "培训" in page
    for path in (f"/console/cases/{h['case_no']}", f"/console/handoffs/{h['id']}", "/console/supervisor", "/console/events"):
        assert (await console.page(path))[0] == 403, path
    assert (await console.post(f"/console/handoffs/{h['id']}/claim")).status == 403

    await console.login("agent1")
    assert (await console.page("/console/supervisor"))[0] == 403
    assert (await console.page(f"/console/handoffs/{h['id']}"))[0] == 200

    await console.login("boss")
    assert (await console.page("/console/supervisor"))[0] == 200
    assert (await console.page(f"/console/handoffs/{h['id']}"))[0] == 200
    assert (await console.page("/console"))[0] == 200


async def test_unauthenticated(console: Console) -> None:
    resp = await console.client.get("/console/supervisor", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/console/login?next=/console/supervisor")
    resp = await console.client.get("/console/events", headers={"Accept": "text/event-stream"})
    assert resp.status == 401
    assert (await console.post("/console/logout", csrf=None)).status == 401


async def test_security_headers_on_console_pages(console: Console) -> None:
    await console.user("wang")
    await console.login("wang")
    for path in ("/console/login", "/console", "/console/nope"):
        resp = await console.client.get(path, allow_redirects=False)
        h = resp.headers
        assert "script-src 'self'" in h["Content-Security-Policy"], path
        assert "unsafe-inline" not in h["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert h["X-Frame-Options"] == "DENY"
        assert h["Cache-Control"] == "no-store"
        assert h["X-Content-Type-Options"] == "nosniff"
    resp = await console.client.get("/console/nope")
    assert resp.status == 404 and resp.content_type == "text/html"
    # the API keeps its JSON errors
    resp = await console.client.get("/api/nope", headers={"Authorization": "Bearer x"})
    assert resp.content_type == "application/json"


async def test_password_is_stored_as_argon2(console: Console) -> None:
    await console.user("wang")
    async with console.db.reading() as s:
        user = (await s.execute(select(ConsoleUser))).scalar_one()
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


async def test_parallel_guesses_cannot_slip_past_the_limit(console: Console) -> None:
    # each guess is counted before its (slow) password check: 12 at once get at most 5 checks
    await console.user("wang")
    results = await asyncio.gather(*(console.login("wang", f"wrong-password-{i}") for i in range(12)))
    statuses = [r.status for r in results]
    assert statuses.count(401) <= 5 and statuses.count(429) >= 7, statuses


async def test_a_success_clears_the_users_count(console: Console) -> None:
    await console.user("wang")
    for _ in range(4):
        assert (await console.login("wang", "wrong-password-1")).status == 401
    assert (await console.login("wang")).status == 303
    assert (await console.login("wang", "wrong-password-1")).status == 401  # not yet blocked
