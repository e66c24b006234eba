"""`/console/events`: server-sent events that keep the queue and a workspace current.

The stream polls the database (every POLL_S) rather than listening to other requests, so
it works the same with several case-desk instances behind a load balancer and on both
databases. It sends a snapshot only when it changed, a comment line as a heartbeat (proxies
close idle connections), and stops when the client goes, the session ends, or the app stops.

    GET /console/events                      → event: queue   {"items": [...], "now": ...,
                                                 "waiting": N, "limits_text": "等待时限：…"}
                                               event: team    {"agents": [...]}  (after the first
                                                 snapshot, then every RECHECK_S)
    GET /console/events?handoff=ID&after=N   → event: handoff {...state}
                                               event: turns   {"turns": [...]}  (id: last turn id)
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from aiohttp import web

from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.db import DB_KEY, Database
from bot.casedesk.handoffs.views import MAX_ID
from bot.casedesk.handoffs import assignment
from bot.casedesk.console import live
from bot.casedesk.cases.access import hidden_branch
from bot.casedesk.console.auth import COOKIE_NAME, Identity, load_session
from bot.casedesk.console.guards import require_case_worker

log = logging.getLogger(__name__)

POLL_S = 0.5
HEARTBEAT_S = 15.0
TURN_LOOKBACK = 20
# a logout, an expired session or a disabled account ends open streams within this time
RECHECK_S = 10.0

STREAMS_KEY: web.AppKey[Set[Stream]] = web.AppKey("casedesk_console_streams", set)


class QueueSnapshots:
    """The queue as the process's streams send it: computed once per POLL_S for each view (head
    office, or a branch that confidential cases are hidden from) and shared by every stream of
    that view. Each stream polling on its own made 50 agents watching 500 waiting handoffs cost
    100 queue queries a second, and a new handoff took over 2 s to reach them all
    (bench/console_case_list_bench.py). The lock keeps streams that wake together from all
    asking at once; the database stays the only source, so several desk processes still agree."""

    def __init__(self) -> None:
        self._taken: Dict[Optional[str], Tuple[float, datetime, List[Dict[str, Any]], int]] = {}
        self._locks: Dict[Optional[str], asyncio.Lock] = {}

    async def get(self, db: Database, branch: Optional[str], clock: Callable[[], datetime]
                  ) -> Tuple[datetime, List[Dict[str, Any]], int]:
        lock = self._locks.setdefault(branch, asyncio.Lock())
        async with lock:
            taken = self._taken.get(branch)
            if taken is None or time.monotonic() - taken[0] >= POLL_S:
                now = clock()
                # rows say whether they waited too long as of `now` (console/alerts.py)
                items = await live.queue(db, branch, now)
                taken = (time.monotonic(), now, items, await live.waiting_count(db, branch, items))
                self._taken[branch] = taken
        return taken[1], taken[2], taken[3]


SNAPSHOTS_KEY: web.AppKey[QueueSnapshots] = web.AppKey("casedesk_console_queue_snapshots", QueueSnapshots)


def _event(name: str, data: Any, event_id: Optional[int] = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    # json.dumps never emits a raw newline, so one data: line carries the whole payload
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode("utf-8")


def _int(raw: Optional[str], default: int = 0) -> int:
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) > MAX_ID:
        return default
    return int(raw)


class _Gone(Exception):
    """The client disconnected, or the session/handoff is no longer there for this user."""


class Stream:
    def __init__(self, request: web.Request, me: Identity) -> None:
        self.request = request
        self.me = me
        self.db = request.app[DB_KEY]
        self.clock = request.app[SETTINGS_KEY].clock
        self.branch = hidden_branch(me)
        self.response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                # nginx would otherwise hold events back in its buffer
                "X-Accel-Buffering": "no",
            }
        )
        self.stopping = asyncio.Event()
        self._last: Optional[str] = None
        self._last_state: Optional[str] = None
        self._sent_turns: Set[int] = set()
        self._page_had: Optional[int] = None

    async def send(self, chunk: bytes) -> None:
        transport = self.request.transport
        if transport is None or transport.is_closing():
            raise _Gone()
        try:
            await self.response.write(chunk)
        except (ConnectionResetError, RuntimeError):
            raise _Gone()

    async def seen(self) -> None:
        """An open console page is what makes an agent count as there (assignment.py)."""
        if self.me.takes_assignments:
            await assignment.seen(self.db, self.me.user_id, self.clock())

    async def team_tick(self) -> None:
        """The team's presence and load (the queue page's 坐席状态), after the queue snapshot so
        the queue stays the stream's first event."""
        await self.send(_event("team", {"agents": await live.team(self.db, self.clock())}))

    def client_gone(self) -> bool:
        transport = self.request.transport
        return transport is None or transport.is_closing()

    async def queue_tick(self) -> None:
        # the snapshot changes, and is sent, on the tick a handoff crosses its wait limit
        now, items, waiting = await self.request.app[SNAPSHOTS_KEY].get(self.db, self.branch, self.clock)
        fingerprint = json.dumps([items, waiting], sort_keys=True)
        if fingerprint != self._last:
            self._last = fingerprint
            await self.send(_event("queue", {
                "items": items, "now": live.server_now(now), "waiting": waiting,
                "limits_text": live.limits_text(self.db),
            }))

    async def handoff_tick(self, handoff_id: int, cursor: list) -> None:
        found = await live.handoff_with_case(self.db, handoff_id, self.branch)
        if found is None:
            raise _Gone()
        handoff, case = found
        state = live.handoff_state(handoff, case, await live.display_name(self.db, handoff.claimed_by))
        fingerprint = json.dumps(state, sort_keys=True)
        if fingerprint != self._last_state:
            self._last_state = fingerprint
            await self.send(_event("handoff", state))
        # Ids are handed out at insert but seen at commit: on PostgreSQL a turn with a lower id
        # (a sync pass) can become visible after one with a higher id (an agent's reply). Look
        # back a few ids each time and send only what this stream has not sent yet.
        recent = await live.turns(self.db, case.id, max(0, cursor[0] - TURN_LOOKBACK))
        if self._page_had is not None:
            # first look: what the page was rendered with (ids up to `after`) is not news
            self._sent_turns.update(t["id"] for t in recent if t["id"] <= self._page_had)
            self._page_had = None
        new = [t for t in recent if t["id"] not in self._sent_turns]
        if new:
            self._sent_turns.update(t["id"] for t in new)
            cursor[0] = max(cursor[0], max(t["id"] for t in new))
            await self.send(_event("turns", {"turns": new}, event_id=cursor[0]))

    async def run(self) -> web.StreamResponse:
        query = self.request.query
        handoff_id = _int(query.get("handoff"), default=-1)
        # EventSource resends the last id it saw when it reconnects: resume from there
        cursor = [_int(self.request.headers.get("Last-Event-ID"), _int(query.get("after")))]
        self._page_had = cursor[0]
        await self.response.prepare(self.request)
        await self.send(b"retry: 2000\n\n")
        await self.seen()
        last_beat = last_check = time.monotonic()
        team_due = True
        try:
            while not self.stopping.is_set() and not self.client_gone():
                if handoff_id >= 0:
                    await self.handoff_tick(handoff_id, cursor)
                else:
                    await self.queue_tick()
                    if team_due:
                        team_due = False
                        await self.team_tick()
                now = time.monotonic()
                if now - last_beat >= HEARTBEAT_S:
                    last_beat = now
                    await self.send(b": ping\n\n")
                if now - last_check >= RECHECK_S:
                    last_check = now
                    token = self.request.cookies.get(COOKIE_NAME)
                    if await load_session(self.db, token, self.clock()) is None:
                        await self.send(_event("logout", {}))
                        break
                    await self.seen()
                    team_due = True
                try:
                    await asyncio.wait_for(self.stopping.wait(), timeout=POLL_S)
                except asyncio.TimeoutError:
                    pass
        except _Gone:
            pass
        return self.response


async def stream(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    handoff_id = _int(request.query.get("handoff"), default=-1)
    if handoff_id >= 0 and await live.handoff_with_case(
        request.app[DB_KEY], handoff_id, hidden_branch(me)
    ) is None:
        # unknown and hidden look the same; a 404 also stops EventSource from reconnecting
        raise web.HTTPNotFound()
    s = Stream(request, me)
    streams: Set[Stream] = request.app[STREAMS_KEY]
    streams.add(s)
    try:
        return await s.run()
    finally:
        streams.discard(s)


async def stop_streams(app: web.Application) -> None:
    """on_shutdown: open streams end now instead of holding the shutdown for its timeout."""
    streams = app[STREAMS_KEY]  # bound first: inside list(...) mypy infers the wrong key type
    for s in list(streams):
        s.stopping.set()
