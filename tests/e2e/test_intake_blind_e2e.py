"""The blind intake sets, played against the real stack (issue 12): each set was written by
someone who never saw the code, scored once before the work it measured, and then joined the
tests. Here they hold the ground reached — a floor, not a target: the bench
(bench/intake_blind_bench.py) prints every failure, and the next round starts from a new set.

One backend is enough (the conversations test the dialogue, not the storage); E2E_BACKENDS
picks which stack runs them, the first one selected. BLIND_WORKERS conversations are played at
a time (default 4; each is its own sender). make test plays the six newest sets; BLIND_SETS=all
plays every one against its floor:
    BLIND_SETS=all .venv/bin/python -m pytest tests/e2e/test_intake_blind_e2e.py
"""
from __future__ import annotations

import os

import pytest
import yaml

from tests.e2e.blind_intake import SETS_DIR, play_set

# Reached when each set joined the tests (README there): 81% / 2, 72% / 1, 96% / 0, 88% / 1,
# 96% / 1, (2026-12-05) 96% / 1 and 97% / 0, (2026-12-06) 100% / 0, 92% / 0, 98% / 0, 83% / 0, 95% / 0, 87% / 0, 98% / 0, 87% / 1 and 98% / 0, (2026-12-07) 100% / 0, 98% / 0, 97% / 0, 98% / 0, 95% / 0 and 93% / 0,
# no loops. The
# floors leave room for the two or three conversations a freshly trained model or a randomly
# chosen response wording may tip; a loop is never allowed.
FLOORS = {
    "conversations_2026-12-03.yml": {"right": 0.77, "unrequested_handoffs": 3, "loops": 0},
    "conversations_2026-12-03b.yml": {"right": 0.68, "unrequested_handoffs": 2, "loops": 0},
    "conversations_2026-12-04.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-04b.yml": {"right": 0.82, "unrequested_handoffs": 2, "loops": 0},
    "conversations_2026-12-04c.yml": {"right": 0.92, "unrequested_handoffs": 2, "loops": 0},
    "conversations_2026-12-05.yml": {"right": 0.92, "unrequested_handoffs": 2, "loops": 0},
    "conversations_2026-12-05b.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06.yml": {"right": 0.94, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06b.yml": {"right": 0.87, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06c.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06d.yml": {"right": 0.78, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06e.yml": {"right": 0.90, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06f.yml": {"right": 0.80, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06g.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06h.yml": {"right": 0.82, "unrequested_handoffs": 2, "loops": 0},
    "conversations_2026-12-06i.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06j.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06k.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06l.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06m.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-06n.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-07o.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-07p.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-07q.yml": {"right": 0.92, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-07r.yml": {"right": 0.90, "unrequested_handoffs": 1, "loops": 0},
    "conversations_2026-12-07s.yml": {"right": 0.88, "unrequested_handoffs": 1, "loops": 0},
}


# make test plays the newest sets, the rounds still being worked on; the older ones have held
# their figures round after round and are played with BLIND_SETS=all (or by the bench), which
# keeps make test within its 45-minute budget on 2 cores. Names sort in the order the sets
# were written (…06.yml before …06b.yml).
NEWEST_IN_MAKE_TEST = 6


def sets_to_play() -> list[str]:
    names = sorted(FLOORS)
    return names if os.environ.get("BLIND_SETS") == "all" else names[-NEWEST_IN_MAKE_TEST:]


@pytest.mark.parametrize("name", sets_to_play())
def test_a_blind_set_keeps_the_ground_reached(stack, name):
    if stack.backend != os.environ.get("E2E_BACKENDS", "sqlite,postgres").split(",")[0]:
        pytest.skip("the blind sets run once, on the first backend's stack")
    convs = yaml.safe_load((SETS_DIR / name).read_text(encoding="utf-8"))["conversations"]
    results = play_set(stack, convs, workers=int(os.environ.get("BLIND_WORKERS", "4")))
    right = sum(r["right"] for r in results) / len(results)
    handoffs = sum(r["unrequested_handoff"] for r in results)
    loops = sum(r["loop"] for r in results)
    wrong = "\n".join(f"{r['id']}: {'; '.join(r['problems'])}" for r in results if not r["right"])
    floor = FLOORS[name]
    assert loops <= floor["loops"], f"{loops} conversations looped or got stuck\n{wrong}"
    assert handoffs <= floor["unrequested_handoffs"], f"{handoffs} unrequested handoffs\n{wrong}"
    assert right >= floor["right"], f"{right:.0%} right, the floor is {floor['right']:.0%}\n{wrong}"
