"""When it happened, as the case page shows it: never a raw ISO interval."""
import pytest

from bot.casedesk.console.render import occurred


@pytest.mark.parametrize("value,shown", [
    (None, "—"),
    ("2026-11-28", "2026年11月28日"),
    ("2026-11-01/2026-11-30", "2026年11月1日至2026年11月30日之间"),
    ("2026-11-28T10:30:00", "2026年11月28日 10:30"),
])
def test_the_date_of_a_case_reads_as_chinese(value, shown):
    assert occurred(value) == shown
