"""Who may see which case: the confidentiality rule (docs/design.md "Confidential"; seed 000 第九條).

A complaint marked confidential must never reach the branch it is about. Branches are compared
by identity, not by string: a case's `branch_code` and a console user's are codes of the branch
directory (data/branches.yml, bot/branches.py), so "北京市人民路支行", "人民路 支行" and
"人民路支行" are one branch.

A branch-bound console user (one with a branch) therefore does not see, anywhere — queue,
lists, counts, detail, live events, trainer pages:
- a confidential case about their own branch;
- a confidential case whose branch is unresolved (no directory branch: unknown, ambiguous or
  not given), because it might be about theirs, until a supervisor resolves it;
- any confidential case at all if their own branch is not in the directory (fail closed).
Head-office users (no branch) see everything.

Every console query goes through `visible_cases` (SQL) or `can_see` (a loaded row), both
written from the same scope so they cannot drift apart. A scope is what `hidden_branch` gives:
None (head office), the user's branch code, or UNRESOLVED_USER.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import and_, not_, or_

from bot.casedesk.models import Case

# the scope of a branch-bound user whose branch is not in the directory: no code is theirs, so
# no confidential case can be shown to them
UNRESOLVED_USER = "*"


def hidden_branch(user: Any) -> Optional[str]:
    """The viewer's scope: None for head office, else their branch code (or UNRESOLVED_USER)."""
    code = getattr(user, "branch_code", None)
    if code:
        return code
    return UNRESOLVED_USER if getattr(user, "branch", None) else None


def visible_cases(scope: Optional[str]) -> Any:
    """SQL condition on `Case`: what a viewer of this scope may see.

    Written as NOT(confidential AND (...)) with explicit IS NULL tests: `branch_code != 'x'`
    alone is NULL, not true, for an unresolved row.
    """
    if not scope:
        return Case.id.isnot(None)
    confidential = Case.confidential == True  # noqa: E712 (an SQL expression; == keeps index use)
    if scope == UNRESOLVED_USER:
        return not_(confidential)
    return not_(and_(confidential, or_(Case.branch_code.is_(None), Case.branch_code == scope)))


def can_see(scope: Optional[str], confidential: bool, case_branch_code: Optional[str]) -> bool:
    """Python twin of `visible_cases`, for a row already loaded."""
    if not scope or not confidential:
        return True
    if scope == UNRESOLVED_USER:
        return False
    return case_branch_code is not None and case_branch_code != scope
