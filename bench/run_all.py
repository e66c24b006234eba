"""`make bench`: every benchmark in turn, each printing its own figures."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHES = ["nlu_bench.py", "escalation_bench.py", "casedesk_bench.py", "latency_bench.py", "handoff_bench.py",
           "guard_bench.py", "intake_blind_bench.py", "intake_simulator_bench.py",
           "trainer_bench.py"]

if __name__ == "__main__":
    failed = []
    for name in BENCHES:
        print(f"\n===== {name} =====", flush=True)
        if subprocess.run([sys.executable, str(ROOT / "bench" / name)], cwd=ROOT).returncode:
            failed.append(name)
    if failed:
        sys.exit(f"失败：{', '.join(failed)}")
