"""What one handoff sync pass costs the case desk with 0, 200 and 2,000 open handoffs (issue 17).

Usage: .venv/bin/python bench/handoff_sync_bench.py [--open 0,200,2000] [--passes 20] [--json out.json]

For each count, a fresh SQLite case desk (the app of `bot/casedesk/app.py`, loop off) gets that
many open handoffs through its own API, and a SQLite tracker store gets each conversation's events
the way the bot's store writes them (encrypted data, 12 events a conversation, 5 of them customer
messages before the handoff). Then the passes run as the loop runs them:

  events   handoffs/event_feed.py: what Rasa's tracker store added since the last pass
           (the default, CASEDESK_HANDOFF_SYNC_SOURCE=events);
  tracker  each open handoff's tracker fetched over HTTP (CASEDESK_HANDOFF_SYNC_SOURCE=tracker),
           here from an in-process stand-in serving the same events: the desk's side only. Rasa's
           own side of each fetch (loading and serialising a tracker) comes on top; the issue
           measured Rasa at 47% of a core with 198 open handoffs.

Printed per count: CPU seconds of this process per idle pass (no customer typing), the share of
a core that is at the loop's 0.5 s interval, and one pass with a new message on one handoff.
Figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TRACKER_SECRET_KEY", Fernet.generate_key().decode())
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from sqlalchemy import create_engine, insert  # noqa: E402

from bot.casedesk.app import init_app  # noqa: E402
from bot.casedesk.db import DB_KEY  # noqa: E402
from bot.casedesk.handoffs import service as handoffs  # noqa: E402
from bot.casedesk.handoffs.event_feed import EventFeed  # noqa: E402
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY  # noqa: E402
from bot.casedesk.settings import Settings  # noqa: E402
from bot.trainer.tracker_store import EVENTS, encrypt_data, event_cipher  # noqa: E402
from tests.casedesk.rasa_fake import FakeRasa  # noqa: E402

TOKEN = "bench-token-" + "x" * 24
INTERVAL = 0.5


def _rows(conversation: str, start: float, cipher: Any) -> List[Dict[str, Any]]:
    rows = []
    for i in range(12):
        kind = "user" if i % 2 == 0 and i < 10 else "bot"
        event = {"event": kind, "text": f"第{i}句", "timestamp": start - 100 + i}
        rows.append({"sender_id": conversation, "type_name": kind, "timestamp": event["timestamp"],
                     "data": encrypt_data(cipher, json.dumps(event))})
    return rows


async def _one_count(n: int, passes: int, workdir: Path) -> Dict[str, Any]:
    tracker_url = f"sqlite:///{workdir}/tracker-{n}.db"
    settings = Settings(token=TOKEN, secret_key="bench-secret-" + "y" * 24,
                        db_url=f"sqlite+aiosqlite:///{workdir}/desk-{n}.db", handoff_sync_seconds=0,
                        tracker_db_url=tracker_url)
    rasa = await FakeRasa().start()
    settings = Settings(**{**settings.__dict__, "rasa_url": rasa.url, "rasa_token": rasa.token})
    cipher = event_cipher()
    engine = create_engine(tracker_url)
    EVENTS.metadata.create_all(engine)
    out: Dict[str, Any] = {"open": n}
    try:
        async with TestClient(TestServer(init_app(settings), host="127.0.0.1")) as client:
            conversations = [f"bench-{uuid.uuid4().hex[:12]}" for _ in range(n)]
            for conv in conversations:
                resp = await client.post("/api/handoffs", headers={"Authorization": f"Bearer {TOKEN}"}, json={
                    "conversation_id": conv, "request_id": uuid.uuid4().hex, "channel": "web",
                    "reason": "human", "signals": [], "case": {"description": "卡被多扣了年费"}})
                assert resp.status == 201, await resp.text()
            now = time.time()
            rows = [r for conv in conversations for r in _rows(conv, now, cipher)]
            with engine.begin() as conn:
                if rows:
                    conn.execute(insert(EVENTS), rows)
            for conv in conversations:
                rasa.events[conv] = [json.loads(cipher.decrypt(r["data"].encode()).decode())
                                     for r in _rows(conv, now, cipher)]
            db, bridge = client.app[DB_KEY], client.app[RASA_KEY]
            feed = EventFeed(tracker_url)
            try:
                for source, f in (("events", feed), ("tracker", None)):
                    await handoffs.sync_once(db, bridge, f)  # warm: the first pass reads everything once
                    rasa.requests.clear()
                    cpu = time.process_time()
                    for _ in range(passes):
                        await handoffs.sync_once(db, bridge, f)
                    per_pass = (time.process_time() - cpu) / passes
                    out[source] = {"cpu_ms_per_idle_pass": round(per_pass * 1000, 2),
                                   "core_share_at_0.5s": f"{per_pass / INTERVAL:.1%}",
                                   "tracker_fetches_per_pass": len(rasa.calls("/tracker")) // passes}
                if conversations:
                    event = {"event": "user", "text": "有人吗", "timestamp": time.time()}
                    with engine.begin() as conn:
                        conn.execute(insert(EVENTS), [{"sender_id": conversations[0], "type_name": "user",
                                                       "timestamp": event["timestamp"],
                                                       "data": encrypt_data(cipher, json.dumps(event))}])
                    cpu = time.process_time()
                    copied = await handoffs.sync_once(db, bridge, feed)
                    out["events"]["cpu_ms_one_new_message"] = round((time.process_time() - cpu) * 1000, 2)
                    out["events"]["copied"] = copied
            finally:
                await feed.dispose()
    finally:
        engine.dispose()
        await rasa.stop()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", default="0,200,2000")
    parser.add_argument("--passes", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.open.split(",")):
            print(f"… {n} open handoffs", flush=True)
            results.append(await _one_count(n, args.passes, Path(tmp)))
            r = results[-1]
            line = f"{n:>5} open: events {r['events']['cpu_ms_per_idle_pass']} ms/pass ({r['events']['core_share_at_0.5s']} of a core)"
            line += f", tracker fetch {r['tracker']['cpu_ms_per_idle_pass']} ms/pass ({r['tracker']['core_share_at_0.5s']}, "
            line += f"{r['tracker']['tracker_fetches_per_pass']} fetches; Rasa's side not counted)"
            if "cpu_ms_one_new_message" in r["events"]:
                line += f"; a new message: {r['events']['cpu_ms_one_new_message']} ms, {r['events']['copied']} copied"
            print(line, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main())
