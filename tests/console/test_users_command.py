"""`python -m bot.casedesk.console.users`: create, list, disable — as an operator runs it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict

from bot.casedesk.settings import REPO_ROOT
from tests.casedesk.helpers import SECRET, TOKEN


def _run(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.casedesk.console.users", *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )


def test_users_command(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEDESK_")}
    env.update(
        CASEDESK_DB_URL=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
        CASEDESK_TOKEN=TOKEN, CASEDESK_SECRET_KEY=SECRET, CONSOLE_PASSWORD="a-long-password",
    )
    # a branch must be one of the directory (data/branches.yml); a variant is stored as the
    # directory's branch, an unknown one refused with the close matches
    unknown = _run(env, "create", "--username", "wang", "--role", "agent", "--display-name", "王明", "--branch", "人民支行")
    assert unknown.returncode == 2 and "网点目录中没有「人民支行」" in unknown.stderr
    assert "人民路支行" in unknown.stderr and "人民广场营业部" in unknown.stderr
    far = _run(env, "create", "--username", "wang", "--role", "agent", "--display-name", "王明", "--branch", "海淀支行")
    assert far.returncode == 2 and "data/branches.yml" in far.stderr
    made = _run(env, "create", "--username", "wang", "--role", "agent", "--display-name", "王明", "--branch", "北京市人民路 支行")
    assert made.returncode == 0, made.stderr
    assert "a-long-password" not in made.stdout + made.stderr
    again = _run(env, "create", "--username", "wang", "--role", "agent", "--display-name", "王明")
    assert again.returncode == 2 and "已存在" in again.stderr
    bad = _run(env, "create", "--username", "Wang Ming", "--role", "agent", "--display-name", "王明")
    assert bad.returncode == 2 and "用户名" in bad.stderr
    short = _run({**env, "CONSOLE_PASSWORD": "short"}, "create", "--username", "li", "--role", "agent", "--display-name", "李")
    assert short.returncode == 2 and "密码至少" in short.stderr
    # no prompt possible and no CONSOLE_PASSWORD: a clear refusal, not a hang
    no_pw = _run({k: v for k, v in env.items() if k != "CONSOLE_PASSWORD"}, "create", "--username", "li", "--role", "agent", "--display-name", "李")
    assert no_pw.returncode == 2 and "CONSOLE_PASSWORD" in no_pw.stderr

    listed = _run(env, "list")
    assert listed.returncode == 0 and "wang\t王明\tagent\t人民路支行\t启用" in listed.stdout
    moved = _run(env, "set-branch", "--username", "wang", "--branch", "朝陽路支行")
    assert moved.returncode == 0 and "朝阳路支行" in moved.stdout, moved.stderr
    assert _run(env, "set-branch", "--username", "wang", "--branch", "不存在的支行").returncode == 2
    assert "wang\t王明\tagent\t朝阳路支行\t启用" in _run(env, "list").stdout
    assert _run(env, "set-branch", "--username", "wang", "--head-office").returncode == 0
    assert "wang\t王明\tagent\t-\t启用" in _run(env, "list").stdout
    assert _run(env, "disable", "--username", "wang").returncode == 0
    assert "停用" in _run(env, "list").stdout
    assert _run(env, "disable", "--username", "nobody").returncode == 2


def test_the_password_can_be_piped_in(tmp_path: Path) -> None:
    """A provisioning script pipes the password (echo … | make user ARGS='create …')."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEDESK_") and k != "CONSOLE_PASSWORD"}
    env.update(CASEDESK_DB_URL=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}", CASEDESK_TOKEN=TOKEN, CASEDESK_SECRET_KEY=SECRET)
    args = [sys.executable, "-m", "bot.casedesk.console.users", "create", "--username", "zhao",
            "--role", "supervisor", "--display-name", "赵主管"]
    made = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
                          input="piped-password-1\n")
    assert made.returncode == 0, made.stderr
    assert "piped-password-1" not in made.stdout + made.stderr
    short = subprocess.run([*args[:5], "qian", *args[6:]], cwd=REPO_ROOT, env=env, capture_output=True,
                           text=True, timeout=120, input="short\n")
    assert short.returncode == 2 and "密码至少" in short.stderr
