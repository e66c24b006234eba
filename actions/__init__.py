"""rasa_sdk action server of the complaint-intake assistant (`rasa run actions --actions actions`).

Importing the package masks the server's logs: rasa_sdk sets up its handlers (console, and
--log-file) before it imports the action package, so the handlers exist here and get
bot.redact's filter — a traceback that quotes a customer's message leaves no whole phone, ID
or card number in a log (tests/actions/test_log_redaction.py runs rasa_sdk's own start-up).
"""
import logging as _logging

from bot import redact as _redact


def _mask_logs() -> None:
    _redact.install()  # the root logger's handlers: coloredlogs' console handler
    for name in ("rasa_sdk", "rasa", "sanic.root", "sanic.error", "sanic.access"):
        _redact.install(_logging.getLogger(name))  # --log-file goes on rasa_sdk's own logger


_mask_logs()
