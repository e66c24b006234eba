"""HTTP client for the case desk's ``POST /api/cases``, ``POST /api/handoffs``,
``POST /api/callbacks/{id}/confirm``, ``POST /api/progress/lookup`` and
``POST /api/progress/withdraw`` (contracts: docs/architecture.md, docs/casedesk.md).

Only transport lives here: what to send is built in case_record.py, when to retry is decided
by outbox.py. Errors are sorted into "try again later" (the case desk is down, slow, 5xx, or
not yet configured) and "this payload will never be accepted" (400/422).
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, overload

import aiohttp
from dotenv import dotenv_values

from bot.log_format import request_id

ROOT = Path(__file__).resolve().parents[1]
ENV_FILE = ROOT / ".env"
DEFAULT_URL = "http://127.0.0.1:8000"

# 401/403 are retried: the token in .env is generated on the case desk's first start and may
# not be there yet; a payload the case desk rejects as invalid is not.
_PERMANENT = {400, 413, 415, 422}


class CaseDeskError(Exception):
    def __init__(self, message: str, retryable: bool, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


# With a str default the result is never None (``value or default``); the overloads tell mypy so.
@overload
def _setting(name: str, default: str) -> str: ...


@overload
def _setting(name: str, default: None = None) -> Optional[str]: ...


def _setting(name: str, default: Optional[str] = None) -> Optional[str]:
    # The environment wins over .env, like scripts/env.sh. .env is re-read on every call so a
    # token generated after the action server started is picked up without a restart.
    value = os.environ.get(name)
    if value:
        return value
    if ENV_FILE.exists():
        value = dotenv_values(ENV_FILE).get(name)
    return value or default


class CaseDeskClient:
    def __init__(
        self,
        base_url: Optional[str] = None,
        token: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> None:
        self._base_url = base_url
        self._token = token
        self._timeout = timeout

    @property
    def base_url(self) -> str:
        return (self._base_url or _setting("CASEDESK_URL", DEFAULT_URL)).rstrip("/")

    @property
    def timeout(self) -> float:
        return self._timeout or float(_setting("CASEDESK_TIMEOUT", "5"))

    def _headers(self) -> Dict[str, str]:
        token = self._token or _setting("CASEDESK_TOKEN")
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def create_case(self, payload: Dict[str, Any]) -> Dict[str, Any]:
        """Files one case; returns the case desk's answer (it carries ``case_no``)."""
        return await self._post("/api/cases", payload)

    async def open_handoff(self, payload: Dict[str, Any]) -> Dict[str, Any]:
        """Queues a conversation for an agent; the answer carries ``case_no``, ``position`` and
        ``expected_wait_minutes``."""
        return await self._post("/api/handoffs", payload)

    async def confirm_callback(self, payload: Dict[str, Any]) -> Dict[str, Any]:
        """The number a call-back goes to, as the customer confirmed or gave it (issue 15); the
        answer carries ``case_no`` like the others, so the outbox records it the same way."""
        return await self._post(f"/api/callbacks/{int(payload['callback_id'])}/confirm", payload)

    async def lookup_progress(self, payload: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        """A customer's progress lookup (``POST /api/progress/lookup``): the status and the JSON
        answer, whatever it says (403 wrong digits, 429 locked, 404 nothing filed here); raises
        CaseDeskError only when the case desk cannot be asked or answers 5xx."""
        return await self._answer("/api/progress/lookup", payload)

    async def withdraw_complaint(self, payload: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        """撤诉 (``POST /api/progress/withdraw``): answered like a lookup, plus 409 when the case
        is decided already; raises CaseDeskError only when the desk cannot be asked or answers 5xx."""
        return await self._answer("/api/progress/withdraw", payload)

    async def record_rating(self, payload: Dict[str, Any]) -> Dict[str, Any]:
        """The rating as the outbox delivers it: ``case_no``, ``conversation_id``, ``score``; the
        answer carries ``case_no`` like the others (an unknown case is 404, never retried)."""
        body = {"conversation_id": payload["conversation_id"], "score": int(payload["score"])}
        return await self._post(f"/api/cases/{payload['case_no']}/rating", body)

    async def rate_case(self, case_no: str, payload: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        """The customer's rating of the intake (``POST /api/cases/{no}/rating``)."""
        return await self._answer(f"/api/cases/{case_no}/rating", payload)

    async def _answer(self, path: str, payload: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        status, body = await self._send(path, payload)
        if status >= 500:
            raise CaseDeskError(f"case desk answered {status}", retryable=True, status=status)
        return status, body if isinstance(body, dict) else {}

    async def _post(self, path: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        status, body = await self._send(path, payload)
        if status in (200, 201) and isinstance(body, dict) and body.get("case_no"):
            return body
        message = body.get("message") if isinstance(body, dict) else str(body)
        raise CaseDeskError(
            f"case desk answered {status}: {message}",
            retryable=status not in _PERMANENT,
            status=status,
        )

    async def _send(self, path: str, payload: Dict[str, Any]) -> Tuple[int, Any]:
        """POST ``payload``: the status and the JSON body (or the start of a text body); an
        unreachable desk raises a retryable CaseDeskError."""
        url = f"{self.base_url}{path}"
        headers = self._headers()
        # the intake's random id ties the desk's log lines for this call to the complaint
        # (bot/log_format.py); never the conversation id, which is a WeChat customer's OpenID
        correlation = payload.get("intake_id") or payload.get("request_id")
        if isinstance(correlation, str):
            headers["X-Request-Id"] = request_id(correlation)
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
                async with session.post(url, json=payload, headers=headers) as response:
                    try:
                        return response.status, await response.json(content_type=None)
                    except ValueError:
                        return response.status, {"message": (await response.text())[:200]}
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise CaseDeskError(f"case desk unreachable: {exc!r}", retryable=True) from exc
