"""`python -m bot.casedesk` as operators run it: env-driven, logs without PII, and two processes
sharing one database hand out distinct case numbers."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import aiohttp
import pytest

from bot.casedesk.settings import REPO_ROOT

from .helpers import SECRET, TOKEN, case_payload, database_target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(url: str, schema: str, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEDESK_")}
    env.update(
        CASEDESK_PORT=str(port),
        CASEDESK_DB_URL=url,
        CASEDESK_DB_SCHEMA=schema,
        CASEDESK_TOKEN=TOKEN,
        CASEDESK_SECRET_KEY=SECRET,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot.casedesk"], cwd=REPO_ROOT, env=env,
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )


async def _wait_healthy(session: aiohttp.ClientSession, port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "case desk exited during start-up"
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    pytest.fail("case desk did not become healthy")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(os.environ.get("CASEDESK_SKIP_PG") == "1", reason="CASEDESK_SKIP_PG=1"))])
async def test_two_processes_share_one_database(backend: str, tmp_path: Path) -> None:
    with database_target(backend, tmp_path) as (url, schema):
        ports = [_free_port(), _free_port()]
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        procs: List[subprocess.Popen] = [_start(url, schema or "", p, log) for p, log in zip(ports, logs)]
        try:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with aiohttp.ClientSession(headers=headers) as session:
                for port, proc in zip(ports, procs):
                    await _wait_healthy(session, port, proc)

                async def create(i: int) -> str:
                    port = ports[i % 2]
                    body = case_payload(phone=f"135{i:08d}", customer_name="张三丰")
                    async with session.post(f"http://127.0.0.1:{port}/api/cases", json=body) as resp:
                        assert resp.status == 201, await resp.text()
                        return (await resp.json())["case_no"]

                numbers = await asyncio.gather(*(create(i) for i in range(40)))
                assert len(set(numbers)) == 40
                async with session.get(f"http://127.0.0.1:{ports[0]}/api/cases/{numbers[1]}") as resp:
                    assert resp.status == 200  # written by the other process, readable here
                # a search term in the query string (a WeChat OpenID) stays out of the access log
                async with session.get(f"http://127.0.0.1:{ports[0]}/api/cases",
                                       params={"conversation_id": "oWx_secret_openid_42"}) as resp:
                    assert resp.status == 200
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGINT)
            for proc in procs:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        output = "".join(log.read_text(errors="replace") for log in logs)
        assert "case created" in output and "135****" in output
        assert "张三丰" not in output and TOKEN not in output and SECRET not in output
        assert '"GET /api/cases"' in output and "oWx_secret_openid_42" not in output
        for i in range(40):
            assert f"135{i:08d}" not in output
