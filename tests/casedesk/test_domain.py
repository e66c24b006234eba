"""Case rules without HTTP or database: fast, and the place to read what the rules are."""
from datetime import datetime, timedelta, timezone

import pytest

from bot.casedesk.cases import case_rules
from bot.casedesk.cases.case_rules import Category, HandoffReason, Priority, Status

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing


@pytest.mark.parametrize(
    "current,target",
    [
        ("new", "acknowledged"),
        ("new", "in_progress"),
        ("new", "withdrawn"),
        ("acknowledged", "in_progress"),
        ("acknowledged", "resolved"),
        ("in_progress", "resolved"),
        ("in_progress", "withdrawn"),
        ("resolved", "closed"),
        ("resolved", "in_progress"),
    ],
)
def test_legal_transitions(current: str, target: str) -> None:
    case_rules.check_transition(Status(current), Status(target))


@pytest.mark.parametrize(
    "current,target",
    [
        ("new", "resolved"),
        ("new", "closed"),
        ("acknowledged", "new"),
        ("in_progress", "closed"),
        ("resolved", "withdrawn"),
        ("closed", "in_progress"),
        ("closed", "new"),
        ("withdrawn", "new"),
        ("withdrawn", "in_progress"),
    ],
)
def test_illegal_transitions(current: str, target: str) -> None:
    with pytest.raises(case_rules.IllegalTransition) as info:
        case_rules.check_transition(Status(current), Status(target))
    assert "不能变更为" in info.value.message


def test_every_status_has_a_transition_entry() -> None:
    assert set(case_rules.TRANSITIONS) == set(Status)


def test_sla_normal_and_high() -> None:
    normal = case_rules.sla_deadlines(NOW, Priority.NORMAL)
    assert normal.contact_due_at == NOW + timedelta(hours=24)
    assert normal.reply_due_at is None
    assert normal.decision_due_at == NOW + timedelta(days=15)
    high = case_rules.sla_deadlines(NOW, Priority.HIGH)
    assert high.contact_due_at == NOW + timedelta(hours=1)
    assert high.reply_due_at == NOW + timedelta(hours=4)
    assert case_rules.sla_deadlines(NOW, Priority.HIGH, extended=True).decision_due_at == NOW + timedelta(days=30)


def test_overdue_deadlines() -> None:
    sla = case_rules.sla_deadlines(NOW, Priority.HIGH)
    state = case_rules.SlaState(Status.NEW, sla.contact_due_at, sla.reply_due_at, sla.decision_due_at, None, None, None)
    assert case_rules.overdue_deadlines(state, NOW) == []
    assert case_rules.overdue_deadlines(state, NOW + timedelta(hours=2)) == ["contact"]
    assert case_rules.overdue_deadlines(state, NOW + timedelta(hours=5)) == ["contact", "reply"]
    assert case_rules.overdue_deadlines(state, NOW + timedelta(days=16)) == ["contact", "reply", "decision"]
    closed = case_rules.SlaState(Status.CLOSED, *[getattr(state, f) for f in ("contact_due_at", "reply_due_at", "decision_due_at")], None, None, None)
    assert case_rules.overdue_deadlines(closed, NOW + timedelta(days=40)) == []


@pytest.mark.parametrize("priority", list(Priority))
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("met", [(), ("contact",), ("contact", "reply"), ("contact", "reply", "decision")])
@pytest.mark.parametrize("hours_later", [0, 2, 5, 25, 24 * 16])
def test_stored_next_due_agrees_with_overdue(priority: Priority, status: Status, met: tuple, hours_later: int) -> None:
    sla = case_rules.sla_deadlines(NOW, priority)
    state = case_rules.SlaState(
        status, sla.contact_due_at, sla.reply_due_at, sla.decision_due_at,
        NOW if "contact" in met else None, NOW if "reply" in met else None, NOW if "decision" in met else None,
    )
    later = NOW + timedelta(hours=hours_later)
    due = case_rules.next_due_at(state)
    assert bool(case_rules.overdue_deadlines(state, later)) == (due is not None and due < later)


def test_milestones_follow_status() -> None:
    empty = case_rules.Milestones(None, None, None)
    m = case_rules.milestones_after(Status.ACKNOWLEDGED, NOW, empty)
    assert m.contacted_at == NOW and m.replied_at is None
    later = NOW + timedelta(hours=1)
    m = case_rules.milestones_after(Status.RESOLVED, later, m)
    assert (m.contacted_at, m.replied_at, m.resolved_at) == (NOW, later, later)
    reopened = case_rules.milestones_after(Status.IN_PROGRESS, later, m)
    assert reopened.resolved_at is None and reopened.contacted_at == NOW


def test_extension_rules() -> None:
    # (issue 14: 15 → 30 → 60 days and who approves, in test_lifecycle_domain.py)
    case_rules.check_extension(Status.IN_PROGRESS, 15, 30, in_review=False, role=None)
    with pytest.raises(case_rules.SlaConflict):
        case_rules.check_extension(Status.IN_PROGRESS, 30, 30, in_review=False, role=None)
    with pytest.raises(case_rules.SlaConflict):
        case_rules.check_extension(Status.CLOSED, 15, 30, in_review=False, role=None)


def test_priority_and_queues() -> None:
    assert case_rules.effective_priority(Priority.NORMAL, HandoffReason.MEDIA) == Priority.HIGH
    assert case_rules.effective_priority(Priority.NORMAL, None) == Priority.NORMAL
    assert case_rules.route_queue(Priority.HIGH, Category.OTHER) == "queue:high_priority"
    assert case_rules.route_queue(Priority.NORMAL, Category.OTHER) == "queue:general"
    assert case_rules.route_queue(Priority.NORMAL, Category.STAFF_SERVICE) == "queue:staff_service"
    for p in Priority:
        for c in Category:
            assert case_rules.route_queue(p, c).startswith("queue:")


def test_case_no_uses_beijing_date() -> None:
    late_utc = datetime(2026, 11, 21, 17, 30, tzinfo=timezone.utc)  # 01:30 on the 22nd in Beijing
    assert case_rules.case_day(late_utc) == "20261122"
    assert case_rules.format_case_no("20261122", 123) == "TS20261122000123"
    assert case_rules.CASE_NO_RE.match("TS20261122000123")


def test_masking() -> None:
    assert case_rules.mask_phone("13812345678") == "138****5678"
    assert case_rules.mask_name("王建国") == "王*国"
    assert case_rules.mask_name("王五") == "王*"
    assert case_rules.mask_name("欧阳建国") == "欧**国"
    assert case_rules.mask_name("王") == "*"
    assert case_rules.mask_name(None) is None
    assert case_rules.mask_text("请回电13812345678，谢谢") == "请回电138****5678，谢谢"
    # bot/redact.py's rule set: card and ID numbers are masked too, a case number is not
    assert case_rules.mask_text("卡号 6222021234567890123") == "卡号 ***************0123"
    assert case_rules.mask_text("身份证110101199003071234") == "身份证110101********1234"
    assert case_rules.mask_text("案件 TS20261122000123") == "案件 TS20261122000123"


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("12345", None),
        ("23812345678", None),
        ("1381234567８", "13812345678"),
        ("١٣٨١٢٣٤٥٦٧٨", None),
    ],
)
def test_normalize_phone(raw: str, expected: object) -> None:
    assert case_rules.normalize_phone(raw) == expected


def test_occurred_at() -> None:
    assert case_rules.parse_occurred_at("2026-11-21", NOW) == "2026-11-21"
    assert case_rules.parse_occurred_at("2026-11-21T15:00:00", NOW) == "2026-11-21T15:00:00+08:00"
    assert case_rules.parse_occurred_at("2026-11-21T07:00:00Z", NOW) == "2026-11-21T15:00:00+08:00"
    for bad in ("2026-13-01", "昨天", "2030-01-01", "1900-01-01", "2026-11-21T25:00"):
        with pytest.raises(ValueError):
            case_rules.parse_occurred_at(bad, NOW)


def test_group_needs_three_distinct_phones() -> None:
    assert not case_rules.is_group(["a", "a", "b", None])
    assert case_rules.is_group(["a", "b", "c"])
    key = case_rules.group_key("朝阳路支行", Category.PRODUCT_SERVICE, NOW)
    assert key.startswith("GRP20261122-") and key == case_rules.group_key("朝阳路支行", Category.PRODUCT_SERVICE, NOW)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("0571-8702 3456", "057187023456"),      # a landline with its area code is a contact number too
        ("(010)62345678", "01062345678"),
        ("+86 571 8702 3456", "057187023456"),
        ("87023456", None),                      # without the area code it cannot be dialled
        ("400-820-8888", None),
        ("6222021234567890", None),
    ],
)
def test_normalize_phone_accepts_landlines(raw: str, expected: object) -> None:
    assert case_rules.normalize_phone(raw) == expected


def test_landline_masking() -> None:
    assert case_rules.mask_phone("057187023456") == "0571****3456"
    assert case_rules.mask_phone("01062345678") == "010****5678"
    assert len(case_rules.mask_phone("057187023456") or "") <= 16  # fits cases.phone_masked


def test_occurred_at_interval() -> None:
    # a customer who only knows "上个月" gives a window the agent searches
    assert case_rules.parse_occurred_at("2026-10-01/2026-10-31", NOW) == "2026-10-01/2026-10-31"
    assert case_rules.parse_occurred_at(" 2026-11-01 / 2026-11-22 ", NOW) == "2026-11-01/2026-11-22"
    assert case_rules.parse_occurred_at("2026-11-21/2026-11-21", NOW) == "2026-11-21"
    assert len(case_rules.parse_occurred_at("2026-10-01/2026-10-31", NOW)) <= 32  # cases.occurred_at
    for bad in (
        "2026-10-31/2026-10-01",                          # ends before it starts
        "2026-11-01/2026-12-31",                          # reaches into the future
        "1980-01-01/2026-01-01",
        "2026-11-01/",
        "2026-11-01T10:00:00/2026-11-02T10:00:00",        # days only
        "上个月/昨天",
    ):
        with pytest.raises(ValueError):
            case_rules.parse_occurred_at(bad, NOW)
