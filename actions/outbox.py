"""Durable outbox for filed cases: nothing a customer confirmed is lost when the case desk is down.

``action_file_case`` writes the case here FIRST, then tries to deliver it. Handoff requests,
call-back confirmations, the customer's rating after filing and a withdrawal (撤诉) travel the same
way (the key's prefix says which); a rating or a withdrawal given while its case is still here
waits for the case's number. A case the case desk
could not take stays ``pending`` on disk (SQLite, ``OUTBOX_PATH``, default var/outbox.db) and a
background loop inside the action server retries it with exponential backoff — also after the
action server restarts. Delivery is keyed on (conversation_id, intake_id), the same key the case
desk's ``POST /api/cases`` is idempotent on, so a retry after a lost answer never files twice.

Rows are leased (``claimed_until``) before a delivery attempt, so the action that files the
case and the redelivery loop (or a second action-server process on the same file) never post
the same row at the same time.

The payload holds the customer's name and phone, so it is stored encrypted (Fernet, key derived
from OUTBOX_SECRET_KEY or else CASEDESK_SECRET_KEY), like the case desk's own PII at rest.

SQLite calls are tiny and run in a worker thread (``asyncio.to_thread``) to keep them off the
event loop; each call opens its own connection, which makes them thread-safe.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from actions.casedesk_client import CaseDeskClient, CaseDeskError, _setting
from bot.crypto import derive_fernet

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
PENDING, DELIVERED, REJECTED = "pending", "delivered", "rejected"
# the key of the customer's rating of an intake: (conversation_id, "rating:<intake_id>")
RATING_PREFIX = "rating:"
WITHDRAW_PREFIX = "withdraw:"

Key = Tuple[str, str]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    conversation_id TEXT NOT NULL,
    intake_id       TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    case_no         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    claimed_until   REAL,
    last_error      TEXT,
    created_at      REAL NOT NULL,
    delivered_at    REAL,
    PRIMARY KEY (conversation_id, intake_id)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
"""


@dataclass(frozen=True)
class Entry:
    conversation_id: str
    intake_id: str
    payload: Dict[str, Any]
    status: str
    case_no: Optional[str]
    attempts: int
    next_attempt_at: float
    last_error: Optional[str]

    @property
    def key(self) -> Key:
        return (self.conversation_id, self.intake_id)


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def retry_base_seconds() -> float:
    return max(_env_float("OUTBOX_RETRY_SECONDS", 5.0), 0.1)


def retry_delay(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: doubling from the base, capped, with jitter."""
    base = retry_base_seconds()
    cap = _env_float("OUTBOX_MAX_RETRY_SECONDS", 16 * base)
    delay = min(base * 2 ** max(attempts - 1, 0), cap)
    return delay * random.uniform(1.0, 1.1)


class Outbox:
    def __init__(self, path: Optional[os.PathLike] = None, clock: Callable[[], float] = time.time) -> None:
        # the clock is injectable so tests move time on instead of sleeping through a retry window
        self.clock = clock
        self.path = Path(path or os.environ.get("OUTBOX_PATH") or ROOT / "var" / "outbox.db")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fernet = None
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def _cipher(self):
        if self._fernet is None:
            secret = _setting("OUTBOX_SECRET_KEY") or _setting("CASEDESK_SECRET_KEY")
            if not secret:
                raise RuntimeError("OUTBOX_SECRET_KEY / CASEDESK_SECRET_KEY 未设置：请先运行 scripts/setup.sh")
            self._fernet = derive_fernet(secret, b"outbox")
        return self._fernet

    def _seal(self, payload: Dict[str, Any]) -> str:
        return self._cipher().encrypt(json.dumps(payload, ensure_ascii=False).encode("utf-8")).decode("ascii")

    def _open(self, sealed: str) -> Dict[str, Any]:
        return json.loads(self._cipher().decrypt(sealed.encode("ascii")))

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.row_factory = sqlite3.Row
        # a confirmed case must survive a power cut, not only a process crash
        db.execute("PRAGMA synchronous=FULL")
        return db

    def _entry(self, row: Optional[sqlite3.Row]) -> Optional[Entry]:
        if row is None:
            return None
        return Entry(
            conversation_id=row["conversation_id"],
            intake_id=row["intake_id"],
            payload=self._open(row["payload"]),
            status=row["status"],
            case_no=row["case_no"],
            attempts=row["attempts"],
            next_attempt_at=row["next_attempt_at"],
            last_error=row["last_error"],
        )

    def add(self, payload: Dict[str, Any], key: Optional[Key] = None) -> Entry:
        """Stores a case (or, with an explicit ``handoff:`` or ``callback:`` key, a handoff request
        or a call-back confirmation) to deliver;
        adding the same key again is a no-op."""
        key = key or (str(payload["conversation_id"]), str(payload["intake_id"]))
        now = self.clock()
        with closing(self._connect()) as db:
            db.execute(
                "INSERT OR IGNORE INTO outbox (conversation_id, intake_id, payload, status,"
                " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (*key, self._seal(payload), PENDING, now, now),
            )
        entry = self.get(key)
        assert entry is not None
        return entry

    def add_claimed(self, payload: Dict[str, Any], key: Key, lease_seconds: float) -> Optional[Entry]:
        """Stores a new row already leased to the caller, so the redelivery loop cannot take it
        between the insert and the caller's own first attempt. None if the key was there."""
        now = self.clock()
        with closing(self._connect()) as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO outbox (conversation_id, intake_id, payload, status,"
                " next_attempt_at, claimed_until, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*key, self._seal(payload), PENDING, now, now + lease_seconds, now),
            )
            if cursor.rowcount != 1:
                return None
        return self.get(key)

    def get(self, key: Key) -> Optional[Entry]:
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT * FROM outbox WHERE conversation_id = ? AND intake_id = ?", key
            ).fetchone()
        return self._entry(row)

    def claim(self, key: Key, lease_seconds: float) -> Optional[Entry]:
        """Takes the row for one delivery attempt; None if it is delivered or someone else has it."""
        now = self.clock()
        with closing(self._connect()) as db:
            cursor = db.execute(
                "UPDATE outbox SET claimed_until = ? WHERE conversation_id = ? AND intake_id = ?"
                " AND status = ? AND (claimed_until IS NULL OR claimed_until < ?)",
                (now + lease_seconds, *key, PENDING, now),
            )
            if cursor.rowcount != 1:
                return None
        return self.get(key)

    def due(self, limit: int = 20) -> List[Key]:
        now = self.clock()
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT conversation_id, intake_id FROM outbox WHERE status = ?"
                " AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
                " ORDER BY next_attempt_at LIMIT ?",
                (PENDING, now, now, limit),
            ).fetchall()
        return [(r["conversation_id"], r["intake_id"]) for r in rows]

    def mark_delivered(self, key: Key, case_no: str) -> None:
        with closing(self._connect()) as db:
            db.execute(
                "UPDATE outbox SET status = ?, case_no = ?, delivered_at = ?, claimed_until = NULL,"
                " attempts = attempts + 1, last_error = NULL"
                " WHERE conversation_id = ? AND intake_id = ?",
                (DELIVERED, case_no, self.clock(), *key),
            )

    def mark_failed(self, key: Key, error: str) -> float:
        """Records a failed attempt and schedules the next one; returns the delay."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute(
                "SELECT attempts FROM outbox WHERE conversation_id = ? AND intake_id = ?", key
            ).fetchone()
            attempts = (row["attempts"] if row else 0) + 1
            delay = retry_delay(attempts)
            db.execute(
                "UPDATE outbox SET attempts = ?, next_attempt_at = ?, claimed_until = NULL,"
                " last_error = ? WHERE conversation_id = ? AND intake_id = ?",
                (attempts, self.clock() + delay, error[:500], *key),
            )
            db.execute("COMMIT")
        return delay

    def mark_rejected(self, key: Key, error: str) -> None:
        with closing(self._connect()) as db:
            db.execute(
                "UPDATE outbox SET status = ?, claimed_until = NULL, attempts = attempts + 1,"
                " last_error = ? WHERE conversation_id = ? AND intake_id = ?",
                (REJECTED, error[:500], *key),
            )

    def counts(self) -> Dict[str, int]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").fetchall()
        return {r["status"]: r["n"] for r in rows}


class Deliverer:
    """Moves outbox rows to the case desk: once right after filing, then from a background loop."""

    def __init__(self, outbox: Outbox, client: Optional[CaseDeskClient] = None) -> None:
        self.outbox = outbox
        self.client = client or CaseDeskClient()
        self._task: Optional[asyncio.Task] = None

    @property
    def lease_seconds(self) -> float:
        return self.client.timeout + 5

    async def deliver(self, key: Key) -> Optional[str]:
        """One attempt for one case; returns its case number once the case desk has it."""
        answer = await self.attempt(key)
        if answer is None:
            current = await asyncio.to_thread(self.outbox.get, key)
            return current.case_no if current and current.status == DELIVERED else None
        return str(answer["case_no"])

    async def submit(self, payload: Dict[str, Any], key: Key) -> Tuple[Optional[Dict[str, Any]], Entry]:
        """Stores a payload and makes the first delivery attempt itself: (the case desk's answer
        or None, the row after the attempt). A delivered key is not sent again; its stored
        answer is used."""
        entry = await asyncio.to_thread(self.outbox.add_claimed, payload, key, self.lease_seconds)
        if entry is not None:
            answer = await self.attempt(key, entry)
        else:
            current = await asyncio.to_thread(self.outbox.get, key)
            if current is not None and current.status == DELIVERED:
                return {"case_no": current.case_no}, current
            answer = await self.attempt(key)
        # the row as it is now: delivered, pending a retry, or rejected for good
        row = await asyncio.to_thread(self.outbox.get, key)
        assert row is not None
        return answer, row

    async def attempt(self, key: Key, entry: Optional[Entry] = None) -> Optional[Dict[str, Any]]:
        """One delivery attempt; the case desk's answer when this attempt delivered the row.
        ``entry``: the row as ``add_claimed`` leased it to the caller."""
        if entry is None:
            entry = await asyncio.to_thread(self.outbox.claim, key, self.lease_seconds)
        if entry is None:
            return None
        # the key's prefix says which request it is: a handoff, a call-back confirmation, a
        # rating, or a case
        send: Callable[[Dict[str, Any]], Awaitable[Dict[str, Any]]]
        if entry.intake_id.startswith("handoff:"):
            send = self.client.open_handoff
        elif entry.intake_id.startswith("callback:"):
            send = self.client.confirm_callback
        elif entry.intake_id.startswith(RATING_PREFIX):
            send = self._rating_sender(entry)
        elif entry.intake_id.startswith(WITHDRAW_PREFIX):
            send = self._withdraw_sender(entry)
        else:
            send = self.client.create_case
        try:
            body = await send(entry.payload)
        except CaseDeskError as exc:
            if exc.retryable:
                delay = await asyncio.to_thread(self.outbox.mark_failed, key, str(exc))
                logger.warning("outbox: %s not delivered (%s), retry in %.0fs", key[1], exc, delay)
            else:
                await asyncio.to_thread(self.outbox.mark_rejected, key, str(exc))
                logger.error("outbox: case desk rejected %s: %s", key[1], exc)
            return None
        except Exception as exc:  # never leave a row leased because of a bug
            await asyncio.to_thread(self.outbox.mark_failed, key, repr(exc))
            raise
        case_no = str(body["case_no"])
        await asyncio.to_thread(self.outbox.mark_delivered, key, case_no)
        logger.info("outbox: %s delivered as %s", key[1], case_no)
        return body

    def _rating_sender(self, entry: Entry) -> Callable[[Dict[str, Any]], Awaitable[Dict[str, Any]]]:
        """A rating goes to its case once the case has a number: given when the customer rated,
        or, for a case still in this outbox then, the number its delivery brought."""
        async def send(payload: Dict[str, Any]) -> Dict[str, Any]:
            case_no = payload.get("case_no") or await self._case_no_of(entry, payload["intake_id"], "rated")
            return await self.client.record_rating({**payload, "case_no": case_no})
        return send

    async def _case_no_of(self, entry: Entry, intake_id: str, what: str) -> str:
        """The number the case ``intake_id`` of this conversation got; retryable while the case
        is still here, never for a case the desk refused."""
        case = await asyncio.to_thread(self.outbox.get, (entry.conversation_id, intake_id))
        if case is None or case.status == REJECTED:
            raise CaseDeskError(f"the {what} case was never filed", retryable=False)
        if case.status != DELIVERED or not case.case_no:
            raise CaseDeskError(f"the {what} case is not filed yet", retryable=True)
        return case.case_no

    def _withdraw_sender(self, entry: Entry) -> Callable[[Dict[str, Any]], Awaitable[Dict[str, Any]]]:
        """A withdrawal the customer confirmed while their case was still here (the digits
        checked against the case they filed, actions/withdraw.py) goes to the desk once the case
        has its number; the desk records it and confirms it on the customer's channel. A case
        decided meanwhile is not withdrawn (409): never retried, logged."""
        async def send(payload: Dict[str, Any]) -> Dict[str, Any]:
            case_no = await self._case_no_of(entry, payload["intake_id"], "withdrawn")
            body = {"conversation_id": payload["conversation_id"], "case_no": case_no,
                    "phone_last4": payload["phone_last4"]}
            if payload.get("reason"):
                body["reason"] = payload["reason"]
            status, answer = await self.client.withdraw_complaint(body)
            if status == 200 and answer.get("withdrawn"):
                return answer
            raise CaseDeskError(f"withdrawal of {case_no} refused: {status} {answer.get('error')}", retryable=False,
                                status=status)
        return send

    async def deliver_due(self) -> int:
        delivered = 0
        for key in await asyncio.to_thread(self.outbox.due):
            if await self.deliver(key):
                delivered += 1
        return delivered

    async def run_forever(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep the loop alive whatever one round does
                logger.exception("outbox: redelivery round failed")
            await asyncio.sleep(min(max(retry_base_seconds(), 0.5), 30.0))

    def ensure_started(self) -> None:
        """Starts the redelivery loop in the running event loop (idempotent)."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self.run_forever(), name="outbox-redelivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None


_deliverer: Optional[Deliverer] = None


def deliverer() -> Deliverer:
    """The action server's single Deliverer, created on first use (env read at that time)."""
    global _deliverer
    if _deliverer is None:
        _deliverer = Deliverer(Outbox())
    return _deliverer


def _install_on_action_server() -> None:
    """Starts redelivery when the action server starts, so cases left pending by a previous run
    are delivered without waiting for the next customer to file one."""
    try:
        from sanic import Sanic

        app = Sanic.get_app("rasa_sdk")
    except Exception:  # imported outside `rasa run actions` (tests, scripts)
        return

    async def start(_app: Any, _loop: Any) -> None:
        deliverer().ensure_started()

    async def stop(_app: Any, _loop: Any) -> None:
        if _deliverer is not None:
            await _deliverer.stop()

    app.register_listener(start, "after_server_start")
    app.register_listener(stop, "before_server_stop")


_install_on_action_server()
