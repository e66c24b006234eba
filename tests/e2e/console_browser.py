"""What the browser tests of the console share: Debian's Chromium with the flags this machine
needs (never a Playwright browser download), and console accounts made through the users CLI."""
from __future__ import annotations

import re
import secrets
import subprocess
import time
from pathlib import Path
from typing import Optional

from tests.stack import ROOT

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = secrets.token_urlsafe(16)  # a throw-away password for this run's accounts


def launch(playwright_api):
    """A context manager yielding a started browser; closes it and Playwright at the end."""
    from contextlib import contextmanager

    @contextmanager
    def _run():
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            try:
                yield browser
            finally:
                browser.close()

    return _run()


def create_console_user(stack, username: str, role: str, display_name: str) -> None:
    made = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "bot.casedesk.console.users", "create",
         "--username", username, "--role", role, "--display-name", display_name],
        cwd=ROOT, env={**stack.env, "CONSOLE_PASSWORD": PASSWORD},
        capture_output=True, text=True, timeout=180,
    )
    assert made.returncode == 0, made.stdout + made.stderr


def sign_in(browser, stack, username: str, landing: Optional[str] = None):
    """A new desktop-sized page signed in to the console as ``username`` (password PASSWORD);
    ``landing``, a regular expression, waits for the page the login leads to."""
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page.goto(f"{stack.casedesk_url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    if landing:
        page.wait_for_url(re.compile(landing))
    else:
        page.wait_for_load_state()
    return page


def shoot(page, shots_dir: Optional[str], name: str) -> None:
    """Full-page screenshots at desktop width and 390 px, when ``shots_dir`` is set."""
    if not shots_dir:
        return
    Path(shots_dir).mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(200)
        page.screenshot(path=f"{shots_dir}/{name}_{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def said_to_customer(stack, sender: str) -> list:
    """Every line the bot (or an agent through it) said in the customer's conversation."""
    return [e.get("text") for e in stack.tracker(sender)["events"] if e.get("event") == "bot"]


def wait_said(stack, sender: str, text: str, timeout: float = 15) -> None:
    """Waits until a line said to the customer holds ``text``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in (line or "") for line in said_to_customer(stack, sender)):
            return
        time.sleep(0.2)
    raise AssertionError(f"客户没有收到：{text}；收到的是：{said_to_customer(stack, sender)}")
