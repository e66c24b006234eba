"""The action server's logs are masked (issue 18, item 7): rasa_sdk's own start-up
(`rasa run actions` → rasa_sdk.__main__.main_from_args) configures its handlers, then imports
the action package, whose import installs bot.redact's filter on them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.casedesk.settings import REPO_ROOT

SCRIPT = r'''
import logging, sys
import rasa_sdk.__main__ as sdk_main
import rasa_sdk.endpoint as endpoint

def start_without_serving(action_package_name, *args, **kwargs):
    endpoint.create_app(action_package_name)  # what run() does first: registers (imports) actions
    logging.getLogger("rasa_sdk.executor").error("action failed for 13812345678 / 110101199003071234")
    try:
        raise ValueError("bad tracker: 卡号6222021234567890123 电话138 1234 5678")
    except ValueError:
        logging.getLogger("rasa_sdk.endpoint").exception("Exception in action")
        logging.getLogger("sanic.error").exception("Exception occurred while handling uri")

sdk_main.run = start_without_serving
args = endpoint.create_argument_parser().parse_args(["--actions", "actions", "--log-file", sys.argv[1]])
sdk_main.main_from_args(args)
'''


def test_action_server_logs_are_masked(tmp_path: Path) -> None:
    log_file = tmp_path / "actions.log"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(log_file)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    console = done.stderr + done.stdout
    written = log_file.read_text(encoding="utf-8")
    for out in (console, written):
        assert "Exception in action" in out and "138****5678" in out and "***************0123" in out
        for whole in ("13812345678", "110101199003071234", "6222021234567890123", "138 1234 5678"):
            assert whole not in out, (whole, out[-2000:])
    assert "Exception occurred while handling uri" in console
