"""The sign-in throttle counts failures only, per user and per client address, and trusts
X-Forwarded-For only from configured proxies (issue 18, item 5). Over real HTTP, both backends."""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, Optional

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.casedesk.app import init_app
from bot.casedesk.settings import Settings

from .helpers import PASSWORD, Console

_FORM_TOKEN = re.compile(r'name="_csrf" value="([^"]+)"')


async def sign_in(console: Console, username: str, password: str = PASSWORD, xff: Optional[str] = None) -> int:
    console.client.session.cookie_jar.clear()
    headers: Dict[str, str] = {"X-Forwarded-For": xff} if xff else {}
    page = await (await console.client.get("/console/login", headers=headers)).text()
    token = _FORM_TOKEN.search(page).group(1)  # type: ignore[union-attr]
    resp = await console.client.post(
        "/console/login", data={"_csrf": token, "username": username, "password": password},
        headers=headers, allow_redirects=False,
    )
    if resp.status == 429:
        assert "登录失败次数过多，请 15 分钟后再试" in await resp.text()
    return resp.status


@pytest.fixture
async def behind_proxy(settings: Settings) -> Any:
    """The desk behind a reverse proxy on 127.0.0.1 (the test client's address)."""
    app = init_app(dataclasses.replace(settings, trusted_proxies=("127.0.0.1", "10.9.0.0/16")))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Console(client)


async def test_thirty_correct_sign_ins_from_one_address_all_succeed(console: Console) -> None:
    # a shift behind one office NAT: every agent signs in from the same address, some twice
    for i in range(6):
        await console.user(f"agent{i}")
    statuses = [await sign_in(console, f"agent{i % 6}") for i in range(30)]
    assert statuses == [303] * 30


async def test_failures_lock_the_user_but_not_the_others_behind_the_same_address(console: Console) -> None:
    await console.user("wang")
    await console.user("li")
    for _ in range(5):
        assert await sign_in(console, "wang", "wrong-password-1") == 401
    assert await sign_in(console, "wang") == 429  # even with the right password, for 15 minutes
    assert await sign_in(console, "li") == 303  # a colleague at the next desk is not affected


async def test_failures_lock_the_address(console: Console) -> None:
    await console.user("wang")
    # 20 failures spread over many names (none reaches the per-user limit)...
    for i in range(20):
        assert await sign_in(console, f"guess{i}", "wrong-password-1") == 401
    # ...lock the address: even a correct sign-in from it waits
    assert await sign_in(console, "wang") == 429


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(console: Console) -> None:
    # no trusted proxies (the default): a client cannot dodge the address limit by inventing
    # a new X-Forwarded-For for every guess
    await console.user("wang")
    for i in range(20):
        assert await sign_in(console, f"guess{i}", "wrong-password-1", xff=f"198.51.100.{i}") == 401
    assert await sign_in(console, "wang", xff="198.51.100.200") == 429


async def test_forwarded_for_from_a_trusted_proxy_names_the_client(behind_proxy: Console) -> None:
    console = behind_proxy
    await console.user("wang")
    for i in range(20):
        assert await sign_in(console, f"guess{i}", "wrong-password-1", xff="203.0.113.7") == 401
    # that client is locked out...
    assert await sign_in(console, "wang", xff="203.0.113.7") == 429
    # ...everyone else behind the proxy is not
    assert await sign_in(console, "wang", xff="203.0.113.8") == 303
    # the nearest untrusted hop counts: a value the client wrote itself before it is ignored,
    # and our own proxies in the chain are skipped
    assert await sign_in(console, "wang", xff="1.2.3.4, 203.0.113.7") == 429
    assert await sign_in(console, "wang", xff="203.0.113.7, 10.9.1.1") == 429
    assert await sign_in(console, "wang", xff="203.0.113.7, 203.0.113.9") == 303
    # a malformed header from the proxy: the proxy's own address is used
    assert await sign_in(console, "wang", xff="not-an-ip") == 303


def test_trusted_proxies_and_limits_come_from_the_environment(tmp_path) -> None:
    from bot.casedesk.settings import load_settings

    base = {"CASEDESK_TOKEN": "tok-from-env-123", "CASEDESK_SECRET_KEY": "secret-from-env-123456"}
    assert load_settings(tmp_path / ".env", environ=base).trusted_proxies == ()  # none by default
    s = load_settings(
        tmp_path / ".env",
        environ={**base, "CASEDESK_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/24,",
                 "CASEDESK_LOGIN_FAILURES_PER_USER": "3", "CASEDESK_LOGIN_FAILURES_PER_ADDRESS": "50"},
    )
    assert s.trusted_proxies == ("10.0.0.5", "10.1.0.0/24")
    assert (s.login_failures_per_user, s.login_failures_per_address) == (3, 50)
    with pytest.raises(ValueError, match="CASEDESK_TRUSTED_PROXIES"):
        load_settings(tmp_path / ".env", environ={**base, "CASEDESK_TRUSTED_PROXIES": "proxy.example"})
