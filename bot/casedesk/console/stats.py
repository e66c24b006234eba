"""Supervisor figures: overdue and flagged cases, counts by category and branch, and the daily
first-contact SLA hit rate. Every query applies the access rule, counts included: a confidential
case about a supervisor's own branch does not exist for them, not even as a number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import func, or_, select

from bot.branches import directory

from bot.casedesk.db import Database, overdue_clause
from bot.casedesk.cases.case_rules import CHINA_TZ, OPEN_STATUSES, Status
from bot.casedesk.models import Case, CaseDecision, CaseSurvey, ConsoleUser
from bot.casedesk.console import labels
from bot.casedesk.cases.access import visible_cases

LIST_LIMIT = 50
CHART_WINDOW = timedelta(days=30)
FLAG_WINDOW = timedelta(days=30)
SLA_DAYS = 14
TOP_BRANCHES = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    # 0..1 of the chart's largest value (bars), or the rate itself (SLA chart)
    share: float
    note: str = ""


def bars(pairs: Sequence[Tuple[str, int]]) -> List[Bar]:
    top = max((v for _, v in pairs), default=0) or 1
    return [Bar(label, value, value / top) for label, value in pairs]


_OPEN = [s.value for s in OPEN_STATUSES]


async def overdue_cases(db: Database, branch: Optional[str], now: datetime) -> List[Case]:
    stmt = (
        select(Case)
        .where(overdue_clause(now), visible_cases(branch))
        .order_by(Case.next_due_at, Case.id)
        .limit(LIST_LIMIT)
    )
    async with db.reading() as s:
        return list((await s.execute(stmt)).scalars())


async def unresolved_confidential(db: Database, branch: Optional[str]) -> List[Case]:
    """Open confidential cases whose branch is not resolved to the directory: hidden from every
    branch-bound user until a supervisor resolves the branch (access.py)."""
    stmt = (
        select(Case)
        .where(
            Case.confidential == True,  # noqa: E712 (SQL)
            Case.branch_code.is_(None),
            Case.status.in_(_OPEN),
            visible_cases(branch),
        )
        .order_by(Case.created_at, Case.id)
        .limit(LIST_LIMIT)
    )
    async with db.reading() as s:
        return list((await s.execute(stmt)).scalars())


async def flagged_cases(db: Database, branch: Optional[str], now: datetime) -> List[Case]:
    """Open repeat and group complaints of the last 30 days (seed 000 第9项)."""
    stmt = (
        select(Case)
        .where(
            or_(Case.repeat_flag == True, Case.group_flag == True),  # noqa: E712 (SQL)
            Case.status.in_(_OPEN),
            Case.created_at >= now - FLAG_WINDOW,
            visible_cases(branch),
        )
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(LIST_LIMIT)
    )
    async with db.reading() as s:
        return list((await s.execute(stmt)).scalars())


async def by_category(db: Database, branch: Optional[str], now: datetime) -> List[Bar]:
    stmt = (
        select(Case.category, func.count())
        .where(Case.created_at >= now - CHART_WINDOW, visible_cases(branch))
        .group_by(Case.category)
    )
    async with db.reading() as s:
        counts = dict((await s.execute(stmt)).all())
    # every category, in the taxonomy's order, so charts are comparable from day to day
    return bars([(text, int(counts.get(code, 0))) for code, text in labels.CATEGORY_LABELS.items()])


async def by_branch(db: Database, branch: Optional[str], now: datetime) -> List[Bar]:
    """Counted per directory branch ("北京市人民路支行" and "人民路支行" are one bar, named as in
    the directory); an unresolved branch is counted under the customer's words."""
    n = func.count()
    key = func.coalesce(Case.branch_code, Case.branch)
    stmt = (
        select(key, n)
        .where(Case.created_at >= now - CHART_WINDOW, Case.branch.isnot(None), visible_cases(branch))
        .group_by(key)
        .order_by(n.desc(), key)
        .limit(TOP_BRANCHES)
    )
    async with db.reading() as s:
        rows = (await s.execute(stmt)).all()
    names = directory()
    return bars([(names.name_of(k) or k, int(c)) for k, c in rows])


def _day(dt: datetime) -> date:
    return dt.astimezone(CHINA_TZ).date()


def sla_hit_rates(
    rows: Iterable[Tuple[datetime, Optional[datetime], str]], now: datetime, days: int = SLA_DAYS
) -> List[Bar]:
    """First-contact SLA per Beijing day the contact fell due: met = contacted by the deadline.

    rows are (contact_due_at, contacted_at, status). A deadline still in the future and not yet
    met is pending and not counted; neither is a case withdrawn before anyone contacted it.
    """
    today = _day(now)
    first = today - timedelta(days=days - 1)
    met: Dict[date, int] = {}
    due: Dict[date, int] = {}
    for due_at, contacted_at, status in rows:
        day = _day(due_at)
        if not first <= day <= today:
            continue
        if contacted_at is None and (due_at >= now or status == Status.WITHDRAWN.value):
            continue
        due[day] = due.get(day, 0) + 1
        if contacted_at is not None and contacted_at <= due_at:
            met[day] = met.get(day, 0) + 1
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        total = due.get(day, 0)
        hit = met.get(day, 0)
        rate = hit / total if total else 0.0
        note = f"{hit}/{total}" if total else "无到期"
        out.append(Bar(day.strftime("%m-%d"), round(rate * 100), rate, note))
    return out


async def sla_daily(db: Database, branch: Optional[str], now: datetime) -> List[Bar]:
    first = datetime.combine(_day(now) - timedelta(days=SLA_DAYS - 1), time(0), tzinfo=CHINA_TZ)
    last = datetime.combine(_day(now) + timedelta(days=1), time(0), tzinfo=CHINA_TZ)
    stmt = select(Case.contact_due_at, Case.contacted_at, Case.status).where(
        Case.contact_due_at >= first, Case.contact_due_at < last, visible_cases(branch)
    )
    async with db.reading() as s:
        rows = [tuple(r) for r in (await s.execute(stmt)).all()]
    return sla_hit_rates(rows, now)  # type: ignore[arg-type]


# ── satisfaction: the in-chat rating at filing (ratings.py) and the 回访 after a decision ──────
# (surveys.py). The rating judges the intake conversation, so it is shown by category and
# branch; the 回访 judges the handling, so by the agent who decided too.

@dataclass(frozen=True)
class GroupRating:
    label: str
    rated: int  # in-chat ratings
    mean: Optional[float]
    answered: int = 0  # 回访 answers
    survey_mean: Optional[float] = None


@dataclass(frozen=True)
class Satisfaction:
    """Cases filed in the last CHART_WINDOW, how many were rated and how: the mean score, the
    count at each score (5 down to 1); the 回访 sent in the same window, answered and how; and
    both per category, per branch (the busiest) and per deciding agent (回访 only)."""

    filed: int
    rated: int
    mean: Optional[float]
    by_score: List[Bar]
    by_category: List[GroupRating]
    surveys_sent: int = 0
    surveys_answered: int = 0
    survey_mean: Optional[float] = None
    survey_by_score: List[Bar] = field(default_factory=list)
    by_branch: List[GroupRating] = field(default_factory=list)
    by_agent: List[GroupRating] = field(default_factory=list)


def _mean(total: float, n: int) -> Optional[float]:
    return round(total / n, 1) if n else None


def _groups(ratings: Dict[Any, Tuple[int, float]], answers: Dict[Any, Tuple[int, float]],
            keys: Iterable[Tuple[Any, str]]) -> List[GroupRating]:
    rows = []
    for key, text in keys:
        n, mean = ratings.get(key, (0, 0.0))
        a, survey_mean = answers.get(key, (0, 0.0))
        rows.append(GroupRating(text, n, round(mean, 1) if n else None, a, round(survey_mean, 1) if a else None))
    return rows


async def satisfaction(db: Database, branch: Optional[str], now: datetime) -> Satisfaction:
    recent = [Case.created_at >= now - CHART_WINDOW, visible_cases(branch)]
    rated = Case.rating.isnot(None)
    branch_key = func.coalesce(Case.branch_code, Case.branch)
    sent = [CaseSurvey.created_at >= now - CHART_WINDOW, visible_cases(branch)]
    answered = CaseSurvey.score.isnot(None)

    def grouped(rows: Any) -> Dict[Any, Tuple[int, float]]:
        return {key: (int(n), float(mean)) for key, n, mean in rows if key is not None}

    async with db.reading() as s:
        filed = int((await s.execute(select(func.count()).where(*recent))).scalar_one())
        scores = dict((await s.execute(
            select(Case.rating, func.count()).where(*recent, rated).group_by(Case.rating))).all())
        n_sent = int((await s.execute(
            select(func.count()).select_from(CaseSurvey).join(Case, Case.id == CaseSurvey.case_id).where(*sent)
        )).scalar_one())
        survey_scores = dict((await s.execute(
            select(CaseSurvey.score, func.count()).join(Case, Case.id == CaseSurvey.case_id)
            .where(*sent, answered).group_by(CaseSurvey.score))).all())
        per = {}
        for name, key in (("category", Case.category), ("branch", branch_key)):
            per[name] = (
                grouped((await s.execute(
                    select(key, func.count(), func.avg(Case.rating)).where(*recent, rated).group_by(key))).all()),
                grouped((await s.execute(
                    select(key, func.count(), func.avg(CaseSurvey.score)).join(Case, Case.id == CaseSurvey.case_id)
                    .where(*sent, answered).group_by(key))).all()),
            )
        agents = grouped((await s.execute(
            select(CaseDecision.decided_by, func.count(), func.avg(CaseSurvey.score))
            .join(CaseDecision, CaseDecision.id == CaseSurvey.decision_id)
            .join(Case, Case.id == CaseSurvey.case_id)
            .where(*sent, answered).group_by(CaseDecision.decided_by))).all())
        names = dict((await s.execute(
            select(ConsoleUser.username, ConsoleUser.display_name).where(ConsoleUser.username.in_(list(agents)))
        )).all()) if agents else {}
    total = sum(int(n) for n in scores.values())
    mean = sum(int(k) * int(n) for k, n in scores.items()) / total if total else None
    n_answered = sum(int(n) for n in survey_scores.values())
    survey_total = sum(int(k) * int(n) for k, n in survey_scores.items())
    ratings, answers = per["branch"]
    busiest = sorted(set(ratings) | set(answers),
                     key=lambda k: (-(ratings.get(k, (0, 0))[0] + answers.get(k, (0, 0))[0]), str(k)))[:TOP_BRANCHES]
    directory_names = directory()
    return Satisfaction(
        filed=filed,
        rated=total,
        mean=round(mean, 1) if mean is not None else None,
        by_score=bars([(f"{k} 分", int(scores.get(k, 0))) for k in range(5, 0, -1)]),
        by_category=_groups(*per["category"], labels.CATEGORY_LABELS.items()),
        surveys_sent=n_sent,
        surveys_answered=n_answered,
        survey_mean=_mean(survey_total, n_answered),
        survey_by_score=bars([(f"{k} 分", int(survey_scores.get(k, 0))) for k in range(5, 0, -1)]),
        by_branch=_groups(ratings, answers, [(k, directory_names.name_of(k) or k) for k in busiest]),
        by_agent=_groups({}, agents, sorted(((k, names.get(k) or k) for k in agents),
                                            key=lambda kv: (-agents[kv[0]][0], kv[1]))),
    )
