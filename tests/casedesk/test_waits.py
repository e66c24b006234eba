"""Honest waits (issue 15): which wait may be quoted, what is promised instead, when a quiet
handoff counts as abandoned — the rules of bot/casedesk/handoffs/waits.py on a clock the test sets."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.settings import ALWAYS_OPEN, CallbackSettings, load_settings, parse_service_hours
from bot.casedesk.handoffs.waits import (
    CallbackReason,
    ServiceHours,
    callback_reason,
    idle_cutoff,
    is_idle,
    last_heard,
    promise_words,
    promised_by,
)

DAY = (2026, 12, 7)
CFG = CallbackSettings(service_hours="09:00-21:00", wait_limit_minutes=15)


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    """A Beijing time on the test day (day=1: the next day)."""
    return datetime(*DAY, hour, minute, tzinfo=CHINA_TZ) + timedelta(days=day)


# ---------------------------------------------------------------------------------------------
# Service hours


@pytest.mark.parametrize("when, open_", [
    (at(8, 59), False), (at(9, 0), True), (at(14, 0), True), (at(20, 59), True), (at(21, 0), False),
    (at(23, 30), False), (at(0, 0), False),
])
def test_service_hours_are_a_beijing_window_closed_at_its_end(when: datetime, open_: bool) -> None:
    assert ServiceHours.of(CFG).is_open(when) is open_
    # the same instant in UTC reads the same: hours are Beijing time whatever the server's zone
    assert ServiceHours.of(CFG).is_open(when.astimezone(timezone.utc)) is open_


def test_a_window_past_midnight_and_the_always_open_one() -> None:
    night = ServiceHours.of(CallbackSettings(service_hours="22:00-06:00"))
    assert night.is_open(at(23)) and night.is_open(at(2)) and not night.is_open(at(12))
    assert night.closes_at(at(23)) == at(6, day=1) and night.closes_at(at(2)) == at(6)
    assert night.next_opening(at(12)) == at(22)
    always = ServiceHours.of(CallbackSettings(service_hours=ALWAYS_OPEN))
    assert always.always_open and always.is_open(at(3)) and always.closes_at(at(3)) is None
    assert ServiceHours.of(CFG).text == "09:00–21:00"


@pytest.mark.parametrize("text", ["9-21", "09:00", "25:00-26:00", "09:00-09:00", "09:60-21:00", ""])
def test_bad_service_hours_are_refused_with_the_setting_named(text: str) -> None:
    with pytest.raises(ValueError, match="CASEDESK_SERVICE_HOURS"):
        parse_service_hours(text)


def test_settings_from_the_environment() -> None:
    cfg = CallbackSettings.from_env({
        "CASEDESK_WAIT_LIMIT_MINUTES": "20", "CASEDESK_SERVICE_HOURS": "08:30-20:00",
        "CASEDESK_CALLBACK_WITHIN_MINUTES": "45", "CASEDESK_CALLBACK_IDLE_MINUTES": "0.5",
        "CASEDESK_HOTLINE": "400-800-1234",
    })
    assert (cfg.wait_limit_minutes, cfg.window, cfg.within_minutes, cfg.idle_minutes, cfg.hotline) == (
        20, (510, 1200), 45, 0.5, "400-800-1234")
    # the environment's defaults: 15 minutes, 09:00–21:00, 10 minutes of silence
    default = CallbackSettings.from_env({})
    assert (default.wait_limit_minutes, default.service_hours, default.idle_minutes) == (15, "09:00-21:00", 10.0)
    # no hotline built in: the customer is told where to find the bank's own
    assert default.hotline == "" and default.hotline_words == "（号码印在您银行卡的背面）"
    # built in code (tests, benches): any wait quoted at any hour, no handoff moved — opt in
    built = CallbackSettings()
    assert built.service_hours == ALWAYS_OPEN and built.idle_minutes == 0
    assert callback_reason(at(3), 600, "media", built) is None
    for key, value in (("CASEDESK_WAIT_LIMIT_MINUTES", "0"), ("CASEDESK_CALLBACK_IDLE_MINUTES", "-1"),
                       ("CASEDESK_HOTLINE", "call us"), ("CASEDESK_CALLBACK_WITHIN_MINUTES", "soon")):
        with pytest.raises(ValueError, match=key):
            CallbackSettings.from_env({key: value})


def test_load_settings_reads_the_block(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = tmp_path / ".env"
    env.write_text("CASEDESK_TOKEN=t\nCASEDESK_SECRET_KEY=" + "k" * 20 + "\nCASEDESK_HOTLINE=95588\n")
    settings = load_settings(env, environ={"CASEDESK_SERVICE_HOURS": "10:00-18:00"})
    assert settings.callbacks.hotline == "95588" and settings.callbacks.window == (600, 1080)


# ---------------------------------------------------------------------------------------------
# Which wait may be quoted


@pytest.mark.parametrize("when, wait, reason, expected", [
    (at(14), 3, "media", None),
    (at(14), 15, "media", None),  # the limit itself may be quoted
    (at(14), 16, "media", CallbackReason.LONG_WAIT),
    (at(14), 594, "media", CallbackReason.LONG_WAIT),  # the customer who heard "约 594 分钟"
    (at(22, 30), 3, "anger", CallbackReason.AFTER_HOURS),
    (at(7), 1, "human", CallbackReason.AFTER_HOURS),
    (at(20, 50), 12, "regulator", CallbackReason.AFTER_HOURS),  # the desk closes before that
    (at(20, 50), 9, "regulator", None),
    # a customer in danger stays first in the live queue whatever the hour or the queue
    (at(23), 600, "self_harm", None),
])
def test_a_wait_is_quoted_only_when_it_is_honest(when: datetime, wait: int, reason: str, expected) -> None:  # type: ignore[no-untyped-def]
    assert callback_reason(when, wait, reason, CFG) == expected


def test_the_limit_is_a_setting() -> None:
    strict = CallbackSettings(wait_limit_minutes=5)
    assert callback_reason(at(14), 6, "media", strict) == CallbackReason.LONG_WAIT
    # a CallbackSettings built in code is always open: only the limit applies, at any hour
    assert callback_reason(at(3), 5, "media", strict) is None


# ---------------------------------------------------------------------------------------------
# What is promised


@pytest.mark.parametrize("now, contact_due, expected", [
    (at(14, 7), None, at(15, 0)),  # within the hour, rounded down to ten minutes
    (at(14, 7), at(14, 47), at(14, 40)),  # the case's own deadline is sooner
    (at(14, 7), at(14, 20), at(15, 0)),  # a deadline too close to promise: the hour
    (at(20, 30), None, at(10, 0, day=1)),  # the desk closes first: the hour after opening
    (at(23, 0), None, at(10, 0, day=1)),
    (at(1, 0), None, at(10, 0)),
    (at(8, 50), None, at(10, 0)),  # not open yet: from the opening, not from now
])
def test_the_call_back_is_promised_within_the_hour_of_service(now: datetime, contact_due, expected: datetime) -> None:  # type: ignore[no-untyped-def]
    assert promised_by(now, CFG, contact_due) == expected


def test_a_promise_never_rounds_past_what_it_may_promise() -> None:
    # 14:25 + 60 = 15:25 → 15:20; the 30 minutes left after rounding are kept
    assert promised_by(at(14, 25), CFG) == at(15, 20)
    tight = CallbackSettings(service_hours="09:00-21:00", within_minutes=35)
    assert promised_by(at(14, 1), tight) == at(14, 36)  # 14:30 would leave 29 minutes: to the minute
    assert promised_by(at(14, 0), CallbackSettings()) == at(15, 0)  # always open: from now


@pytest.mark.parametrize("promised, now, words", [
    (at(15, 0), at(14, 7), "今天 15:00 前"),
    (at(10, 0, day=1), at(23), "明天 10:00 前"),
    (at(10, 0, day=2), at(23), "后天 10:00 前"),
    (at(10, 0, day=5), at(23), "12月12日 10:00 前"),
])
def test_the_promise_in_words(promised: datetime, now: datetime, words: str) -> None:
    assert promise_words(promised, now) == words


# ---------------------------------------------------------------------------------------------
# A handoff gone quiet


def test_a_handoff_is_idle_after_n_minutes_without_a_customer_message() -> None:
    cfg = CallbackSettings(idle_minutes=10)
    opened = at(10)
    assert not is_idle(at(10, 9), opened, None, cfg)
    assert is_idle(at(10, 10), opened, None, cfg)
    # a message at 10:05 (Rasa's timestamp, copied by the sync loop) starts the count again
    said = at(10, 5).timestamp()
    assert last_heard(opened, said) == at(10, 5)
    assert not is_idle(at(10, 14), opened, said, cfg) and is_idle(at(10, 15), opened, said, cfg)
    # the bot's `since` (the message that called for a person, just before the opening) is older
    assert last_heard(opened, (opened - timedelta(seconds=2)).timestamp()) == opened
    assert last_heard(opened, float("nan")) == opened
    assert idle_cutoff(at(10, 30), cfg) == at(10, 20)


def test_idle_minutes_zero_never_moves_a_handoff() -> None:
    cfg = CallbackSettings(idle_minutes=0)
    assert not is_idle(at(23), at(1), None, cfg) and idle_cutoff(at(23), cfg) is None
