from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.durations import format_duration, parse_duration
from monitor.schedule import Schedule


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("1h", 3600), ("7d", 604800), ("2w", 1209600), ("1h30m", 5400)],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "15", "m", "15x", "1.5h", "-1h", "0m", "1 hour"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=10**8))
def test_format_then_parse_round_trips(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2060, 1, 1), timezones=st.just(UTC)
)


@given(instants, st.sampled_from(["every 1m", "every 15m", "every 1h", "every 1d", "every 7m"]))
def test_every_floor_is_latest_tick_at_or_before(instant: datetime, text: str) -> None:
    schedule = Schedule.parse(text)
    tick = schedule.floor(instant)
    assert tick <= instant < tick + schedule.nominal_interval()
    assert schedule.floor(tick) == tick
    assert schedule.next_after(instant) == tick + schedule.nominal_interval()


@given(instants, st.sampled_from(["*/15 * * * *", "0 3 * * 1", "30 */6 * * *", "0 0 1 * *"]))
def test_cron_floor_and_next_bracket_the_instant(instant: datetime, text: str) -> None:
    schedule = Schedule.parse(text)
    tick = schedule.floor(instant)
    following = schedule.next_after(instant)
    assert tick <= instant < following
    assert schedule.next_after(tick) == following or following <= schedule.next_after(tick)
    assert schedule.floor(following) == following


def test_cron_weekdays_follow_cron_numbering() -> None:
    sunday = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert sunday.strftime("%a") == "Sun"
    assert Schedule.parse("0 3 * * 1").floor(sunday) == datetime(2026, 2, 23, 3, tzinfo=UTC)
    assert Schedule.parse("0 3 * * 0").floor(sunday) == datetime(2026, 3, 1, 3, tzinfo=UTC)
    assert Schedule.parse("0 3 * * 7").floor(sunday) == datetime(2026, 3, 1, 3, tzinfo=UTC)
    friday = Schedule.parse("0 3 * * 1-5").floor(sunday)
    assert friday == datetime(2026, 2, 27, 3, tzinfo=UTC)


def test_naive_instants_are_utc() -> None:
    schedule = Schedule.parse("every 1h")
    assert schedule.floor(datetime(2026, 1, 1, 10, 30)) == datetime(2026, 1, 1, 10, tzinfo=UTC)


def test_aware_instants_in_other_zones_are_converted() -> None:
    from zoneinfo import ZoneInfo

    schedule = Schedule.parse("every 1h")
    local = datetime(2026, 7, 1, 12, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert schedule.floor(local) == datetime(2026, 7, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize("text", ["every", "every 5x", "* * *", "61 * * * *", "0 0 * * 9"])
def test_bad_schedules_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r"schedule|duration|day of week|cron"):
        Schedule.parse(text)
