"""How fast a handoff reaches a person: the customer's threat → the agent's console, and back.

Usage: .venv/bin/python bench/handoff_bench.py [--handoffs 20] [--setup embedded|production]
                                               [--sync-seconds 0.5] [--json out.json]

Starts the real stack (tests/stack.py: case desk + action server + Rasa with the newest model
in models/), creates a console agent with `python -m bot.casedesk.console.users create`, signs
in over HTTP like a browser (login form with its double-submit CSRF token) and keeps the
queue's server-sent-event stream `/console/events` open in a background thread that
timestamps every event as it arrives. Then, for each handoff, a new REST customer threatens
the bank and we measure:

  (a) customer message sent → the handoff is in a `queue` event on the agent's stream
      (target: visible in the console within 2 s);
  (b) with the handoff open, the customer writes again → the message is in a `turns` event of
      the workspace stream (`/console/events?handoff=ID`; the queue stream carries no
      transcript turns);
  (c) the agent replies through the console (POST /console/handoffs/{id}/messages, as
      console.js does) → the reply is a bot event in Rasa's tracker;

plus the bot's own reply latency for the escalating message. Each handoff is closed by the
agent afterwards so the queue stays short. A random pause (0..--jitter s) comes before each
action: without it every action would land right after a stream tick (the workspace stream is
opened, or the previous event was just read) and the poll waits would always be ~0.5 s.
Figures are printed, not asserted.

Where the time goes (docs/console.md, docs/casedesk.md "Sync"): the handoff row is written
while Rasa is still answering the customer (the action server calls the case desk), so (a) is
about the bot's own reply time plus the wait for the stream's next database poll (every
0.5 s, events.POLL_S). (b) adds the handoff sync loop, which reads every open handoff's
tracker from Rasa every CASEDESK_HANDOFF_SYNC_SECONDS (0.5 s): two polls in a row. (c) has no
poll: the desk appends the reply to the tracker before it answers the agent.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.dialogue import CASE_NO  # noqa: E402
from tests.stack import Stack  # noqa: E402
from bench.latency_bench import percentile  # noqa: E402

HANDED_OFF = re.compile(r"转接?人工|转人工|人工客服")
# a throw-away account per run: the password is generated, never written down
PASSWORD = secrets.token_urlsafe(16)

# complaint + threat, every reason the detector hands off for; cycled through
THREATS = [
    "你们再乱扣费我就找记者曝光你们",
    "信用卡年费乱扣了三次，再不退我就发到网上曝光你们！",
    "你们这样乱收手续费，我要去银保监会投诉你们",
    "贷款利息算错了还不认，我已经找了律师，法院见",
    "ATM吞卡三天没人管，明天我就拍视频发抖音让大家都看看",
    "你们再推脱我就打12378投诉，我说到做到",
    "理财经理骗我说保本，亏了两万，我要去人民银行举报你们",
    "等着上热搜吧你们，乱扣我工资卡的钱",
]
FOLLOW_UPS = [
    "人呢？怎么还没人理我",
    "到底有没有人管，我等了半天了",
    "快点给我一个说法",
    "我还在等，你们的人呢",
    "喂？有人吗",
]
REPLY = "您好，我是客服，您说的情况我已经看到了，马上帮您核实处理。"

SETUPS = {
    "embedded": lambda: {},
    "production": lambda: {
        "CASEDESK_DB_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        "CASEDESK_DB_SCHEMA": f"bench_handoff_{uuid.uuid4().hex[:8]}",
        "TRACKER_DB_URL": "postgresql://postgres@127.0.0.1:5432/test",
        "LOCK_STORE_TYPE": "redis",
    },
}
SETUP_TEXT = {
    "embedded": "SQLite tracker store and case desk, in-memory lock store, 1 Rasa worker",
    "production": "PostgreSQL tracker store and case desk, Redis lock store, 1 Rasa worker",
}



def summary(values: List[float]) -> Dict[str, Any]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": statistics.median(values), "p95": percentile(values, 95),
            "max": max(values), "min": min(values)}


# ---------------------------------------------------------------------------------------------
# The console, as a browser uses it


class SSE(threading.Thread):
    """One `/console/events` stream, read in a thread; every event is kept with the
    time.perf_counter() at which its closing blank line arrived.

    http.client rather than requests: stop() shuts the socket down, which ends a blocked read
    at once (the server only writes every 15 s when nothing changes)."""

    def __init__(self, base_url: str, path: str, cookie: str) -> None:
        super().__init__(daemon=True)
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=None)
        self.path, self.cookie = path, cookie
        self.events: List[Tuple[float, str, Any]] = []
        self.cond = threading.Condition()
        self.status: Optional[int] = None
        self.opened = threading.Event()
        self.stopped = False
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        try:
            self.conn.request("GET", self.path, headers={
                "Cookie": self.cookie, "Accept": "text/event-stream", "Cache-Control": "no-cache"})
            resp = self.conn.getresponse()
            self.status = resp.status
            self.opened.set()
            if resp.status != 200:
                return
            name, data = "message", []
            while True:
                line = resp.readline()
                if not line:
                    break
                text = line.decode("utf-8").rstrip("\r\n")
                if text == "":
                    if data:
                        t = time.perf_counter()
                        payload = json.loads("\n".join(data))
                        with self.cond:
                            self.events.append((t, name, payload))
                            self.cond.notify_all()
                    name, data = "message", []
                elif text.startswith(":"):
                    continue  # heartbeat
                else:
                    field, _, value = text.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "event":
                        name = value
                    elif field == "data":
                        data.append(value)
        except Exception as exc:  # stop() closing the socket under a blocked read lands here
            if not self.stopped:
                self.error = exc
        finally:
            self.opened.set()
            with self.cond:
                self.cond.notify_all()

    def mark(self) -> int:
        with self.cond:
            return len(self.events)

    def wait_for(self, match: Callable[[str, Any], bool], since: int = 0,
                 timeout: float = 15.0) -> Optional[float]:
        """The arrival time of the first event from index `since` that matches, or None."""
        deadline = time.monotonic() + timeout
        with self.cond:
            i = since
            while True:
                while i < len(self.events):
                    t, name, data = self.events[i]
                    if match(name, data):
                        return t
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or not self.is_alive():
                    return None
                self.cond.wait(left)

    def stop(self) -> None:
        self.stopped = True
        sock = self.conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.conn.close()
        self.join(timeout=5)


class Console:
    def __init__(self, stack: Stack, username: str) -> None:
        self.stack, self.username = stack, username
        self.base = stack.casedesk_url
        self.http = requests.Session()
        self.csrf = ""

    def create_agent(self) -> None:
        made = subprocess.run(
            [str(ROOT / ".venv/bin/python"), "-m", "bot.casedesk.console.users", "create",
             "--username", self.username, "--role", "agent", "--display-name", "压测坐席"],
            cwd=ROOT, env={**self.stack.env, "CONSOLE_PASSWORD": PASSWORD},
            capture_output=True, text=True, timeout=120,
        )
        if made.returncode:
            raise RuntimeError(f"users create failed:\n{made.stdout}\n{made.stderr}")

    def sign_in(self) -> None:
        page = self.http.get(f"{self.base}/console/login", timeout=10)
        page.raise_for_status()
        form = {"username": self.username, "password": PASSWORD, "next": ""}
        token = re.search(r'name="_csrf" value="([^"]+)"', page.text)
        if token:  # the login form's double-submit token (its cookie came with the page)
            form["_csrf"] = token.group(1)
        r = self.http.post(f"{self.base}/console/login", data=form, allow_redirects=False, timeout=30)
        if r.status_code != 303:
            raise RuntimeError(f"sign-in failed: {r.status_code} {r.text[:300]}")
        home = self.http.get(f"{self.base}/console", timeout=10)
        home.raise_for_status()
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', home.text)
        if not meta:
            raise RuntimeError("no csrf-token meta on /console")
        self.csrf = meta.group(1)

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)

    def stream(self, query: str = "") -> SSE:
        s = SSE(self.base, "/console/events" + query, self.cookie())
        s.start()
        s.opened.wait(10)
        if s.status != 200:
            s.stop()
            raise RuntimeError(f"/console/events{query} answered {s.status} ({s.error})")
        return s

    def post(self, handoff_id: int, action: str, **body: Any) -> requests.Response:
        return self.http.post(
            f"{self.base}/console/handoffs/{handoff_id}/{action}", json=body, timeout=30,
            headers={"X-CSRF-Token": self.csrf, "Accept": "application/json"})


# ---------------------------------------------------------------------------------------------
# One handoff


def in_queue(case_no: str) -> Callable[[str, Any], bool]:
    return lambda name, data: name == "queue" and any(
        i.get("case_no") == case_no for i in data.get("items", []))


def turn_with(role: str, text: str) -> Callable[[str, Any], bool]:
    return lambda name, data: name == "turns" and any(
        t.get("role") == role and text in (t.get("text") or "") for t in data.get("turns", []))


def tracker_has(stack: Stack, sender: str, text: str) -> bool:
    r = requests.get(f"{stack.rasa_url}/conversations/{stack.conversation_id(sender)}/tracker",
                     params={"token": stack.rasa_token}, timeout=10)
    r.raise_for_status()
    return any(e.get("event") == "bot" and e.get("text") == text for e in r.json()["events"])


def one_handoff(stack: Stack, console: Console, queue: SSE, n: int, pause: Callable[[], None]) -> Dict[str, Any]:
    sender = stack.new_sender("hb")
    threat = THREATS[n % len(THREATS)]
    out: Dict[str, Any] = {"sender": sender, "threat": threat}

    # (a) the threat → the handoff in the agent's queue stream
    pause()
    mark = queue.mark()
    t0 = time.perf_counter()
    replies = stack.say(sender, threat)
    out["bot_reply_ms"] = (time.perf_counter() - t0) * 1000
    joined = "\n".join(replies)
    if not HANDED_OFF.search(joined):
        out["error"] = f"no handoff: {replies}"
        return out
    found = CASE_NO.search(joined)
    if found:
        case_no = found.group(0)
    else:
        # utter_handoff_recorded: the action server's own delivery attempt got nothing back
        # (case desk down — or its outbox loop took the row first); the outbox delivers it
        out["odd"] = f"#{n + 1}: handed off without a case number (utter_handoff_recorded)"
        deadline, items = time.monotonic() + 30, []
        while not items and time.monotonic() < deadline:
            items = stack.casedesk("GET", "/api/handoffs", params={"conversation_id": stack.conversation_id(sender)}).json()["items"]
            time.sleep(0.05)
        if not items:
            out["error"] = "handed off without a case number, and no handoff reached the desk in 30 s"
            return out
        case_no = items[0]["case_no"]
    seen = queue.wait_for(in_queue(case_no), since=mark, timeout=15)
    if seen is None:
        out["error"] = f"{case_no} never reached the queue stream"
        return out
    out["queue_ms"] = (seen - t0) * 1000
    out["queue_after_reply_ms"] = out["queue_ms"] - out["bot_reply_ms"]
    items = stack.casedesk("GET", "/api/handoffs", params={"conversation_id": stack.conversation_id(sender)}).json()["items"]
    handoff_id = items[0]["id"]
    out["handoff_id"], out["reason"] = handoff_id, items[0]["reason"]

    # (b) the customer writes again → the turn on the workspace stream
    workspace = console.stream(f"?handoff={handoff_id}&after=0")
    try:
        if workspace.wait_for(lambda name, _: name == "handoff", timeout=10) is None:
            out["error"] = "workspace stream sent no state"
            return out
        pause()
        follow = f"{FOLLOW_UPS[n % len(FOLLOW_UPS)]}（第{n + 1}位）"
        mark = workspace.mark()
        t1 = time.perf_counter()
        quiet = stack.say(sender, follow)
        out["paused_reply_ms"] = (time.perf_counter() - t1) * 1000
        if quiet:
            out.setdefault("odd", f"#{n + 1}: bot answered while handed off: {quiet}")
        seen = workspace.wait_for(turn_with("customer", follow), since=mark, timeout=15)
        if seen is None:
            out["error"] = "the customer's message never reached the workspace stream"
            return out
        out["customer_turn_ms"] = (seen - t1) * 1000

        # (c) the agent replies in the console → the reply in Rasa's tracker
        pause()
        text = f"{REPLY}（{n + 1}）"
        mark = workspace.mark()
        t2 = time.perf_counter()
        r = console.post(handoff_id, "messages", text=text)
        out["console_post_ms"] = (time.perf_counter() - t2) * 1000
        if r.status_code != 200 or r.json().get("turn", {}).get("delivery") != "sent":
            out["error"] = f"reply: {r.status_code} {r.text[:200]}"
            return out
        deadline = time.monotonic() + 10
        while not tracker_has(stack, sender, text):
            if time.monotonic() > deadline:
                out["error"] = "the agent's reply never reached the tracker"
                return out
            time.sleep(0.02)
        out["agent_to_tracker_ms"] = (time.perf_counter() - t2) * 1000
        seen = workspace.wait_for(turn_with("agent", text), since=mark, timeout=10)
        if seen is not None:
            out["agent_turn_on_stream_ms"] = (seen - t2) * 1000
    finally:
        workspace.stop()
        r = console.post(handoff_id, "close")
        if r.status_code != 200:
            out.setdefault("odd", f"#{n + 1}: close answered {r.status_code} {r.text[:200]}")
    return out


# ---------------------------------------------------------------------------------------------


FIGURES = [
    ("bot_reply_ms", "bot's reply to the threat (REST round trip)"),
    ("queue_ms", "(a) threat sent → handoff on the queue stream"),
    ("queue_after_reply_ms", "    of which after the bot's reply returned"),
    ("paused_reply_ms", "customer's 2nd message, REST round trip (paused)"),
    ("customer_turn_ms", "(b) 2nd message sent → turn on the workspace stream"),
    ("console_post_ms", "agent reply, console POST round trip"),
    ("agent_to_tracker_ms", "(c) agent reply sent → bot event in Rasa's tracker"),
    ("agent_turn_on_stream_ms", "agent reply sent → agent turn on the workspace stream"),
]


def run(args: argparse.Namespace) -> Dict[str, Any]:
    env = SETUPS[args.setup]()
    if args.sync_seconds is not None:
        env["CASEDESK_HANDOFF_SYNC_SECONDS"] = str(args.sync_seconds)
    runs: List[Dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp), **env)
        t0 = time.perf_counter()
        try:
            stack.start_all()
            load_s = time.perf_counter() - t0
            console = Console(stack, f"bench{os.getpid() % 100000}")
            console.create_agent()
            console.sign_in()
            queue = console.stream()
            try:
                if queue.wait_for(lambda name, _: name == "queue", timeout=10) is None:
                    raise RuntimeError("the queue stream sent no snapshot")
                rng = random.Random(args.seed)
                pause = lambda: time.sleep(rng.uniform(0, args.jitter))  # noqa: E731
                warm = [one_handoff(stack, console, queue, -1 - i, pause) for i in range(args.warmup)]
                for n in range(args.handoffs):
                    r = one_handoff(stack, console, queue, n, pause)
                    runs.append(r)
                    if "error" in r:
                        print(f"  #{n + 1}: {r['error']}", flush=True)
                    elif args.verbose:
                        print(f"  #{n + 1} {r['reason']:<9} " + " ".join(
                            f"{k.replace('_ms', '')}={r[k]:.0f}" for k, _ in FIGURES if k in r), flush=True)
            finally:
                queue.stop()
        finally:
            stack.stop_all()
            stack.drop_casedesk_schema()
            if any("error" in r or "odd" in r for r in runs):
                keep = ROOT / "var/bench" / f"handoff-{args.setup}-logs"
                keep.mkdir(parents=True, exist_ok=True)
                for name in ("casedesk", "actions", "rasa"):
                    if stack.log_path(name).exists():
                        shutil.copy(stack.log_path(name), keep / f"{name}.log")
                print(f"logs kept in {keep.relative_to(ROOT)}", flush=True)
    ok = [r for r in runs if "error" not in r]
    return {
        "setup": args.setup, "setup_text": SETUP_TEXT[args.setup],
        "sync_seconds": float(args.sync_seconds if args.sync_seconds is not None else 0.5),
        "load_s": load_s, "handoffs": args.handoffs, "ok": len(ok), "warmup": len(warm),
        "figures": {k: summary([r[k] for r in ok if k in r]) for k, _ in FIGURES},
        "runs": runs, "odd": [r["odd"] for r in runs if "odd" in r],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--handoffs", type=int, default=20)
    ap.add_argument("--setup", choices=sorted(SETUPS), default="embedded")
    ap.add_argument("--sync-seconds", type=float, default=None,
                    help="CASEDESK_HANDOFF_SYNC_SECONDS for the desk (default: its own, 0.5)")
    ap.add_argument("--warmup", type=int, default=1, help="handoffs run first and not counted")
    ap.add_argument("--jitter", type=float, default=1.0,
                    help="a random pause of 0..JITTER s before each of the three actions, so they "
                         "do not fall at the same point of the 0.5 s poll cycles every time")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the figures and every run here")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every handoff")
    args = ap.parse_args()

    result = run(args)
    print()
    print(f"{result['setup']}: {result['setup_text']}; handoff sync every "
          f"{result['sync_seconds']:g} s, console stream polls every 0.5 s; "
          f"load + start {result['load_s']:.1f} s")
    print(f"handoffs measured: {result['ok']}/{result['handoffs']} (after {result['warmup']} warm-up)")
    print(f"{'':<56}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    for key, label in FIGURES:
        f = result["figures"][key]
        if f["n"]:
            print(f"{label:<56}{f['p50']:>8.0f}{f['p95']:>8.0f}{f['max']:>8.0f}")
    a = result["figures"]["queue_ms"]
    if a["n"]:
        print(f"target (a) ≤ 2000 ms: {'met' if a['max'] <= 2000 else 'NOT met'} (max {a['max']:.0f} ms)")
    for odd in result["odd"]:
        print(f"odd: {odd}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
