"""A fake of the three Rasa HTTP API calls the handoff bridge makes, on a loopback port.

Stdlib only and in a thread of its own, so the same fake serves the in-process tests and the
browser test's real case-desk process. It records what it was sent and can be told to fail.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List
from urllib.parse import unquote, urlsplit


class FakeRasa:
    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.trackers: Dict[str, List[Dict[str, Any]]] = {}
        self.fail = False
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet test output
                pass

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self, method: str) -> None:
                parts = urlsplit(self.path)
                segs = parts.path.strip("/").split("/")
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null") if length else None
                if len(segs) < 3 or segs[0] != "conversations":
                    return self._answer(404, {})
                cid, tail = unquote(segs[1]), "/".join(segs[2:])
                with fake._lock:
                    fake.calls.append({"method": method, "conversation_id": cid, "path": tail, "query": parts.query, "body": body})
                    if fake.fail and method == "POST":
                        return self._answer(500, {"error": "down"})
                    events = fake.trackers.setdefault(cid, [])
                    if method == "GET" and tail == "tracker":
                        return self._answer(200, {"sender_id": cid, "events": list(events)})
                    if method == "POST" and tail == "tracker/events":
                        events.extend(body if isinstance(body, list) else [body])
                        return self._answer(200, {"sender_id": cid, "events": list(events)})
                    if method == "POST" and tail == "execute":
                        return self._answer(200, {"tracker": {"sender_id": cid}, "messages": []})
                return self._answer(404, {})

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeRasa":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def customer_says(self, conversation_id: str, text: str) -> None:
        """A customer message during the handoff, as Rasa's tracker would hold it."""
        with self._lock:
            self.trackers.setdefault(conversation_id, []).append(
                {"event": "user", "text": text, "timestamp": time.time()}
            )

    def posted(self, conversation_id: str, path: str) -> List[Dict[str, Any]]:
        with self._lock:
            return [c for c in self.calls if c["conversation_id"] == conversation_id and c["path"] == path and c["method"] == "POST"]
