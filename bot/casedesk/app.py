"""The case desk application factory and its entry point (`python -m bot.casedesk`)."""
from __future__ import annotations

from typing import Optional

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot import log_format, redact

from bot.casedesk import console
from bot.casedesk.appkeys import CIPHER_KEY, SETTINGS_KEY
from bot.crypto import PiiCipher
from bot.casedesk.db import db_context
from bot.casedesk.api.middlewares import REQUEST_ID_KEY, setup_middlewares
from bot.casedesk.handoffs import assignment
from bot.casedesk.handoffs.service import LOOP_PASSES_KEY, rasa_context
from bot.casedesk.customer.notices import notices_context
from bot.casedesk.routes import setup_routes
from bot.casedesk.settings import Settings, load_settings


def init_app(settings: Optional[Settings] = None) -> web.Application:
    settings = settings or load_settings()
    app = web.Application(client_max_size=settings.client_max_size)
    app[SETTINGS_KEY] = settings
    app[CIPHER_KEY] = PiiCipher(settings.secret_key)
    # migrations, then the engine, for the app's whole life
    app.cleanup_ctx.append(db_context)
    # after the database: the Rasa client and the handoff sync loop that uses both
    app.cleanup_ctx.append(rasa_context)
    # issue 15: each pass of that loop also hands waiting handoffs to agents who are 在线
    app[LOOP_PASSES_KEY] = (assignment.assign_pass,)
    # the notice outbox (issue 14): customer notices of lifecycle steps, and their SMS
    app.cleanup_ctx.append(notices_context)
    setup_routes(app)
    setup_middlewares(app)
    # the agent console (cookies, HTML): after the API's middlewares so its own runs inside them
    console.setup(app)
    return app


class PathOnlyAccessLogger(AbstractAccessLogger):
    """The access log without query strings: they carry search terms such as a conversation id
    (for WeChat, the customer's OpenID) or a phone number filter."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %.3fs', request.remote, request.method, request.path, response.status, time,
            extra={"request_id": request.get(REQUEST_ID_KEY)},
        )


def main() -> None:
    settings = load_settings()
    # LOG_FORMAT=json in production: one JSON object a line, with the request's id
    log_format.configure(settings.log_format)
    # safety net on every handler: whatever a library logs, no mobile, ID or card number leaves
    # the process whole. Our own code logs masked values only (tests check it).
    redact.install()
    web.run_app(
        init_app(settings), host=settings.host, port=settings.port,
        access_log_class=PathOnlyAccessLogger,
    )


if __name__ == "__main__":
    main()
