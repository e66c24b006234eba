"""Branch identity: cases and console users point to a canonical branch of the directory.

`branch_code` on cases and console users holds the code of the directory branch
(data/branches.yml, bot/branches.py) their branch string names. Existing rows are filled by
resolving their strings; a string that names no directory branch, or more than one, stays
unresolved (NULL): such a confidential case is hidden from every branch-bound user until a
supervisor resolves it, and such a user sees no confidential case until an operator gives them
a directory branch (`make user ARGS='set-branch …'`). A console user's branch is also rewritten
to the directory's name of the branch.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
import logging

import sqlalchemy as sa
from alembic import op

from bot.branches import directory

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _backfill(table: str, rename: bool) -> None:
    bind = op.get_bind()
    t = sa.table(table, sa.column("branch", sa.String), sa.column("branch_code", sa.String))
    names = bind.execute(sa.select(t.c.branch).where(t.c.branch.isnot(None)).distinct()).scalars().all()
    d = directory()
    unresolved = 0
    for name in names:
        b = d.resolve(name)
        if b is None:
            unresolved += 1
            continue
        values = {"branch_code": b.code, "branch": b.name} if rename else {"branch_code": b.code}
        bind.execute(sa.update(t).where(t.c.branch == name).values(**values))
    if unresolved:
        log.warning("%s: %d branch names are not in the branch directory and stay unresolved", table, unresolved)


def upgrade() -> None:
    # plain ALTER TABLE on both backends (SQLite ≥ 3.35 drops columns too): no table copy,
    # which on SQLite would cascade-delete the rows that reference cases
    op.add_column("cases", sa.Column("branch_code", sa.String(16)))
    op.create_index("ix_cases_branch_code", "cases", ["branch_code", "created_at"])
    op.add_column("console_users", sa.Column("branch_code", sa.String(16)))
    _backfill("cases", rename=False)
    _backfill("console_users", rename=True)


def downgrade() -> None:
    op.drop_column("console_users", "branch_code")
    op.drop_index("ix_cases_branch_code", table_name="cases")
    op.drop_column("cases", "branch_code")
