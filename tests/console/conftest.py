"""Console fixtures: the real app (SQLite and PostgreSQL, tests/casedesk's pattern), a fake Rasa,
console users, and a signed-in client; for browser tests, a real case-desk process and Debian's
headless Chromium."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from aiohttp.test_utils import TestClient, TestServer

from bot.casedesk.app import init_app
from bot.casedesk.settings import REPO_ROOT, Settings
from tests.casedesk.helpers import BACKENDS, SECRET, TOKEN, Clock, database_target

from .fakes import FakeRasa
from .helpers import PASSWORD, Console

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser download is never used
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(backend: str, tmp_path: Path, clock: Clock, fake_rasa: FakeRasa) -> Iterator[Settings]:
    with database_target(backend, tmp_path) as (url, schema):
        # the sync loop is off: tests copy customer messages with handoffs.sync_once
        yield Settings(
            token=TOKEN, secret_key=SECRET, db_url=url, db_schema=schema, clock=clock,
            rasa_url=fake_rasa.url, handoff_sync_seconds=0,
            tracker_db_url=f"sqlite:///{tmp_path}/tracker.db", report_dir=tmp_path / "report",
        )


@pytest.fixture
async def console(settings: Settings) -> Any:
    app = init_app(settings)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Console(client)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[dict]:
    """`python -m bot.casedesk` on a free port with a fake Rasa, and the agent wang (王明)."""
    fake = FakeRasa().start()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEDESK_", "RASA_"))}
    env.update(
        CASEDESK_PORT=str(port),
        CASEDESK_DB_URL=f"sqlite+aiosqlite:///{tmp_path / 'casedesk.db'}",
        CASEDESK_TOKEN=TOKEN,
        CASEDESK_SECRET_KEY=SECRET,
        CASEDESK_HANDOFF_SYNC_SECONDS="0.3",
        # in service hours whatever the hour of the run: a handoff is never a call-back here
        CASEDESK_SERVICE_HOURS="00:00-24:00",
        RASA_URL=fake.url,
    )
    made = subprocess.run(
        [sys.executable, "-m", "bot.casedesk.console.users", "create", "--username", "wang",
         "--role", "agent", "--display-name", "王明"],
        cwd=REPO_ROOT, env={**env, "CONSOLE_PASSWORD": PASSWORD}, capture_output=True, text=True, timeout=120,
    )
    assert made.returncode == 0, made.stderr
    log = (tmp_path / "casedesk.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "bot.casedesk"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "casedesk.log").read_text()
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "case desk did not start"
            time.sleep(0.2)
        yield {"url": url, "rasa": fake, "workdir": tmp_path}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        fake.stop()


@pytest.fixture
def page() -> Iterator[object]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser.new_page(locale="zh-CN")
        finally:
            browser.close()
