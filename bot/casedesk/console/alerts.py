"""When a waiting handoff has waited too long (issue 15): the rule, free of HTTP and the database.

A customer handed to a person is told someone is coming. If nobody claims the handoff within the
limit, supervisors are alerted (the queue and supervisor pages, with sound and a desktop
notification; console.js). Threats — self-harm, violence, media, regulator — get the short limit
(default 3 minutes): such a customer may act on the threat within minutes. Anger and a plain
request for a person get the long one (default 10). Limits: Settings.handoff_wait_alerts.

The wait is counted from the handoff's created time (when the bot handed over) against the app's
clock (Settings.clock, injectable), so a test moves the clock instead of sleeping. Only waiting
handoffs alert: once an agent has claimed it, the customer has a person.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import FrozenSet, Optional

from bot.casedesk.cases.case_rules import HandoffReason
from bot.casedesk.settings import HandoffWaitAlerts
from bot.vocabulary import HandoffStatus

WAITING = HandoffStatus.WAITING.value

THREAT_REASONS: FrozenSet[str] = frozenset(
    r.value for r in (HandoffReason.SELF_HARM, HandoffReason.VIOLENCE, HandoffReason.MEDIA, HandoffReason.REGULATOR)
)


def is_threat(reason: Optional[str]) -> bool:
    return (reason or "") in THREAT_REASONS


@dataclass(frozen=True)
class WaitLimits:
    threat: timedelta
    other: timedelta

    @classmethod
    def of(cls, config: HandoffWaitAlerts) -> "WaitLimits":
        return cls(timedelta(minutes=config.threat_minutes), timedelta(minutes=config.other_minutes))

    def for_reason(self, reason: Optional[str]) -> timedelta:
        # an unknown reason is no threat we know of: the long limit, never no limit at all
        return self.threat if is_threat(reason) else self.other


def alert_at(created_at: datetime, reason: Optional[str], limits: WaitLimits) -> datetime:
    """When this handoff, if still waiting, starts to alert."""
    return created_at + limits.for_reason(reason)


def waited_too_long(
    status: str, created_at: datetime, reason: Optional[str], limits: WaitLimits, now: datetime
) -> bool:
    """Still waiting at or past its limit. At the limit counts: "3 minutes" means by then."""
    return status == WAITING and now >= alert_at(created_at, reason, limits)
