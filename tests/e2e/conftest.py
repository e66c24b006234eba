"""One real stack (case desk + action server + Rasa with the trained model) per test session.

Starting Rasa loads the model (~50 s), so every end-to-end test shares it; each test uses its
own conversation id.
"""
from __future__ import annotations

import pytest

from tests.stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("stack"))
    try:
        s.start_all()
    except Exception:
        s.stop_all()
        raise
    yield s
    s.stop_all()
