"""The lifecycle's rules (issue 14) without HTTP or database: the decision deadline in calendar
days (15 → 30 → 60), pauses left off it, who may extend, the 30-day 核查 window, and the steps.
Every rule takes `now` from its caller; these tests pass a fixed clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.casedesk.cases import case_rules
from bot.casedesk.cases.case_rules import Outcome, Priority, Status, Step

# 2026-12-01 10:00 in Beijing
FILED = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
SUPERVISOR, SENIOR = case_rules.SUPERVISOR_ROLE, case_rules.SENIOR_ROLE


class FixedClock:
    """The app's clock as the tests move it: calendar days and hours, no sleeping."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def beijing(dt: datetime) -> str:
    return dt.astimezone(case_rules.CHINA_TZ).strftime("%Y-%m-%d %H:%M")


# --- the decision deadline ---------------------------------------------------------------------


@pytest.mark.parametrize("days, due", [(15, "2026-12-16 10:00"), (30, "2026-12-31 10:00"), (60, "2027-01-30 10:00")])
def test_deadline_counts_calendar_days_from_filing(days: int, due: str) -> None:
    assert beijing(case_rules.decision_due(FILED, days)) == due


def test_the_first_limit_is_fifteen_days_as_the_sla_says() -> None:
    assert case_rules.decision_due(FILED, case_rules.DECISION_DAYS) == case_rules.sla_deadlines(FILED, Priority.NORMAL).decision_due_at


def test_paused_days_are_added_to_the_deadline() -> None:
    assert beijing(case_rules.decision_due(FILED, 15, paused_days=4)) == "2026-12-20 10:00"
    assert beijing(case_rules.decision_due(FILED, 60, paused_days=10)) == "2027-02-09 10:00"


@pytest.mark.parametrize(
    "start, end, days",
    [
        # sent out on the 5th, back on the 8th (Beijing dates): 3 days
        ("2026-12-05T15:00:00+08:00", "2026-12-08T10:00:00+08:00", 3),
        # started and ended on one day: no whole day lost
        ("2026-12-05T09:00:00+08:00", "2026-12-05T18:00:00+08:00", 0),
        # across midnight in Beijing, though the same UTC date
        ("2026-12-05T23:30:00+08:00", "2026-12-06T00:30:00+08:00", 1),
        # across a month end
        ("2026-12-30T10:00:00+08:00", "2027-01-02T10:00:00+08:00", 3),
    ],
)
def test_paused_days_are_beijing_calendar_days(start: str, end: str, days: int) -> None:
    assert case_rules.paused_days_between(datetime.fromisoformat(start), datetime.fromisoformat(end)) == days


def test_a_paused_case_has_no_pending_decision_deadline_and_is_never_overdue_for_it() -> None:
    clock = FixedClock(FILED)
    due = case_rules.decision_due(FILED, 15)
    state = case_rules.SlaState(Status.IN_PROGRESS, FILED, None, due, FILED, FILED, None, paused=True)
    clock.advance(days=40)
    assert case_rules.pending_deadlines(state) == {}
    assert case_rules.overdue_deadlines(state, clock()) == []
    assert case_rules.next_due_at(state) is None
    running = case_rules.SlaState(Status.IN_PROGRESS, FILED, None, due, FILED, FILED, None)
    assert case_rules.overdue_deadlines(running, clock()) == ["decision"]


def test_a_whole_clock_extension_then_pause() -> None:
    """Filed on 1 Dec: extended to 30, paused 5th → 8th (3 days), extended to 60: due 2 Feb."""
    clock = FixedClock(FILED)
    days, paused = 15, 0
    case_rules.check_extension(Status.IN_PROGRESS, days, 30, False, SUPERVISOR)
    days = 30
    clock.advance(days=4)
    started = clock()
    clock.advance(days=3)
    paused += case_rules.paused_days_between(started, clock())
    case_rules.check_extension(Status.IN_PROGRESS, days, 60, False, SENIOR)
    days = 60
    assert beijing(case_rules.decision_due(FILED, days, paused)) == "2027-02-02 10:00"


# --- extensions --------------------------------------------------------------------------------


def test_supervisor_extends_to_thirty_and_senior_to_sixty() -> None:
    case_rules.check_extension(Status.NEW, 15, 30, False, SUPERVISOR)
    case_rules.check_extension(Status.ACKNOWLEDGED, 15, 30, False, SENIOR)
    case_rules.check_extension(Status.IN_PROGRESS, 30, 60, False, SENIOR)


@pytest.mark.parametrize("role", [SUPERVISOR, "agent", "trainer"])
def test_only_a_senior_manager_approves_sixty_days(role: str) -> None:
    with pytest.raises(case_rules.LifecycleForbidden) as info:
        case_rules.check_extension(Status.IN_PROGRESS, 30, 60, False, role)
    assert "高级管理人员" in info.value.message


def test_an_agent_cannot_extend() -> None:
    with pytest.raises(case_rules.LifecycleForbidden) as info:
        case_rules.check_extension(Status.IN_PROGRESS, 15, 30, False, "agent")
    assert info.value.message == "延长至 30 天须由主管或高级管理人员办理。"


def test_the_legacy_caller_is_not_role_checked() -> None:
    case_rules.check_extension(Status.IN_PROGRESS, 15, 30, False, None)


@pytest.mark.parametrize(
    "status, current, target, in_review, words",
    [
        (Status.IN_PROGRESS, 15, 60, False, "须先将办理期限延长至 30 天"),
        (Status.IN_PROGRESS, 30, 30, False, "已延长至 30 天"),
        (Status.IN_PROGRESS, 60, 60, False, "最长期限"),
        (Status.IN_PROGRESS, 15, 45, False, "只能延长至 30 天或 60 天"),
        (Status.RESOLVED, 15, 30, False, "无需延长"),
        (Status.CLOSED, 30, 60, False, "无需延长"),
        (Status.IN_PROGRESS, 30, 60, True, "核查"),
    ],
)
def test_extension_refusals(status: Status, current: int, target: int, in_review: bool, words: str) -> None:
    with pytest.raises(case_rules.LifecycleConflict) as info:
        case_rules.check_extension(status, current, target, in_review, SENIOR)
    assert words in info.value.message and info.value.code == "extension_not_allowed"


# --- pauses and decisions ----------------------------------------------------------------------


def test_pause_rules() -> None:
    case_rules.check_pause(Status.IN_PROGRESS, None)
    with pytest.raises(case_rules.LifecycleConflict, match="尚未恢复"):
        case_rules.check_pause(Status.IN_PROGRESS, FILED)
    with pytest.raises(case_rules.LifecycleConflict, match="不能暂停计时"):
        case_rules.check_pause(Status.RESOLVED, None)
    with pytest.raises(case_rules.LifecycleConflict, match="没有暂停"):
        case_rules.check_resume(None)
    case_rules.check_resume(FILED)


def test_decision_rules() -> None:
    case_rules.check_decision(Status.ACKNOWLEDGED, None)
    case_rules.check_decision(Status.IN_PROGRESS, None)
    for status, words in [
        (Status.NEW, "尚未开始处理"), (Status.RESOLVED, "已有处理决定"), (Status.CLOSED, "不能再记录"),
        (Status.WITHDRAWN, "不能再记录"),
    ]:
        with pytest.raises(case_rules.LifecycleConflict, match=words):
            case_rules.check_decision(status, None)
    with pytest.raises(case_rules.LifecycleConflict, match="暂停"):
        case_rules.check_decision(Status.IN_PROGRESS, FILED)
    case_rules.check_decision_amount(Outcome.SUPPORTED, 500_000)
    case_rules.check_decision_amount(Outcome.NOT_SUPPORTED, None)
    with pytest.raises(ValueError, match="不支持"):
        case_rules.check_decision_amount(Outcome.NOT_SUPPORTED, 100)


def test_notice_and_close_rules() -> None:
    case_rules.check_notify(Status.RESOLVED, True, None)
    with pytest.raises(case_rules.LifecycleConflict, match="请先记录处理决定"):
        case_rules.check_notify(Status.IN_PROGRESS, True, None)
    with pytest.raises(case_rules.LifecycleConflict) as info:
        case_rules.check_notify(Status.RESOLVED, True, FILED)
    assert info.value.code == "already_notified"
    case_rules.check_close(decided=True, notified=True)
    case_rules.check_close(decided=False, notified=False)  # resolved before issue 14: closes as before
    with pytest.raises(case_rules.LifecycleConflict, match="尚未告知客户"):
        case_rules.check_close(decided=True, notified=False)


# --- the 30-day 核查 window ----------------------------------------------------------------------


def test_review_window_is_thirty_days_from_the_decision() -> None:
    decided = FILED + timedelta(days=10)
    clock = FixedClock(decided)
    assert beijing(case_rules.review_window_end(decided)) == "2027-01-10 10:00"
    clock.advance(days=30)  # the last moment still counts
    case_rules.check_review(Status.RESOLVED, decided, None, clock())
    case_rules.check_review(Status.CLOSED, decided, None, clock())
    clock.advance(seconds=1)
    with pytest.raises(case_rules.LifecycleConflict) as info:
        case_rules.check_review(Status.CLOSED, decided, None, clock())
    assert info.value.code == "review_window_closed"
    assert "30 日内" in info.value.message and "2027-01-10 10:00" in info.value.message


def test_review_needs_a_decision_and_happens_once() -> None:
    now = FILED + timedelta(days=12)
    with pytest.raises(case_rules.LifecycleConflict, match="只有已作出处理决定"):
        case_rules.check_review(Status.IN_PROGRESS, FILED, None, now)
    with pytest.raises(case_rules.LifecycleConflict, match="没有处理决定记录"):
        case_rules.check_review(Status.RESOLVED, None, None, now)
    with pytest.raises(case_rules.LifecycleConflict, match="不能再次申请核查"):
        case_rules.check_review(Status.RESOLVED, FILED + timedelta(days=5), FILED + timedelta(days=6), now)


def test_review_restarts_the_clock_with_thirty_days() -> None:
    requested = FILED + timedelta(days=20)
    assert case_rules.decision_due(requested, case_rules.REVIEW_DAYS) == requested + timedelta(days=30)


# --- the steps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, notified, step",
    [
        (Status.NEW, False, Step.ACCEPT),
        (Status.ACKNOWLEDGED, False, Step.ACCEPT),
        (Status.IN_PROGRESS, False, Step.INVESTIGATE),
        (Status.RESOLVED, False, Step.DECIDE),
        (Status.RESOLVED, True, Step.NOTIFY),
        (Status.CLOSED, True, Step.CLOSE),
        (Status.WITHDRAWN, False, Step.WITHDRAWN),
    ],
)
def test_steps_ride_on_the_statuses(status: Status, notified: bool, step: Step) -> None:
    assert case_rules.lifecycle_step(status, notified) == step


def test_every_status_maps_to_a_step() -> None:
    assert {case_rules.lifecycle_step(s, n) for s in Status for n in (False, True)} == set(Step)
