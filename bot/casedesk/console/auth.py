"""Console sign-in: argon2 passwords, server-side sessions, CSRF tokens, a login throttle.

The cookie holds a random token; the database keeps only its SHA-256, so a copy of the
database lets nobody in. Every POST carries the session's CSRF token (a form field or the
X-CSRF-Token header of fetch calls); the cookie is SameSite=Strict on top.
"""
from __future__ import annotations

import asyncio
import enum
import hashlib
import hmac
import ipaddress
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Deque, Dict, Optional, Tuple

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select

from bot.casedesk.db import Database
from bot.casedesk.models import ConsoleSession, ConsoleUser

COOKIE_NAME = "casedesk_console"
COOKIE_PATH = "/console"
# the login form has no session yet: a double-submit cookie guards it against login CSRF
LOGIN_COOKIE_NAME = "casedesk_console_login"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "X-CSRF-Token"
SESSION_LIFETIME = timedelta(hours=8)


class ConsoleRole(str, enum.Enum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    TRAINER = "trainer"
    # 高级管理人员 (issue 14): works cases like a supervisor on the case page and alone approves
    # extending a decision deadline to 60 days (domain.EXTENSION_APPROVERS)
    SENIOR_MANAGER = "senior_manager"


# who may work cases (and so see customer data); trainers get their own pages later
CASE_ROLES = frozenset(
    {ConsoleRole.AGENT.value, ConsoleRole.SUPERVISOR.value, ConsoleRole.SENIOR_MANAGER.value}
)

_HASHER = PasswordHasher()
_DUMMY_HASH: Optional[str] = None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _dummy_hash() -> str:
    # hashed once per process, with the same parameters as real ones, so an unknown user
    # costs the same time as a wrong password
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def verify_password(password_hash: Optional[str], password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# where the console middleware keeps the signed-in user on the request
IDENTITY_KEY = "console_identity"


def identity_of(request: web.Request) -> Optional["Identity"]:
    return request.get(IDENTITY_KEY)


@dataclass(frozen=True)
class Identity:
    """The signed-in user, as handlers see it (never the password hash)."""

    user_id: int
    username: str
    display_name: str
    role: str
    branch: Optional[str]
    csrf_token: str
    expires_at: datetime
    # the directory code of `branch` (bot/branches.py); None with a branch: not in the directory
    branch_code: Optional[str] = None
    # 在线 / 忙碌 / 离开 as the user set it (assignment.py); only agents are assigned by it
    presence: str = "away"

    @property
    def takes_assignments(self) -> bool:
        return self.role == ConsoleRole.AGENT.value

    @property
    def works_cases(self) -> bool:
        return self.role in CASE_ROLES

    @property
    def is_supervisor(self) -> bool:
        return self.role == ConsoleRole.SUPERVISOR.value


async def authenticate(db: Database, username: str, password: str) -> Optional[ConsoleUser]:
    """The user if the password matches an active account; otherwise None after the same work
    (one argon2 verification, in a thread so the event loop keeps serving)."""
    async with db.reading() as s:
        user = (
            await s.execute(select(ConsoleUser).where(ConsoleUser.username == username))
        ).scalar_one_or_none()
    stored = user.password_hash if user is not None and user.active else None
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(None, verify_password, stored, password)
    if not ok or user is None or not user.active:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        # parameters were raised since this hash was made: store a stronger one
        new_hash = await loop.run_in_executor(None, hash_password, password)
        async with db.writing() as s:
            row = await s.get(ConsoleUser, user.id)
            if row is not None:
                row.password_hash = new_hash
    return user


async def start_session(db: Database, user: ConsoleUser, now: datetime) -> Tuple[str, str]:
    """A fresh token at every sign-in (no session fixation). Returns (token, csrf)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    async with db.writing() as s:
        # expired sessions go here rather than in a scheduler: sign-ins are frequent enough
        await s.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
        s.add(
            ConsoleSession(
                token_hash=token_hash(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
    return token, csrf


async def load_session(db: Database, token: Optional[str], now: datetime) -> Optional[Identity]:
    if not token or len(token) > 128:
        return None
    stmt = (
        select(ConsoleSession, ConsoleUser)
        .join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
        .where(
            ConsoleSession.token_hash == token_hash(token),
            ConsoleSession.expires_at > now,
            ConsoleUser.active == True,  # noqa: E712 (SQL expression)
        )
    )
    async with db.reading() as s:
        row = (await s.execute(stmt)).first()
    if row is None:
        return None
    session, user = row
    return Identity(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        branch=user.branch or None,
        csrf_token=session.csrf_token,
        expires_at=session.expires_at,
        branch_code=user.branch_code or None,
        presence=user.presence or "away",
    )


async def end_session(db: Database, token: Optional[str]) -> None:
    if not token:
        return
    async with db.writing() as s:
        await s.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token)))


async def end_user_sessions(db: Database, user_id: int) -> int:
    async with db.writing() as s:
        result = await s.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
    return max(result.rowcount or 0, 0)


def set_cookie(response: web.StreamResponse, name: str, value: str, secure: bool, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        secure=secure,
        samesite="Strict",
    )


def clear_cookie(response: web.StreamResponse, name: str) -> None:
    response.del_cookie(name, path=COOKIE_PATH)


def tokens_match(given: Optional[str], expected: Optional[str]) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


class LoginThrottle:
    """Failed sign-ins in a sliding window, counted per user name and per client address, each
    with its own limit. Only failures count: a shift behind one office NAT signs in all day.

    An attempt is counted when it starts, before the (slow) password check, so parallel guesses
    cannot slip past a limit; a success then takes its own count back from the address and
    clears the user's failures. The address is the client's (`client_address`), so a trusted
    proxy's X-Forwarded-For is honoured and anyone else's ignored.

    Kept in this process's memory on purpose: it only slows guessing down (argon2 already
    costs ~50 ms per try), it holds nothing a second desk instance would need, and a restart
    forgetting it is harmless. With N instances the effective limit is N× higher.
    """

    def __init__(self, per_user: int = 5, per_address: int = 20, window_s: float = 900) -> None:
        self.per_user, self.per_address, self.window_s = per_user, per_address, window_s
        self._failures: Dict[str, Deque[float]] = defaultdict(deque)

    @staticmethod
    def _keys(username: str, address: Optional[str]) -> Tuple[str, str]:
        return "u:" + username.lower(), "a:" + (address or "?")

    def _recent(self, key: str, now: float) -> int:
        q = self._failures.get(key)
        if not q:
            return 0
        while q and q[0] < now - self.window_s:
            q.popleft()
        if not q:
            del self._failures[key]
            return 0
        return len(q)

    def blocked(self, username: str, address: Optional[str]) -> bool:
        now = time.monotonic()
        user, addr = self._keys(username, address)
        return self._recent(user, now) >= self.per_user or self._recent(addr, now) >= self.per_address

    def attempt(self, username: str, address: Optional[str]) -> float:
        """Counts an attempt as a failure until `succeeded` says otherwise; returns its mark."""
        now = time.monotonic()
        for key in self._keys(username, address):
            self._failures[key].append(now)
        return now

    def succeeded(self, username: str, address: Optional[str] = None, mark: Optional[float] = None) -> None:
        user, addr = self._keys(username, address)
        self._failures.pop(user, None)
        q = self._failures.get(addr)
        if q is not None and mark is not None:
            try:
                q.remove(mark)  # this attempt was not a failure after all
            except ValueError:
                pass  # already out of the window
            if not q:
                del self._failures[addr]


@lru_cache(maxsize=8)
def proxy_networks(proxies: Tuple[str, ...]) -> Tuple[Any, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _ip(value: str) -> Optional[Any]:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def client_address(request: web.Request, trusted_proxies: Tuple[str, ...]) -> Optional[str]:
    """The sign-in's client address: the TCP peer, unless the peer is one of our trusted
    proxies (CASEDESK_TRUSTED_PROXIES); then the nearest X-Forwarded-For entry that is not a
    trusted proxy. Anyone else's X-Forwarded-For is ignored: a client could write anything there.
    """
    peer = request.remote
    networks = proxy_networks(tuple(trusted_proxies))
    peer_ip = _ip(peer or "")
    if not networks or peer_ip is None or not any(peer_ip in n for n in networks):
        return peer
    hops = [h for header in request.headers.getall("X-Forwarded-For", []) for h in header.split(",")]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            break  # a malformed entry: nothing left of it can be trusted
        if not any(ip in n for n in networks):
            return str(ip)
    return peer
