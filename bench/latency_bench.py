"""Latency and throughput of the assistant over REST, beside a vanilla `rasa init` bot.

Usage: .venv/bin/python bench/latency_bench.py [--conversations 40] [--concurrency 1 20]

Our bot runs as the real stack (case desk + action server + Rasa, cases really filed); the
reference is the bot `rasa init` creates, trained once into var/bench/vanilla. Both are
measured in the same run on the same machine. Figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.dialogue import CASE_NO, topic_of  # noqa: E402
from tests.stack import Stack, free_port  # noqa: E402

VENV = ROOT / ".venv/bin"
OPENINGS = [
    "我的信用卡昨天被盗刷了两千块，我根本没消费过",
    "你们朝阳路支行的柜员态度太差了，我要投诉",
    "手机银行转账扣了我50块手续费，之前没说过要收费",
    "ATM吞卡了，打电话半天没人接",
    "理财产品亏了一万，经理当时说保本，这是误导销售",
]
ANSWERS = {
    "customer_name": "我叫王建国",
    "phone": "13812345678",
    "branch": "朝阳路支行",
    "occurred_at": "昨天下午三点",
    "amount": "五千元",
    "demand": "希望尽快处理",
    "confirm": "确认",
}
VANILLA_SCRIPT = ["hello", "I am feeling sad", "yes", "thanks", "bye"]


# Our stack as `make run` starts it, and as production runs it (docs/design.md "Scale-out"): the
# PostgreSQL tracker store and case desk, the Redis lock store, and two Sanic workers in Rasa.
SETUPS = {
    "embedded": lambda: {},
    "production": lambda: {
        "CASEDESK_DB_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        "CASEDESK_DB_SCHEMA": f"bench_{os.getpid()}",
        "TRACKER_DB_URL": "postgresql://postgres@127.0.0.1:5432/test",
        "LOCK_STORE_TYPE": "redis",
        "SANIC_WORKERS": "2",
    },
}
SETUP_TEXT = {
    "embedded": "SQLite tracker store and case desk, in-memory lock store, 1 Rasa worker",
    "production": "PostgreSQL tracker store and case desk, Redis lock store, 2 Rasa workers",
}


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


async def post(session, url, sender, text, latencies):
    t0 = time.perf_counter()
    async with session.post(url, json={"sender": sender, "message": text}) as r:
        body = await r.json()
    latencies.append((time.perf_counter() - t0) * 1000)
    return [m.get("text", "") for m in body]


async def our_conversation(session, url, sender, n, latencies):
    replies = await post(session, url, sender, OPENINGS[n % len(OPENINGS)], latencies)
    for _ in range(12):
        if CASE_NO.search("\n".join(replies)):
            return True
        topic = topic_of(replies[-1] if replies else "")
        if topic not in ANSWERS:
            return False
        replies = await post(session, url, sender, ANSWERS[topic], latencies)
    return False


async def vanilla_conversation(session, url, sender, n, latencies):
    for text in VANILLA_SCRIPT:
        await post(session, url, sender, text, latencies)
    return True


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes and their children so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    wanted, total = set(pids), 0.0
    for pid, (parent, seconds) in stats.items():
        if pid in wanted or parent in wanted:
            total += seconds
    return total


async def drive(url, conversation, total, concurrency, tag, pids=(), headers=None):
    """Runs `total` conversations, `concurrency` at a time. With `pids`, also the CPU time those
    processes spent per message: steadier than msg/s on a machine shared with other work."""
    cpu_before = cpu_seconds(list(pids))
    latencies: list[float] = []
    sem = asyncio.Semaphore(concurrency)
    ok = 0

    async def one(i):
        nonlocal ok
        async with sem:
            if await conversation(session, url, f"bench-{tag}-{concurrency}-{i}-{os.getpid()}", i, latencies):
                ok += 1

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - t0
    return {
        "messages": len(latencies), "ok": ok, "total": total, "seconds": elapsed,
        "msg_per_s": len(latencies) / elapsed,
        "cpu_ms": 1000 * (cpu_seconds(list(pids)) - cpu_before) / max(1, len(latencies)),
        "p50": statistics.median(latencies), "p95": percentile(latencies, 95),
    }


def vanilla_project(workdir: Path) -> Path:
    project = workdir / "vanilla"
    if not list((project / "models").glob("*.tar.gz")):
        project.mkdir(parents=True, exist_ok=True)
        print("训练参照用的 rasa init 机器人 …", flush=True)
        subprocess.run([str(VENV / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
                       check=True, cwd=project, stdout=subprocess.DEVNULL,
                       env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    return project


def start_vanilla(project: Path, port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(VENV / "rasa"), "run", "--port", str(port), "--model", "models"],
        cwd=project, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=40)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 20])
    ap.add_argument("--setups", nargs="+", default=["embedded", "production"],
                    choices=sorted(SETUPS), help="which set-ups of our stack to measure")
    args = ap.parse_args()
    bench_dir = ROOT / "var/bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    rows = []

    project = vanilla_project(bench_dir)
    port = free_port()
    vanilla = start_vanilla(project, port, bench_dir / "vanilla.log")
    try:
        t0 = time.perf_counter()
        # The vanilla bot runs without --enable-api, so readiness is its REST webhook answering.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if vanilla.poll() is not None:
                raise RuntimeError("vanilla bot exited; see var/bench/vanilla.log")
            try:
                if requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                 json={"sender": "warm", "message": "hi"}, timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        vanilla_load = time.perf_counter() - t0
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        for c in args.concurrency:
            rows.append(("vanilla rasa init", c, asyncio.run(
                drive(url, vanilla_conversation, args.conversations, c, "v", [vanilla.pid]))))
    finally:
        os.killpg(vanilla.pid, 15)
        vanilla.wait()

    loads = {}
    for setup in args.setups:
        with tempfile.TemporaryDirectory() as tmp:
            stack = Stack(Path(tmp), **SETUPS[setup]())
            t0 = time.perf_counter()
            stack.start_all()
            loads[setup] = time.perf_counter() - t0
            try:
                url = f"{stack.rasa_url}/webhooks/rest/webhook"
                for c in args.concurrency:
                    rows.append((f"ours, {setup}", c, asyncio.run(
                        drive(url, our_conversation, args.conversations, c, f"o{setup[0]}",
                              [p.pid for p in stack.procs.values()],
                              headers={"Authorization": f"Bearer {stack.rest_token}"}))))
            finally:
                stack.stop_all()
                stack.drop_casedesk_schema()

    print()
    print("ours: every conversation files a case with the case desk.")
    for setup, text in SETUP_TEXT.items():
        if setup in loads:
            print(f"  {setup}: {text}; load + start {loads[setup]:.1f} s")
    print(f"vanilla rasa init: in-memory tracker, no action server; load + start {vanilla_load:.1f} s")
    print("CPU ms/msg: CPU time of all the bot's processes (ours: Rasa, action server, case desk) "
          "per message")
    print(f"{'bot':<28}{'conc':>5}{'convs ok':>10}{'msgs':>6}{'msg/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
          f"{'CPU ms/msg':>12}")
    for name, c, r in rows:
        print(f"{name:<28}{c:>5}{r['ok']:>5}/{r['total']:<4}{r['messages']:>6}"
              f"{r['msg_per_s']:>8.1f}{r['p50']:>8.0f}{r['p95']:>8.0f}{r['cpu_ms']:>12.1f}")


if __name__ == "__main__":
    main()
