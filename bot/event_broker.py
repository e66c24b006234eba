"""Rasa's RabbitMQ event broker, with each event's content sealed like the tracker store's rows.

endpoints.yml names this class as `event_broker`. With RABBITMQ_URL empty (the embedded
default) `from_endpoint_config` returns None and Rasa runs without a broker. With a URL, Rasa
publishes every event it stores to the `rasa-exchange` fanout exchange and the queues listed
(`RABBITMQ_QUEUE`, rasa_events). The case desk consumes them to copy what customers write
during a handoff (bot/casedesk/handoffs/broker_feed.py, issue 17).

Why a subclass of Rasa's `PikaEventBroker` rather than `type: pika`:
- **Privacy.** Rasa publishes each event as plain JSON, so every customer message (names,
  phones, card numbers) would sit readable in RabbitMQ's queue files and in anything that
  reads the queue. Here the message keeps in clear only what routes it (sender_id, event type,
  timestamp); the event itself is Fernet-encrypted with TRACKER_SECRET_KEY, exactly as the
  tracker store's `data` column (bot/trainer/tracker_store.py), and the desk opens it with the
  same key.
- **No event dropped before the connection.** Rasa's `_publish` silently drops events while
  the exchange is not yet declared. Here they wait in Rasa's own unpublished queue and go out
  once connected.
- **One URL.** Rasa's broker wants host, user and password apart; RABBITMQ_URL carries them
  all (amqp://user:password@host:port/vhost), as the desk's consumer reads it.
"""
from __future__ import annotations

import json
from asyncio import AbstractEventLoop
from typing import Any, Dict, Optional, Text
from urllib.parse import unquote, urlsplit

from cryptography.fernet import MultiFernet
from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.trainer.tracker_store import decrypt_data, encrypt_data, event_cipher

# the fields a consumer needs to route an event without opening it
ROUTING_FIELDS = ("sender_id", "event", "timestamp")


def seal_event(cipher: MultiFernet, event: Dict[Text, Any]) -> Dict[Text, Any]:
    """A published event: routing fields in clear, the whole event encrypted in `data`."""
    sealed = {k: event.get(k) for k in ROUTING_FIELDS}
    sealed["data"] = encrypt_data(cipher, json.dumps(event))
    return sealed


def open_event(cipher: Optional[MultiFernet], message: Dict[Text, Any]) -> Dict[Text, Any]:
    """The event a sealed message carries; a message published in clear (Rasa's own `pika`
    broker) as it is. Raises TrackerKeyError when the key does not open it."""
    if set(message) != {*ROUTING_FIELDS, "data"}:
        return message
    event = json.loads(decrypt_data(cipher, str(message["data"])))
    if not isinstance(event, dict):
        raise ValueError("a sealed event holds no JSON object")
    return event


class SealedPikaEventBroker(PikaEventBroker):
    def __init__(self, host: Text, *args: Any, secret_key: Optional[Text] = None, **kwargs: Any) -> None:
        # no key, no start: never publish conversations in clear
        self._cipher = event_cipher(secret_key)
        super().__init__(host, *args, **kwargs)

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: Optional[EndpointConfig], event_loop: Optional[AbstractEventLoop] = None
    ) -> Optional["SealedPikaEventBroker"]:
        if broker_config is None or not (broker_config.url or "").strip():
            return None
        url = broker_config.url.strip()
        parts = urlsplit(url)
        kwargs = dict(broker_config.kwargs)
        kwargs.setdefault("username", unquote(parts.username or "guest"))
        kwargs.setdefault("password", unquote(parts.password or "guest"))
        kwargs.setdefault("port", parts.port or 5672)
        # a value from the environment arrives as one string: "a,b" names two queues
        queues = kwargs.get("queues")
        if isinstance(queues, str):
            kwargs["queues"] = [q.strip() for q in queues.split(",") if q.strip()]
        broker = cls(url, event_loop=event_loop, **kwargs)
        await broker.connect()
        return broker

    def publish(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None) -> None:
        super().publish(seal_event(self._cipher, event), headers)

    async def _publish(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None) -> None:
        if self._exchange is None:
            # Rasa's returns here and the event is gone; kept, it goes out once connected
            self._unpublished_events.append(event)
            return
        await super()._publish(event, headers)

    async def connect(self) -> None:
        await super().connect()
        self._publish_unpublished_messages()

    def _publish_unpublished_messages(self, *_: Any, **__: Any) -> None:
        # the kept events are sealed already: publish them as they are
        while self._unpublished_events:
            event = self._unpublished_events.popleft()
            PikaEventBroker.publish(self, event)
