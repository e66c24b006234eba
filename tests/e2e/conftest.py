"""One real stack (case desk + action server + Rasa with the trained model) per backend.

Starting Rasa loads the model (~50 s), so the end-to-end tests share one stack per backend;
each test uses its own conversation id. The same tests run on the embedded SQLite defaults
and on the production set-up (PostgreSQL for the case desk and Rasa's tracker store, Redis
lock store). E2E_BACKENDS=sqlite limits a local run to one.
"""
from __future__ import annotations

import os
import uuid

import pytest

from tests.stack import Stack

BACKENDS = {
    "sqlite": lambda: {},
    "postgres": lambda: {
        "CASEDESK_DB_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        "CASEDESK_DB_SCHEMA": f"e2e_{uuid.uuid4().hex[:8]}",
        "TRACKER_DB_URL": "postgresql://postgres@127.0.0.1:5432/test",
        "LOCK_STORE_TYPE": "redis",
    },
}
SELECTED = [b for b in os.environ.get("E2E_BACKENDS", "sqlite,postgres").split(",") if b]


@pytest.fixture(scope="session", params=SELECTED)
def stack(request, tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp(f"stack-{request.param}"), **BACKENDS[request.param]())
    s.backend = request.param
    try:
        s.start_all()
    except Exception:
        s.stop_all()
        raise
    yield s
    s.stop_all()
    s.drop_casedesk_schema()
