"""The WeChat channel's shared state: one small key-value store with expiry, shared by every
Rasa worker and instance.

Four things live in it (keys are prefixed with the AppID, so two accounts never mix):

- `msg:<MsgId>`: the de-duplication claim of one delivery and, once known, what it was answered
  with (`processing` → `reply:<text>` | `late` | `pushed`). WeChat retries an unanswered delivery
  three times; whoever adds the key first processes the message, every retry reads it.
- `nonce:<timestamp>:<nonce>`: a signed request's claim on its nonce; a second request with
  the same pair is a replay of a captured URL (403). It expires a minute after the timestamp
  stops being accepted (`WECHAT_MAX_SKEW_SECONDS`).
- `seen:<OpenID>`: when the customer last wrote, for the 48-hour customer-service window.
- `token:*`: wechatpy's session (the cached access token) and a short lock around fetching it.

Redis when `LOCK_STORE_TYPE=redis` (the production set-up already runs it for Rasa's lock store),
else a SQLite file in WAL mode (`WECHAT_STORE_PATH`, default `var/wechat.db`), which two local
worker processes share safely. The methods are synchronous: the channel calls them through
`asyncio.to_thread`, wechatpy's (synchronous) client calls them directly.
"""
from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path
from typing import Any, Optional, Protocol

from wechatpy.session import SessionStorage


class KeyValueStore(Protocol):
    def add(self, key: str, value: str, ttl: int) -> bool:
        """Sets `key` only if it is absent (or expired); True when this call set it."""

    def get(self, key: str) -> Optional[str]: ...

    def set(self, key: str, value: str, ttl: int) -> None: ...

    def delete(self, key: str) -> None: ...


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS wechat_kv ("
                " key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at REAL NOT NULL)"
            )

    def __repr__(self) -> str:
        return f"SqliteStore({self.path.name})"

    def _connect(self) -> sqlite3.Connection:
        # one short-lived connection per call: calls come from a thread pool
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def add(self, key: str, value: str, ttl: int) -> bool:
        now = time.time()
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM wechat_kv WHERE key = ? AND expires_at <= ?", (key, now))
            if random.random() < 0.01:  # keep the file small: drop expired rows now and then
                db.execute("DELETE FROM wechat_kv WHERE expires_at <= ?", (now,))
            cur = db.execute(
                "INSERT OR IGNORE INTO wechat_kv (key, value, expires_at) VALUES (?, ?, ?)",
                (key, value, now + ttl),
            )
            db.execute("COMMIT")
            return cur.rowcount == 1
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def get(self, key: str) -> Optional[str]:
        db = self._connect()
        try:
            row = db.execute(
                "SELECT value FROM wechat_kv WHERE key = ? AND expires_at > ?", (key, time.time())
            ).fetchone()
        finally:
            db.close()
        return row[0] if row else None

    def set(self, key: str, value: str, ttl: int) -> None:
        db = self._connect()
        try:
            db.execute(
                "INSERT INTO wechat_kv (key, value, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
                (key, value, time.time() + ttl),
            )
        finally:
            db.close()

    def delete(self, key: str) -> None:
        db = self._connect()
        try:
            db.execute("DELETE FROM wechat_kv WHERE key = ?", (key,))
        finally:
            db.close()


class RedisStore:
    def __init__(self, host: str, port: int, db: int) -> None:
        import redis

        self._redis = redis.Redis(
            host=host, port=port, db=db, socket_timeout=3, socket_connect_timeout=3
        )

    def __repr__(self) -> str:
        return "RedisStore()"

    def add(self, key: str, value: str, ttl: int) -> bool:
        return bool(self._redis.set(key, value, ex=ttl, nx=True))

    def get(self, key: str) -> Optional[str]:
        value = self._redis.get(key)
        return value.decode("utf-8") if value is not None else None

    def set(self, key: str, value: str, ttl: int) -> None:
        self._redis.set(key, value, ex=ttl)

    def delete(self, key: str) -> None:
        self._redis.delete(key)


class StoreSession(SessionStorage):
    """wechatpy's session storage on the shared store, so every worker uses one access token.

    wechatpy stores the token with WeChat's `expires_in` (7200 s); it is kept 5 minutes less,
    so a worker fetches a fresh one before WeChat stops taking the old."""

    REFRESH_MARGIN = 300

    def __init__(self, store: KeyValueStore, prefix: str) -> None:
        self.store = store
        self.prefix = prefix

    def get(self, key: str, default: Any = None) -> Any:
        raw = self.store.get(f"{self.prefix}{key}")
        return json.loads(raw) if raw is not None else default

    def set(self, key: str, value: Any, ttl: Optional[int] = None) -> None:
        ttl = max(60, int(ttl or 7200) - self.REFRESH_MARGIN)
        self.store.set(f"{self.prefix}{key}", json.dumps(value), ttl)

    def delete(self, key: str) -> None:
        self.store.delete(f"{self.prefix}{key}")


def open_store(lock_store_type: str, redis_host: str, redis_port: int, redis_db: int,
               sqlite_path: Path) -> KeyValueStore:
    if lock_store_type == "redis":
        return RedisStore(redis_host, redis_port, redis_db)
    return SqliteStore(sqlite_path)
