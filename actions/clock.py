"""The intake's clock: the day relative dates ("昨天", "上周五") are counted from.

Its own module so that every action (the form, the opening, the handoff) reads the same day
without importing one another.
"""
from __future__ import annotations

import os
from datetime import date, datetime


def today() -> date:
    """The server's local date, or the date in the zone INTAKE_TIMEZONE names (e.g.
    Asia/Shanghai) when the server's clock runs on another zone."""
    zone = os.environ.get("INTAKE_TIMEZONE")
    if zone:
        try:
            from zoneinfo import ZoneInfo

            return datetime.now(ZoneInfo(zone)).date()
        except Exception:  # unknown zone or no tz database: fall back to the local date
            pass
    return date.today()
