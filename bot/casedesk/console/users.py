"""Console accounts from the command line (there is no sign-up page on purpose).

    python -m bot.casedesk.console.users create --username wang --role agent \\
        --display-name 王明 [--branch 人民路支行]
    python -m bot.casedesk.console.users set-branch --username wang --branch 人民路支行
    python -m bot.casedesk.console.users set-branch --username wang --head-office
    python -m bot.casedesk.console.users list
    python -m bot.casedesk.console.users disable --username wang
    python -m bot.casedesk.console.users enable --username wang
    python -m bot.casedesk.console.users passwd --username wang

The password is asked for twice at a prompt (getpass), read from the first line of stdin when it
is not a terminal, or read from CONSOLE_PASSWORD for
scripts; it is never an argument, so it does not end up in shell history or `ps`. The database
is the case desk's (CASEDESK_DB_URL / .env), migrated first like the desk does at start-up.

A branch must be one of the branch directory (data/branches.yml, bot/branches.py); variants
("北京市人民路支行", "人民路 支行") are stored as the directory's branch, an unknown name is
refused with the close matches. Confidential complaints about that branch, and those whose
branch is unresolved, are hidden from the user (bot/casedesk/cases/access.py).
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import re
import sys
from typing import List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.branches import directory

from bot.casedesk.db import Database, run_migrations
from bot.casedesk.models import ConsoleUser
from bot.casedesk.settings import Settings, load_settings, utc_now
from bot.casedesk.console.auth import ConsoleRole, end_user_sessions, hash_password

# user names go into audit rows as the actor: same alphabet as the API's X-Actor header
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._\-]{1,31}$")
MIN_PASSWORD = 10


class UsageError(Exception):
    pass


def check_username(username: str) -> str:
    if not USERNAME_RE.match(username):
        raise UsageError("用户名须为 2–32 位小写字母、数字或 ._-，以字母或数字开头。")
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"密码至少 {MIN_PASSWORD} 个字符。")
    return password


def read_password(environ=os.environ) -> str:
    from_env = environ.get("CONSOLE_PASSWORD")
    if from_env:
        return check_password(from_env)
    if not sys.stdin.isatty():
        # piped in (echo 密码 | make user ARGS='create …', a provisioning script): the first line
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("未读到密码：请在终端中运行以输入密码，或通过标准输入、环境变量 CONSOLE_PASSWORD 提供。")
        return check_password(line)
    first = getpass.getpass("密码：")
    check_password(first)
    if getpass.getpass("再次输入密码：") != first:
        raise UsageError("两次输入的密码不一致。")
    return first


def resolve_branch(branch: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """(directory name, code) of a branch given on the command line; (None, None) for none."""
    text = (branch or "").strip()
    if not text:
        return None, None
    found = directory().resolve(text)
    if found is None:
        close = directory().suggest(text)
        hint = (
            "您要找的是不是：" + "、".join(b.name for b in close) + "？"
            if close
            else "请核对网点目录 data/branches.yml 中的网点名称。"
        )
        raise UsageError(f"网点目录中没有「{text}」（或有多个网点与之相符），{hint}")
    return found.name, found.code


async def create_user(
    db: Database, username: str, password: str, role: str, display_name: str, branch: Optional[str]
) -> ConsoleUser:
    branch_name, branch_code = resolve_branch(branch)
    user = ConsoleUser(
        username=check_username(username),
        display_name=display_name.strip() or username,
        password_hash=hash_password(check_password(password)),
        role=ConsoleRole(role).value,
        branch=branch_name,
        branch_code=branch_code,
        active=True,
        created_at=utc_now(),
    )
    try:
        async with db.writing() as s:
            s.add(user)
    except IntegrityError:
        raise UsageError(f"用户名 {username} 已存在。")
    return user


async def _find(db: Database, username: str) -> ConsoleUser:
    async with db.reading() as s:
        user = (
            await s.execute(select(ConsoleUser).where(ConsoleUser.username == username))
        ).scalar_one_or_none()
    if user is None:
        raise UsageError(f"没有用户 {username}。")
    return user


async def set_active(db: Database, username: str, active: bool) -> None:
    user = await _find(db, username)
    async with db.writing() as s:
        row = await s.get(ConsoleUser, user.id)
        row.active = active
    if not active:
        # a disabled account is signed out everywhere at once, not when its sessions expire
        await end_user_sessions(db, user.id)


async def set_branch(db: Database, username: str, branch: Optional[str]) -> Optional[str]:
    """Moves a user to a directory branch, or to head office (None); returns the branch name."""
    branch_name, branch_code = resolve_branch(branch)
    user = await _find(db, username)
    async with db.writing() as s:
        row = await s.get(ConsoleUser, user.id)
        row.branch, row.branch_code = branch_name, branch_code
    return branch_name


async def set_password(db: Database, username: str, password: str) -> None:
    user = await _find(db, username)
    new_hash = hash_password(check_password(password))
    async with db.writing() as s:
        row = await s.get(ConsoleUser, user.id)
        row.password_hash = new_hash
    await end_user_sessions(db, user.id)


async def list_users(db: Database) -> List[ConsoleUser]:
    async with db.reading() as s:
        return list((await s.execute(select(ConsoleUser).order_by(ConsoleUser.username))).scalars())


def _branch_column(user: ConsoleUser) -> str:
    if not user.branch:
        return "-"
    if not user.branch_code:
        # an account from before the directory whose branch it does not know: sees no
        # confidential case until `set-branch` gives it a directory branch
        return f"{user.branch}（不在网点目录中，请用 set-branch 更正）"
    return user.branch


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot.casedesk.console.users", description="坐席控制台账号管理")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("create", help="创建账号（密码从提示或 CONSOLE_PASSWORD 读取）")
    c.add_argument("--username", required=True)
    c.add_argument("--role", required=True, choices=[r.value for r in ConsoleRole])
    c.add_argument("--display-name", required=True)
    c.add_argument("--branch", help="所属网点（须为网点目录中的网点）：涉及该网点的保密投诉对其不可见")
    b = sub.add_parser("set-branch", help="更改所属网点")
    b.add_argument("--username", required=True)
    where = b.add_mutually_exclusive_group(required=True)
    where.add_argument("--branch", help="网点目录中的网点")
    where.add_argument("--head-office", action="store_true", help="总行（不属于任何网点）")
    sub.add_parser("list", help="列出账号")
    for name, text in (("disable", "停用账号并注销其所有会话"), ("enable", "重新启用账号"), ("passwd", "重设密码")):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("--username", required=True)
    return p


async def _run(args: argparse.Namespace, settings: Settings) -> str:
    db = Database(settings)
    try:
        if args.command == "create":
            password = read_password()
            user = await create_user(db, args.username, password, args.role, args.display_name, args.branch)
            return f"已创建用户 {user.username}（{user.role}）。"
        if args.command == "list":
            rows = await list_users(db)
            lines = [
                f"{u.username}\t{u.display_name}\t{u.role}\t{_branch_column(u)}\t{'启用' if u.active else '停用'}"
                for u in rows
            ]
            return "\n".join(["用户名\t姓名\t角色\t网点\t状态"] + lines)
        if args.command == "set-branch":
            name = await set_branch(db, args.username, None if args.head_office else args.branch)
            return f"已将 {args.username} 的所属网点改为{name or '总行（不属于任何网点）'}。"
        if args.command in ("disable", "enable"):
            await set_active(db, args.username, args.command == "enable")
            return f"已{'启用' if args.command == 'enable' else '停用'}用户 {args.username}。"
        if args.command == "passwd":
            await set_password(db, args.username, read_password())
            return f"已为 {args.username} 重设密码，其现有会话已注销。"
        raise UsageError(args.command)
    finally:
        await db.dispose()


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()
    try:
        if args.command == "create":
            check_username(args.username)
        if getattr(args, "branch", None):
            resolve_branch(args.branch)  # refused before anything is asked or migrated
        run_migrations(settings)
        print(asyncio.run(_run(args, settings)))
    except UsageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
