"""How fast the trainer pages answer with a busy week in Rasa's tracker store.

Builds a SQLite tracker store the way Rasa does (its own SQLTrackerStore creates the table), fills
it with N conversations of 8 customer messages each over the last 7 days (plus bot and action
events, some handoffs, some low-confidence messages), runs the real case desk app in process and
times each trainer page as a signed-in trainer. Prints p50 / p95 per page; nothing is asserted.

    .venv/bin/python bench/trainer_bench.py [--conversations 2000] [--repeat 10]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.latency_bench import percentile  # noqa: E402

INTENTS = ["complain", "inform", "affirm", "deny", "correct", "cancel", "thank", "out_of_scope"]
TEXTS = ["我的卡被吞了", "我叫王建国", "13912345678", "朝阳路支行", "昨天下午", "五千元", "确认", "谢谢"]


def fill(path: Path, conversations: int, now: float) -> int:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))  # creates Rasa's table
    store.engine.dispose()
    rng = random.Random(7)
    rows = []
    for c in range(conversations):
        sender = uuid.uuid4().hex
        channel = rng.choice(["socketio", "rest", "wechat"])
        t = now - rng.uniform(0, 7 * 86400)
        for i in range(8):
            intent = rng.choice(INTENTS)
            confidence = rng.uniform(0.2, 1.0)
            user = {"event": "user", "timestamp": t, "text": TEXTS[i], "input_channel": channel,
                    "message_id": uuid.uuid4().hex,
                    "parse_data": {"text": TEXTS[i], "intent": {"name": intent, "confidence": confidence},
                                   "intent_ranking": [{"name": intent, "confidence": confidence}],
                                   "entities": []}}
            rows.append((sender, "user", t, intent, None, json.dumps(user, ensure_ascii=False)))
            action = {"event": "action", "timestamp": t + 0.1, "name": "intake_form"}
            rows.append((sender, "action", t + 0.1, None, "intake_form", json.dumps(action)))
            bot = {"event": "bot", "timestamp": t + 0.2, "text": "请问您的手机号码是多少？"}
            rows.append((sender, "bot", t + 0.2, None, None, json.dumps(bot, ensure_ascii=False)))
            t += rng.uniform(5, 60)
        if c % 20 == 0:
            slot = {"event": "slot", "timestamp": t, "name": "handoff_reason", "value": "media"}
            rows.append((sender, "slot", t, None, None, json.dumps(slot)))
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                       "VALUES (?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


async def measure(tracker_db: Path, workdir: Path, repeat: int) -> dict:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.casedesk.app import init_app
    from bot.casedesk.settings import Settings
    from tests.console.helpers import Console

    settings = Settings(token="bench-" + uuid.uuid4().hex, secret_key=uuid.uuid4().hex,
                        db_url=f"sqlite+aiosqlite:///{workdir}/casedesk.db",
                        tracker_db_url=f"sqlite:///{tracker_db}", handoff_sync_seconds=0,
                        report_dir=workdir / "report")
    results = {}
    async with TestClient(TestServer(init_app(settings), host="127.0.0.1")) as client:
        console = Console(client)
        await console.user("bench", "trainer")
        await console.login("bench")
        _, page = await console.page("/console/trainer")
        key = re.search(r'data-key="(\d+)"', page).group(1)
        pages = {
            "conversation list, last 7 days": "/console/trainer",
            "list filtered: intent + channel": "/console/trainer?intent=cancel&channel=wechat",
            "list: lowest confidence first": "/console/trainer?order=confidence&max_confidence=0.3",
            "one conversation": f"/console/trainer/conversations/{key}",
            "story export": f"/console/trainer/conversations/{key}/story.yml",
            "NLU inbox (30 days)": "/console/trainer/inbox",
        }
        for name, path in pages.items():
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                resp = await client.get(path)
                await resp.read()
                assert resp.status == 200, (path, resp.status)
                times.append((time.perf_counter() - t0) * 1000)
            results[name] = times
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        tracker_db = workdir / "tracker.db"
        print(f"填充 {args.conversations} 段对话 …", flush=True)
        rows = fill(tracker_db, args.conversations, time.time())
        results = asyncio.run(measure(tracker_db, workdir, args.repeat))
    print(f"\ntracker store: SQLite, {args.conversations} conversations in 7 days, {rows} events")
    print(f"{'page':<36}{'p50 ms':>9}{'p95 ms':>9}")
    for name, times in results.items():
        print(f"{name:<36}{statistics.median(times):>9.0f}{percentile(times, 95):>9.0f}")


if __name__ == "__main__":
    main()
