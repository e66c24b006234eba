"""Who may see which case: the confidentiality rule (design.md "Confidential"; seed 000 第九條).

A complaint marked confidential must never reach the branch it is about. A console user whose
`branch` is that case's branch therefore does not see it anywhere: queue, lists, counts, detail,
live events. Every console query goes through `visible_cases` (SQL) or `can_see` (a loaded row),
and both are written from the same predicate so they cannot drift apart.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import and_, not_

from .models import Case


def hidden_branch(user: Any) -> Optional[str]:
    """The branch whose confidential cases this user must not see (None: head office)."""
    branch = getattr(user, "branch", None)
    return branch or None


def visible_cases(branch: Optional[str]) -> Any:
    """SQL condition on `Case`: not (confidential and about the user's own branch).

    Written as NOT(...) with explicit IS NOT NULL so a case without a branch stays visible:
    `branch != 'x'` alone is NULL, not true, for such rows.
    """
    if not branch:
        return Case.id.isnot(None)
    mine = and_(
        Case.confidential == True,  # noqa: E712 (an SQL expression; == keeps SQLite's index use)
        Case.branch.isnot(None),
        Case.branch == branch,
    )
    return not_(mine)


def can_see(branch: Optional[str], confidential: bool, case_branch: Optional[str]) -> bool:
    """Python twin of `visible_cases`, for a row already loaded."""
    return not (branch and confidential and case_branch is not None and case_branch == branch)
