"""Honest waits (issue 15): when the bot may quote a wait for a person, and what it promises
instead — rules only, no database and no HTTP, every function given `now` (the app's clock).

A customer who threatened the media once heard "当前您排在第 198 位，预计等待约 594 分钟". Now:

- a wait is quoted only inside service hours, when it is at most the limit and ends before the
  service closes (`callback_reason`); otherwise the handoff becomes a call-back;
- the call-back is promised within `within_minutes` (the high-priority first-contact SLA, 1 h),
  sooner when the case's own contact deadline is sooner; outside service hours (or when the
  service closes before that), within `within_minutes` of the next opening (`promised_by`) — a
  promise nobody on duty could keep is not made, and the case's SLA shows the late contact;
- a waiting handoff without a customer message for `idle_minutes` moves to the call-back queue
  too (`is_idle`): the customer has most likely left the chat.

Service hours are Beijing time (domain.CHINA_TZ), like every time agents and customers read.
A customer in danger (self_harm) is never turned into a call-back: that handoff stays first in
the live queue whatever the hour.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Optional, Tuple

from bot.casedesk.cases.case_rules import CHINA_TZ, HandoffReason, LabelledEnum
from bot.casedesk.settings import CallbackSettings

DAY = 24 * 60


class CallbackReason(LabelledEnum):
    """Why a handoff became a call-back (callbacks.reason)."""

    LONG_WAIT = "long_wait", "排队过久"  # the wait would be above the limit
    AFTER_HOURS = "after_hours", "非服务时间"  # outside service hours, or the wait would end after closing
    IDLE = "idle", "客户久未回复"  # waited for a person without a word for idle_minutes


# reasons whose customer is never moved out of the live queue
NEVER_CALLED_BACK = frozenset({HandoffReason.SELF_HARM.value})


@dataclass(frozen=True)
class ServiceHours:
    """A daily window in minutes after midnight, Beijing time: [start, end), end > start, or
    running past midnight when start > end; (0, 1440) is always open."""

    start: int
    end: int

    @classmethod
    def of(cls, cfg: CallbackSettings) -> "ServiceHours":
        return cls(*cfg.window)

    @property
    def always_open(self) -> bool:
        return self.start == 0 and self.end == DAY

    @property
    def text(self) -> str:
        """"09:00–21:00" as the customer reads it."""
        def hhmm(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"

        return f"{hhmm(self.start)}–{hhmm(self.end)}"

    def _window_around(self, local: datetime) -> Optional[Tuple[datetime, datetime]]:
        """The open window containing `local` (aware, Beijing time), or None when closed."""
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        for day in (-1, 0):  # a window past midnight may have opened yesterday
            start = midnight + timedelta(days=day, minutes=self.start)
            end = midnight + timedelta(days=day, minutes=self.end if self.end > self.start else self.end + DAY)
            if start <= local < end:
                return start, end
        return None

    def is_open(self, now: datetime) -> bool:
        return self.always_open or self._window_around(now.astimezone(CHINA_TZ)) is not None

    def closes_at(self, now: datetime) -> Optional[datetime]:
        """When the window `now` is in closes (None: always open, or closed now)."""
        if self.always_open:
            return None
        window = self._window_around(now.astimezone(CHINA_TZ))
        return window[1] if window else None

    def next_opening(self, now: datetime) -> datetime:
        """The start of the next window after `now` (now itself when always open)."""
        if self.always_open:
            return now
        local = now.astimezone(CHINA_TZ)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        for day in (0, 1):
            start = midnight + timedelta(days=day, minutes=self.start)
            if start > local:
                return start
        raise AssertionError("unreachable: a window opens every day")


def callback_reason(
    now: datetime, wait_minutes: int, handoff_reason: str, cfg: CallbackSettings
) -> Optional[CallbackReason]:
    """None when the wait may be quoted; else why the customer gets a call-back instead."""
    if handoff_reason in NEVER_CALLED_BACK:
        return None
    hours = ServiceHours.of(cfg)
    if not hours.is_open(now):
        return CallbackReason.AFTER_HOURS
    if wait_minutes > cfg.wait_limit_minutes:
        return CallbackReason.LONG_WAIT
    closes = hours.closes_at(now)
    if closes is not None and now + timedelta(minutes=wait_minutes) > closes:
        # nobody would pick it up: the desk closes before the quoted wait is over
        return CallbackReason.AFTER_HOURS
    return None


# a promise is rounded down to ten minutes ("15:30 前") when that still leaves this much time
ROUND_LEAVES = timedelta(minutes=30)


def _round_down(target: datetime, now: datetime) -> datetime:
    """"15:37" → "15:30" when that leaves ROUND_LEAVES; else to the minute. Never later than the
    target: a promise rounded up could pass the SLA or the closing time."""
    floor_minute = target.replace(second=0, microsecond=0)
    local = floor_minute.astimezone(CHINA_TZ)
    ten = floor_minute - timedelta(minutes=local.minute % 10)
    return ten if ten - now >= ROUND_LEAVES else floor_minute


def promised_by(now: datetime, cfg: CallbackSettings, contact_due: Optional[datetime] = None) -> datetime:
    """When a person calls back at the latest: `within_minutes` from now inside service hours
    (sooner when the case's contact deadline is), else `within_minutes` after the next opening."""
    hours = ServiceHours.of(cfg)
    within = timedelta(minutes=cfg.within_minutes)
    if hours.is_open(now):
        target = now + within
        if contact_due is not None and now + ROUND_LEAVES <= contact_due < target:
            target = contact_due
        closes = hours.closes_at(now)
        if closes is None or target <= closes:
            return _round_down(target, now)
    return hours.next_opening(now) + within


_DAY_WORDS = {0: "今天", 1: "明天", 2: "后天"}


def promise_words(promised: datetime, now: datetime) -> str:
    """The promise as the customer and the agent read it: "今天 15:30 前", "明天 10:00 前",
    "12月8日 10:00 前" (Beijing time)."""
    local, today = promised.astimezone(CHINA_TZ), now.astimezone(CHINA_TZ).date()
    days = (local.date() - today).days
    day = _DAY_WORDS.get(days) or f"{local.month}月{local.day}日"
    return f"{day} {local:%H:%M} 前"


def local_day(dt: datetime) -> date:
    return dt.astimezone(CHINA_TZ).date()


def last_heard(created_at: datetime, synced_until: Optional[float]) -> datetime:
    """When the customer of a handoff last wrote, as far as the desk knows: the latest message
    copied from Rasa (handoffs.synced_until), or the handoff's opening."""
    if synced_until is None or not math.isfinite(synced_until):
        return created_at
    return max(created_at, datetime.fromtimestamp(synced_until, timezone.utc))


def is_idle(now: datetime, created_at: datetime, synced_until: Optional[float], cfg: CallbackSettings) -> bool:
    """A waiting handoff whose customer has written nothing for idle_minutes (0: never)."""
    if cfg.idle_minutes <= 0:
        return False
    return now - last_heard(created_at, synced_until) >= timedelta(minutes=cfg.idle_minutes)


def idle_cutoff(now: datetime, cfg: CallbackSettings) -> Optional[datetime]:
    """Handoffs opened before this may be idle (the SQL pre-filter of is_idle)."""
    return None if cfg.idle_minutes <= 0 else now - timedelta(minutes=cfg.idle_minutes)
