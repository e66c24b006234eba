"""Seeded simulated customers against the real stack, every conversation checked (issue 12).

Plays SIMULATOR_CONVERSATIONS customers on each backend (seeds from SIMULATOR_SEED_BASE, default
0; default 150 on the SQLite stack and 60 on PostgreSQL; SIMULATOR_CONVERSATIONS_SQLITE and
SIMULATOR_CONVERSATIONS_POSTGRES set one backend's number; the bulk run of a thousand is
bench/intake_simulator_bench.py),
SIMULATOR_WORKERS at a time (default 4; each conversation is its own REST sender, so they do
not depend on each other). The customer and the checks are tests/e2e/intake_simulator.py.

All failures are collected and reported once at the end — seed, failure, transcript — and the
whole report is also written to ``simulator-<backend>/report.txt`` under pytest's tmp dir. A
seed replays alone with ``bench/intake_simulator_bench.py --seed-base N --conversations 1``.
"""
from __future__ import annotations

import os
import time

from tests.e2e.intake_simulator import format_summary, run_many, summarize

DEFAULT_CONVERSATIONS = {"sqlite": 150, "postgres": 60}
SHOWN_IN_MESSAGE = 15


def conversations_for(backend: str) -> int:
    """SIMULATOR_CONVERSATIONS_<BACKEND>, else SIMULATOR_CONVERSATIONS, else the default."""
    for name in (f"SIMULATOR_CONVERSATIONS_{backend.upper()}", "SIMULATOR_CONVERSATIONS"):
        if os.environ.get(name):
            return int(os.environ[name])
    return DEFAULT_CONVERSATIONS.get(backend, 60)


def test_simulated_customers_meet_the_intake_contract(stack, tmp_path_factory):
    backend = getattr(stack, "backend", "sqlite")
    n = conversations_for(backend)
    base = int(os.environ.get("SIMULATOR_SEED_BASE", "0"))
    workers = int(os.environ.get("SIMULATOR_WORKERS", "4"))
    t0 = time.perf_counter()
    results = run_many(stack, range(base, base + n), workers=workers)
    elapsed = time.perf_counter() - t0

    summary = summarize(results)
    failed = [r for r in results if not r.passed]
    head = (f"{format_summary(summary)}\n{elapsed:.0f} s for {n} conversations on {backend} "
            f"({workers} at a time)")
    report = "\n\n".join([head] + [r.report() for r in failed])
    out = tmp_path_factory.mktemp(f"simulator-{backend}") / "report.txt"
    out.write_text(report + "\n", encoding="utf-8")
    print(f"\n{head}\nreport: {out}")
    if failed:
        shown = "\n\n".join(r.report(max_lines=30) for r in failed[:SHOWN_IN_MESSAGE])
        more = f"\n\n… and {len(failed) - SHOWN_IN_MESSAGE} more" if len(failed) > SHOWN_IN_MESSAGE else ""
        raise AssertionError(f"{len(failed)} of {n} simulated conversations broke the intake contract "
                             f"(full report: {out})\n{head}\n\n{shown}{more}")
