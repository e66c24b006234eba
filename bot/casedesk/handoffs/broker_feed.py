"""What customers wrote during open handoffs, pushed by Rasa's event broker through RabbitMQ
(the production source; handoffs/event_feed.py reads the tracker store's table instead).

Rasa publishes every event it stores (bot/event_broker.py: sealed with TRACKER_SECRET_KEY) to
a durable queue. This feed consumes that queue in the background and hands each sync pass the
customer messages that arrived since the previous one: the pass costs nothing while nobody
writes, however many handoffs are open.

Delivery is at least once, copying is idempotent:
- A message is acknowledged only after the pass that received it has copied it (`copied`).
  A desk that dies before that leaves it in the queue, and RabbitMQ hands it out again.
- Copying twice is harmless: the (case_id, turn_key) constraint and each handoff's
  `synced_until` mark (service.py). Several desks can share the queue; each copies what it
  receives.
- A message whose handoff the desk does not know yet is dropped: the handoff's tracker is
  fetched when it arrives (below).

What the queue cannot tell is filled from Rasa's HTTP API (each open handoff's tracker):
- a handoff new to the feed, once: what its customer wrote before the desk heard of it;
- while RabbitMQ cannot be reached;
- on the first pass after each (re)connection: the queue holds what was published while the
  desk was away, but not what Rasa could not publish meanwhile;
- every CATCH_UP_SECONDS: an event Rasa stored but did not publish (a Rasa killed between its
  commit and its publish).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Set

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from cryptography.fernet import MultiFernet

from bot.casedesk.handoffs.event_feed import synced_mark
from bot.event_broker import open_event
from bot.trainer.tracker_store import TrackerKeyError, event_cipher

log = logging.getLogger(__name__)

# Rasa's PikaEventBroker publishes to this fanout exchange (declared with its defaults)
EXCHANGE = "rasa-exchange"
# unacknowledged messages RabbitMQ hands this desk at most: a pass takes them all
PREFETCH = 2000
# how often the open handoffs' trackers are fetched all the same (see the module's docstring)
CATCH_UP_SECONDS = 300.0
RETRY_SECONDS = 5.0


class BrokerFeed:
    def __init__(
        self, url: str, queue: str, secret_key: Optional[str] = None, exchange: str = EXCHANGE,
        catch_up_seconds: float = CATCH_UP_SECONDS, monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._queue_name = queue
        self._exchange_name = exchange
        self._secret_key = secret_key
        self._catch_up_seconds = catch_up_seconds
        self._monotonic = monotonic
        self._cipher: Optional[MultiFernet] = None
        self._connection: Optional[AbstractRobustConnection] = None
        self._task: Optional[asyncio.Task] = None
        self._arrived: List[AbstractIncomingMessage] = []
        self._taken: List[AbstractIncomingMessage] = []
        self._ready = False          # consuming now
        self._catch_up = True        # the next pass fetches trackers
        self._last_catch_up = 0.0
        self._failing: Optional[str] = None
        self._closing = False
        # the highest handoff id a pass has seen (service.sync_once), the open handoffs of the
        # last pass, and those new to this one: the queue holds nothing from before a handoff
        # reached the desk (the bot files it through its outbox, later if the desk was down), so
        # a new handoff's tracker is fetched once
        self.newest_handoff = 0
        self._seen: Set[int] = set()
        self.unseen: List[Any] = []

    # -- connection ----------------------------------------------------------------------

    def start(self) -> None:
        """Connects in the background, retrying until RabbitMQ answers; meanwhile the passes
        fetch trackers."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="casedesk-broker-feed")

    async def connected(self) -> bool:
        """True once consuming (tests wait on it)."""
        return self._ready

    async def _run(self) -> None:
        while True:
            try:
                self._cipher = event_cipher(self._secret_key)
                connection = await aio_pika.connect_robust(self._url, reconnect_interval=RETRY_SECONDS)
                self._connection = connection
                connection.close_callbacks.add(self._lost)
                connection.reconnect_callbacks.add(self._back)
                channel = await connection.channel()
                await channel.set_qos(prefetch_count=PREFETCH)
                # the same declarations as Rasa's broker, so either may start first
                exchange = await channel.declare_exchange(self._exchange_name, type=aio_pika.ExchangeType.FANOUT)
                queue = await channel.declare_queue(self._queue_name, durable=True)
                await queue.bind(exchange, "")
                await queue.consume(self._arrive)
                self._back()
                return
            except asyncio.CancelledError:
                raise
            except TrackerKeyError as exc:
                self._trouble("TrackerKeyError", str(exc))
                return  # no key, no reading: the passes fetch trackers for good
            except Exception as exc:  # RabbitMQ down or refusing: keep trying
                self._trouble(type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "")
                if self._connection is not None:
                    await asyncio.gather(self._connection.close(), return_exceptions=True)
                    self._connection = None
                await asyncio.sleep(RETRY_SECONDS)

    def _lost(self, *_: Any) -> None:
        self._ready = False
        # delivered but unacknowledged messages go back to the queue with the channel
        self._arrived.clear()
        self._taken.clear()
        if not self._closing:
            self._trouble("ConnectionClosed", "RabbitMQ connection lost")

    def _back(self, *_: Any) -> None:
        self._ready = True
        self._catch_up = True
        if self._failing is not None:
            log.info("handoff sync: consuming Rasa's events from RabbitMQ again")
            self._failing = None

    def _trouble(self, kind: str, detail: str) -> None:
        if self._failing != kind:
            # the detail names a host, a key or a queue; never conversation text
            log.warning("handoff sync: Rasa's events not readable from RabbitMQ (%s: %s); fetching trackers instead",
                        kind, detail)
            self._failing = kind

    async def _arrive(self, message: AbstractIncomingMessage) -> None:
        self._arrived.append(message)

    # -- the sync pass's interface (the same as EventFeed's) -----------------------------

    async def quiet(self) -> bool:
        """True when nothing arrived since the last pass and no catch-up is due. Otherwise the
        messages that arrived are taken for this pass, before it reads the open handoffs."""
        if not self._ready or self._catch_up or self._due():
            return False
        self._taken += self._arrived
        self._arrived = []
        return not self._taken

    def _due(self) -> bool:
        return self._monotonic() - self._last_catch_up >= self._catch_up_seconds

    async def customer_messages(self, handoffs: Sequence[Any]) -> Optional[Dict[str, List[Dict[str, Any]]]]:
        """The taken messages that are customer messages of these open handoffs, newer than
        their marks, by conversation id; None when the trackers are to be fetched instead."""
        if not self._ready or self._catch_up or self._due():
            self._catch_up = False
            self._last_catch_up = self._monotonic()
            self._seen, self.unseen = {h.id for h in handoffs}, []
            # the messages already received stay for the next pass: they are copied twice at
            # worst, which copying allows
            return None
        self.unseen = [h for h in handoffs if h.id not in self._seen]
        self._seen = {h.id for h in handoffs}
        marks: Dict[str, float] = {}
        for h in handoffs:
            mark = synced_mark(h)
            marks[h.conversation_id] = min(mark, marks.get(h.conversation_id, mark))
        found: Dict[str, List[Dict[str, Any]]] = {}
        for message in self._taken:
            try:
                head = json.loads(message.body)
                if not isinstance(head, dict) or head.get("event") != "user":
                    continue
                sender = str(head.get("sender_id"))
                if sender not in marks or float(head.get("timestamp") or 0) <= marks[sender]:
                    continue
                event = open_event(self._cipher, head)
            except (ValueError, TypeError, TrackerKeyError) as exc:
                # unreadable: dropped with a line that names the problem, not the content
                self._trouble(type(exc).__name__, "a message that is not a readable Rasa event")
                continue
            if isinstance(event.get("text"), str) and event.get("timestamp") is not None:
                found.setdefault(sender, []).append(event)
        return found

    async def copied(self) -> None:
        """The pass has copied what it took: acknowledged, RabbitMQ forgets it."""
        taken, self._taken = self._taken, []
        for message in taken:
            try:
                await message.ack()
            except Exception:  # the channel closed meanwhile: RabbitMQ hands it out again
                pass

    async def dispose(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._connection is not None:
            await asyncio.gather(self._connection.close(), return_exceptions=True)
        self._ready = False
