"""The only place the case desk talks to Rasa's HTTP API (`rasa run --enable-api --auth-token`).

Handoffs need four things from Rasa: put an agent's reply into the conversation so Rasa sends it
on the customer's channel, hand the conversation back to the bot, end it, and read what the
customer wrote while a person had it. Rasa's `--auth-token` is checked against a `?token=` query
parameter, so the token travels in the URL; URLs are therefore never logged.

The aiohttp ClientSession belongs to the app (`handoffs.rasa_context` in `app.cleanup_ctx`), which also
runs the handoff sync loop (handoffs.sync_loop).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List
from urllib.parse import quote

import aiohttp
from aiohttp import web
from yarl import URL

from bot.casedesk.settings import Settings

log = logging.getLogger(__name__)

# responses the lead adds to the bot's domain (bot/domain/)
UTTER_RELEASED = "utter_handoff_released"
UTTER_CLOSED = "utter_handoff_closed"
# Rasa sends a bot event appended with side effects through the conversation's latest input
# channel: socket.io and WeChat deliver it; REST has no push, the text then only lands in the
# tracker (the customer sees it on their next poll of the tracker, if any)
LATEST = "latest"


class RasaUnavailable(Exception):
    """Rasa did not take the request (down, timed out, or refused it). Carries no text."""

    def __init__(self, operation: str, detail: str) -> None:
        super().__init__(f"{operation}: {detail}")
        self.operation = operation
        self.detail = detail


# RFC 3986 pchar beyond the unreserved characters quote() always keeps
PATH_SAFE = "!$&'()*+,;=:@"


class RasaBridge:
    def __init__(self, settings: Settings, session: aiohttp.ClientSession) -> None:
        self._base = settings.rasa_url
        self._token = settings.rasa_token
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=settings.rasa_timeout_seconds)

    def __repr__(self) -> str:  # the token must not reach a log line through repr()
        return "RasaBridge(<redacted>)"

    def _url(self, conversation_id: str, tail: str, **params: str) -> URL:
        # conversation ids come from channels (WeChat openids, socket.io session ids, rest:…):
        # quote what cannot stand in a path segment ('/', '?', '#', spaces, non-ASCII) and tell
        # yarl not to re-quote. Characters a path segment may hold stay as they are: Rasa
        # (Sanic) does not unquote its path parameters, so "rest%3Aabc" would address another,
        # empty conversation than "rest:abc" (the REST channel's ids carry that prefix).
        path = f"/conversations/{quote(conversation_id, safe=PATH_SAFE)}{tail}"
        url = URL(self._base + path, encoded=True)
        if self._token:
            params["token"] = self._token
        return url.update_query(params) if params else url

    async def reachable(self, timeout: float = 2.0) -> bool:
        """Whether Rasa answers at all (its root says hello; no token, no conversation)."""
        try:
            async with self._session.get(URL(self._base + "/"), timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                return resp.status < 500
        except (asyncio.TimeoutError, aiohttp.ClientError):
            return False

    async def _call(self, operation: str, method: str, url: URL, body: Any = None) -> Any:
        try:
            async with self._session.request(method, url, json=body, timeout=self._timeout) as resp:
                if resp.status >= 400:
                    # Rasa's error bodies can quote the conversation; only the status is kept
                    raise RasaUnavailable(operation, f"HTTP {resp.status}")
                return await resp.json(content_type=None)
        except RasaUnavailable:
            raise
        except asyncio.TimeoutError:
            raise RasaUnavailable(operation, "timeout")
        except (aiohttp.ClientError, ValueError) as exc:
            raise RasaUnavailable(operation, type(exc).__name__)

    async def append_events(
        self, conversation_id: str, events: List[Dict[str, Any]], side_effects: bool = False
    ) -> Any:
        params = {"output_channel": LATEST}
        if side_effects:
            params["execute_side_effects"] = "true"
        url = self._url(conversation_id, "/tracker/events", **params)
        return await self._call("append_events", "POST", url, events)

    async def execute(self, conversation_id: str, action: str) -> Any:
        url = self._url(conversation_id, "/execute", output_channel=LATEST)
        return await self._call("execute", "POST", url, {"name": action})

    async def send_agent_reply(self, conversation_id: str, text: str, agent: str) -> None:
        """The agent's words as a bot utterance: in the tracker (so the bot's model and the
        transcript see them) and, through side effects, on the customer's channel."""
        event = {"event": "bot", "text": text, "metadata": {"agent": agent}}
        await self.append_events(conversation_id, [event], side_effects=True)

    async def release(self, conversation_id: str) -> None:
        """Back to the bot. The utterance runs while still paused, so a failure leaves the
        conversation with the agent; then an `action_listen` (Rasa's /execute does not add one,
        and the rules expect it before a customer turn) and the resume. The bot then answers
        the customer's next message without replaying its earlier questions."""
        await self.execute(conversation_id, UTTER_RELEASED)
        await self.append_events(
            conversation_id, [{"event": "action", "name": "action_listen"}, {"event": "resume"}]
        )

    async def close(self, conversation_id: str) -> None:
        """End the conversation: say goodbye while still paused (the bot must not answer),
        then resume and restart so the customer's next message starts afresh."""
        await self.execute(conversation_id, UTTER_CLOSED)
        await self.append_events(conversation_id, [{"event": "resume"}, {"event": "restart"}])

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        # Rasa's default (events since the last restart) covers a handoff: closing one is what
        # appends the next restart
        url = self._url(conversation_id, "/tracker")
        data = await self._call("tracker", "GET", url)
        if not isinstance(data, dict):
            raise RasaUnavailable("tracker", "unexpected body")
        return data


RASA_KEY = web.AppKey("casedesk_rasa", RasaBridge)


def user_events(tracker: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The customer's messages in a tracker: `user` events with text and a timestamp."""
    out = []
    for event in tracker.get("events") or []:
        if not isinstance(event, dict) or event.get("event") != "user":
            continue
        text, ts = event.get("text"), event.get("timestamp")
        if isinstance(text, str) and text.strip() and isinstance(ts, (int, float)):
            out.append(event)
    return out
