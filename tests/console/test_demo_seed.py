"""`make demo` (bot/casedesk/demo.py): sample cases, a waiting handoff and two accounts, filed
through the desk's own code; a second run adds nothing."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select

from bot.casedesk.models import Case, ConsoleUser, Handoff
from bot.casedesk.settings import REPO_ROOT
from tests.casedesk.helpers import SECRET, TOKEN


def _seed(env):
    return subprocess.run([sys.executable, "-m", "bot.casedesk.demo"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)


def test_demo_seeds_a_working_desk_once(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEDESK_")}
    env.update(CASEDESK_DB_URL=f"sqlite+aiosqlite:///{db}", CASEDESK_TOKEN=TOKEN, CASEDESK_SECRET_KEY=SECRET)
    first = _seed(env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("已创建案件") == 4 and "等待接入的转人工会话" in first.stdout
    assert "demo_agent" in first.stdout and "密码：" in first.stdout
    again = _seed(env)
    assert again.returncode == 0, again.stderr
    assert "已创建" not in again.stdout and "密码未改动" in again.stdout

    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(Case)).scalar_one() == 5
        handoffs = c.execute(select(Handoff.status, Handoff.reason)).all()
        assert handoffs == [("waiting", "media")]
        roles = dict(c.execute(select(ConsoleUser.username, ConsoleUser.role)).all())
        assert roles == {"demo_supervisor": "supervisor", "demo_agent": "agent"}
        # phones and names are sealed at rest like real traffic's
        stored = " ".join(str(v) for row in c.execute(select(Case.__table__)).all() for v in row)
        assert "13900001111" not in stored and "周晓梅" not in stored
    engine.dispose()
