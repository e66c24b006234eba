"""Rasa's command line, with what must not be on a command line taken from the environment.

``scripts/serve.sh`` starts Rasa as ``python -m bot.rasa_server run …``. A process's argv is
readable by every local user (``ps``), so ``--auth-token`` is added here from ``RASA_TOKEN``
instead of on the command line; the process's own argv never holds it. Before Rasa starts,
this also installs what every turn relies on: phone, ID and card numbers masked in every log
record (bot/redact.py), and a clear reply when an action fails (bot/rasa_failsafe.py).
"""
from __future__ import annotations

import os
import sys


def main() -> None:
    from bot import rasa_failsafe, redact

    redact.install()
    rasa_failsafe.install()
    args = sys.argv[1:]
    if args[:1] == ["run"] and "--enable-api" in args:
        token = os.environ.get("RASA_TOKEN", "")
        if not token:
            sys.exit("错误：缺少 RASA_TOKEN（请运行 scripts/setup.sh，它会写入 .env）")
        args += [f"--auth-token={token}"]  # one argument: a token may begin with "-"
    sys.argv = ["rasa", *args]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
