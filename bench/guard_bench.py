"""What a stranger's input does to the service: fuzzing the channels, and one huge message.

Usage: .venv/bin/python bench/guard_bench.py [--fuzz 5000] [--socketio 500] [--setup embedded|production]
                                             [--seed 18]

Starts the real stack (tests/stack.py, the newest model in models/) and reports:

1. REST fuzz: --fuzz random bodies (hypothesis strategies of tests/e2e/test_input_guard_e2e.py:
   any JSON, any Unicode, lone surrogates and NULs in the sender and the message), in batches of
   500; after each batch a normal customer must still be answered. Prints the status counts,
   5xx (must be 0) and whether Rasa stayed up.
2. socket.io fuzz: --socketio random sessions (session ids and message payloads of any shape).
3. One 50,000-character message (the attack run's took 28.6 s for 20,000 characters, 87.7 s
   for 40,000, and another customer's "你好" waited 30.8 s behind it): its reply time, and a
   second customer's p95 over 40 messages alone and while the huge messages are being sent
   (a thread sends one after another for the whole run).

Figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import seed as hseed  # noqa: E402

from tests.e2e import test_input_guard_e2e as cases  # noqa: E402
from tests.stack import Stack  # noqa: E402

SETUPS = {
    "embedded": lambda: {},
    "production": lambda: {
        "CASEDESK_DB_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        "CASEDESK_DB_SCHEMA": f"bench_{uuid.uuid4().hex[:8]}",
        "TRACKER_DB_URL": "postgresql://postgres@127.0.0.1:5432/test",
        "LOCK_STORE_TYPE": "redis", "SANIC_WORKERS": "2",
    },
}


def p95(values):
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def rest_fuzz(stack: Stack, total: int, seed: int) -> None:
    statuses: Counter = Counter()
    batches, served = 0, 0
    batch = min(500, total)
    for start in range(0, total, batch):
        @hseed(seed + start)
        @settings(max_examples=min(batch, total - start), deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(body=cases._bodies)
        def one(body):
            r = cases.post(stack, None, raw=json.dumps(body).encode())
            statuses[r.status_code] += 1

        one()
        batches += 1
        if stack.procs["rasa"].poll() is None and stack.say(stack.new_sender("ok"), "你好"):
            served += 1
        print(f"  REST 模糊测试：{min(start + batch, total)}/{total}，状态 {dict(statuses)}", flush=True)
    five = sum(n for s, n in statuses.items() if s >= 500)
    print(f"REST fuzz: {sum(statuses.values())} inputs, statuses {dict(sorted(statuses.items()))}, "
          f"5xx {five}, normal customer answered after {served}/{batches} batches, "
          f"Rasa up: {stack.procs['rasa'].poll() is None}")


def socketio_fuzz(stack: Stack, total: int, seed: int) -> None:
    from hypothesis import strategies as st

    payloads = st.lists(st.one_of(
        st.fixed_dictionaries({"message": st.one_of(cases._texts, cases._values),
                               "session_id": st.one_of(cases._texts, cases._values)}),
        cases._values), min_size=1, max_size=5)
    count = Counter()

    @hseed(seed)
    @settings(max_examples=total, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(session_id=st.one_of(cases._texts, cases._values), messages=payloads)
    def one(session_id, messages):
        asyncio.run(cases._socket_session(stack, session_id, messages, wait_for_reply=False))
        count["sessions"] += 1

    one()
    _, replies = asyncio.run(cases._socket_session(
        stack, uuid.uuid4().hex, [lambda sid: {"message": "你好", "session_id": sid}], wait_for_reply=True))
    print(f"socket.io fuzz: {count['sessions']} sessions, Rasa up: {stack.procs['rasa'].poll() is None}, "
          f"a normal web customer answered: {bool(replies)}")


def huge_message(stack: Stack) -> None:
    def customer_p95(n=40):
        sender, times = stack.new_sender("p95"), []
        for i in range(n):
            t0 = time.perf_counter()
            stack.say(sender, "你好" if i % 2 == 0 else "我想问一下信用卡的事")
            times.append((time.perf_counter() - t0) * 1000)
        return p95(times), statistics.median(times)

    alone = customer_p95()
    huge = "我要投诉" * 12_500
    t0 = time.perf_counter()
    r = cases.post(stack, {"sender": stack.new_sender("huge"), "message": huge}, timeout=120)
    first = time.perf_counter() - t0
    stop, sent, huge_times = threading.Event(), [0], []

    def attacker():
        while not stop.is_set():
            t = time.perf_counter()
            cases.post(stack, {"sender": stack.new_sender("huge"), "message": huge}, timeout=120)
            huge_times.append(time.perf_counter() - t)
            sent[0] += 1

    thread = threading.Thread(target=attacker, daemon=True)
    thread.start()
    try:
        during = customer_p95()
    finally:
        stop.set()
        thread.join(timeout=130)
    print(f"50,000-character message: {r.status_code}, reply in {first * 1000:.0f} ms "
          f"(max over {sent[0]} more sent during the next step: {max(huge_times) * 1000:.0f} ms); "
          f"reply: {r.json()[0]['text'][:20]}…")
    print(f"second customer, 40 messages: alone p95 {alone[0]:.0f} ms (p50 {alone[1]:.0f}); "
          f"while 50,000-character messages are sent back to back p95 {during[0]:.0f} ms (p50 {during[1]:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=5000)
    parser.add_argument("--socketio", type=int, default=500)
    parser.add_argument("--setup", choices=list(SETUPS), default="embedded")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp), **SETUPS[args.setup]())
        print(f"==> 启动 {args.setup} 栈（加载模型约需 1 分钟）", flush=True)
        stack.start_all()
        try:
            stack.say("warm", "你好")
            huge_message(stack)
            rest_fuzz(stack, args.fuzz, args.seed)
            socketio_fuzz(stack, args.socketio, args.seed)
        finally:
            stack.stop_all()
            stack.drop_casedesk_schema()


if __name__ == "__main__":
    main()
