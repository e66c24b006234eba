"""What the browser tests of the console share: Debian's Chromium with the flags this machine
needs (never a Playwright browser download), and console accounts made through the users CLI."""
from __future__ import annotations

import secrets
import subprocess

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
