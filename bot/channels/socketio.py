"""Rasa's socket.io channel (the web chat at /chat) behind the input guard.

Rasa's own handlers take the conversation id from each message's ``session_id``, whatever it
is: a socket.io client could write into any conversation whose id it knew (a WeChat OpenID, a
REST id) and a lone surrogate or NUL in it stopped the process. Here a session id is only ever
a UUID, as rasa-webchat's are (Rasa makes ``uuid4().hex`` for a new session): a
``session_request`` with anything else gets a new one, and a message with anything else is
dropped. Text goes through the same guard as every channel (bot/channels/guard.py).
"""
from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels import guard

log = logging.getLogger(__name__)


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def _metadata(self, data: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        metadata = data.get(self.metadata_key)
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                metadata = None
        return guard.clean_metadata(metadata)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None

        # registered after Rasa's: python-socketio keeps one handler per event and namespace
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not guard.valid_sender("socketio", session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            sender_id = data.get("session_id") if self.session_persistence else sid
            if self.session_persistence and not guard.valid_sender("socketio", sender_id):
                log.warning("socketio: message with an invalid session id dropped")
                return
            message = UserMessage(
                data.get("message", ""),
                SocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                metadata=self._metadata(data),
            )
            # without persistence the id is the socket's own sid, which the server made
            await guard.guarded(on_new_message, message, "socketio", check_sender=self.session_persistence)

        return bp
