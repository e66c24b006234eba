"""Case desk throughput and latency over HTTP, on SQLite and PostgreSQL.

For each database: start `python -m bot.casedesk` on a loopback port with a fresh database,
seed 10,000 cases through the API (that run gives creates/s under concurrency), then measure
single-client create latency, filtered list latency and audited detail reads. Every loop is
bounded in count and time. Prints a table; figures also go to bench/results/casedesk.json.

    .venv/bin/python bench/casedesk_bench.py [--seed 10000] [--only sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("CASEDESK_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
TOKEN = secrets.token_urlsafe(24)
SECRET = secrets.token_urlsafe(32)
TIME_LIMIT_S = 240  # per phase: the loops stop here even if the count is not reached
SEED_TIME_LIMIT_S = 900

CATEGORIES = ["product_service", "business_operation", "staff_service", "transaction_dispute", "other"]
LINES = ["deposit", "loan", "bank_card", "payment", "cash", "wealth", "personal_info", "other"]
BRANCHES = [f"第{i}支行" for i in range(1, 41)]
LIST_QUERIES = [
    {"status": "new", "category": "transaction_dispute"},
    {"priority": "high"},
    {"overdue": "true"},
    {"repeat": "true"},
    {"group": "true"},
    {"status": "new,acknowledged", "priority": "normal", "limit": "20"},
    {"category": "staff_service", "offset": "200"},
    {},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def payload(rng: random.Random) -> Dict[str, Any]:
    return {
        "conversation_id": f"bench-{uuid.uuid4().hex}",
        "intake_id": str(uuid.uuid4()),
        "channel": rng.choice(["web", "wechat", "rest"]),
        "category": rng.choice(CATEGORIES),
        "business_line": rng.choice(LINES),
        "priority": "high" if rng.random() < 0.1 else "normal",
        "customer_name": rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["建国", "丽", "小明", "海燕"]),
        "phone": f"13{rng.randrange(0, 10**9):09d}" if rng.random() < 0.7 else f"1390000{rng.randrange(0, 3000):04d}",
        "branch": rng.choice(BRANCHES),
        "occurred_at": "2026-11-20",
        "amount": round(rng.uniform(10, 50000), 2),
        "description": "客户反映在网点办理业务时等待时间过长，工作人员态度冷淡，希望银行改进。" * rng.randint(1, 3),
        "demand": "希望得到合理解释",
        "transcript": [
            {"role": "customer", "text": "我要投诉！", "at": "2026-11-22T10:00:00+08:00"},
            {"role": "bot", "text": "非常抱歉给您带来不便，请您慢慢说。", "at": "2026-11-22T10:00:01+08:00"},
        ],
    }


def pct(values: List[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def run_phase(
    count: int, concurrency: int, make: Callable[[int], Awaitable[None]], limit_s: float = TIME_LIMIT_S
) -> Dict[str, float]:
    """`count` calls of make(i) with at most `concurrency` in flight; latencies in ms."""
    latencies: List[float] = []
    next_i = 0
    deadline = time.monotonic() + limit_s

    async def worker() -> None:
        nonlocal next_i
        while next_i < count and time.monotonic() < deadline:
            i = next_i
            next_i += 1
            t0 = time.perf_counter()
            await make(i)
            latencies.append((time.perf_counter() - t0) * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {
        "n": len(latencies),
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
    }


async def bench_backend(name: str, url: str, schema: Optional[str], seed: int) -> Dict[str, Dict[str, float]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEDESK_")}
    env.update(CASEDESK_PORT=str(port), CASEDESK_DB_URL=url, CASEDESK_TOKEN=TOKEN, CASEDESK_SECRET_KEY=SECRET)
    if schema:
        env["CASEDESK_DB_SCHEMA"] = schema
    log = tempfile.NamedTemporaryFile(prefix=f"casedesk-bench-{name}-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "bot.casedesk"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(20261122)
    results: Dict[str, Dict[str, float]] = {}
    try:
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector, headers={"Authorization": f"Bearer {TOKEN}"}) as session:
            for _ in range(300):
                if proc.poll() is not None:
                    raise RuntimeError(f"case desk exited; see {log.name}")
                try:
                    async with session.get(f"{base}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
            else:
                raise RuntimeError("case desk did not start")

            case_nos: List[str] = []

            async def create(_: int) -> None:
                async with session.post(f"{base}/api/cases", json=payload(rng)) as resp:
                    body = await resp.json()
                    if resp.status != 201:
                        raise RuntimeError(f"create failed: {resp.status} {body}")
                    case_nos.append(body["case_no"])

            print(f"  [{name}] seeding {seed} cases …", flush=True)
            results["create (seed, 16 clients)"] = await run_phase(seed, 16, create, SEED_TIME_LIMIT_S)
            results["create (1 client)"] = await run_phase(300, 1, create)

            async def list_(i: int) -> None:
                params = LIST_QUERIES[i % len(LIST_QUERIES)]
                async with session.get(f"{base}/api/cases", params=params) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"list failed: {resp.status}")

            results["list+filters (1 client)"] = await run_phase(400, 1, list_)
            results["list+filters (8 clients)"] = await run_phase(800, 8, list_)

            async def detail(i: int) -> None:
                async with session.get(f"{base}/api/cases/{case_nos[(i * 7919) % len(case_nos)]}") as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"detail failed: {resp.status}")

            results["detail, audited (1 client)"] = await run_phase(300, 1, detail)

            async with session.get(f"{base}/api/cases", params={"limit": "1"}) as resp:
                total = (await resp.json())["total"]
            results["_total_cases"] = {"n": total}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    return results


def pg_schema_op(sql: str) -> None:
    import psycopg2
    from sqlalchemy.engine import make_url

    u = make_url(PG_URL)
    conn = psycopg2.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database, connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def print_table(all_results: Dict[str, Any]) -> None:
    print()
    print(f"{'database':<11} {'operation':<28} {'n':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    print("-" * 73)
    for backend, res in all_results.items():
        if isinstance(res, str):
            print(f"{backend:<11} {res}")
            continue
        for op, r in res.items():
            if op.startswith("_"):
                continue
            print(f"{backend:<11} {op:<28} {r['n']:>6} {r['rps']:>8.1f} {r['p50']:>8.2f} {r['p95']:>8.2f}")
        print(f"{'':<11} (cases in database at the end: {res['_total_cases']['n']})")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=10_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    all_results: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="casedesk-bench-") as tmp:
        if args.only in (None, "sqlite"):
            all_results["sqlite"] = await bench_backend("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", None, args.seed)
        if args.only in (None, "postgresql"):
            schema = f"casedesk_bench_{os.getpid()}"
            try:
                pg_schema_op(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            except Exception as exc:
                all_results["postgresql"] = f"skipped: PostgreSQL unreachable at {PG_URL} ({type(exc).__name__})"
            else:
                try:
                    all_results["postgresql"] = await bench_backend("postgresql", PG_URL, schema, args.seed)
                finally:
                    pg_schema_op(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    print_table(all_results)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "casedesk.json").write_text(json.dumps(all_results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
