"""Monitor schedules: ``every 15m`` or a five-field cron expression, in UTC.

A schedule knows its ticks: :meth:`Schedule.floor` gives the latest tick at or
before an instant (so a window ending at a tick is the same however late the
run starts), :meth:`Schedule.next_after` the following one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from monitor.durations import format_duration, parse_duration

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Schedule:
    text: str
    interval: timedelta | None
    """Fixed interval for ``every`` schedules, None for cron."""
    cron: str | None

    @classmethod
    def parse(cls, text: str) -> Schedule:
        stripped = " ".join(text.split())
        if stripped.lower().startswith("every "):
            interval = parse_duration(stripped[6:])
            return cls(text=stripped, interval=interval, cron=None)
        fields = stripped.split(" ")
        if len(fields) != 5:
            raise ValueError(
                f"invalid schedule {text!r}; expected 'every <duration>' such as 'every 15m', "
                "or a five-field cron expression such as '*/15 * * * *'"
            )
        try:
            trigger = _cron_trigger(stripped)
        except ValueError as exc:
            raise ValueError(f"invalid cron schedule {text!r}: {exc}") from exc
        if trigger.get_next_fire_time(None, EPOCH) is None:
            raise ValueError(f"cron schedule {text!r} never fires (no such day in any year)")
        return cls(text=stripped, interval=None, cron=stripped)

    def _trigger(self) -> CronTrigger:
        assert self.cron is not None
        return _cron_trigger(self.cron)

    def floor(self, instant: datetime) -> datetime:
        """The latest tick at or before ``instant``."""
        instant = _utc(instant)
        if self.interval is not None:
            step = int(self.interval.total_seconds())
            seconds = (instant - EPOCH) // timedelta(seconds=1)
            return EPOCH + timedelta(seconds=seconds - seconds % step)
        trigger = self._trigger()
        span = timedelta(minutes=2)
        while True:
            start = instant - span
            tick = trigger.get_next_fire_time(None, start)
            if tick is not None and tick <= instant:
                while True:
                    following = trigger.get_next_fire_time(tick, tick + timedelta(seconds=1))
                    if following is None or following > instant:
                        return _utc(tick)
                    tick = following
            span *= 2
            if span > timedelta(days=366 * 8):
                raise ValueError(f"schedule {self.text!r} has no tick before {instant}")

    def next_after(self, instant: datetime) -> datetime:
        """The first tick strictly after ``instant``."""
        instant = _utc(instant)
        if self.interval is not None:
            return self.floor(instant) + self.interval
        tick = self._trigger().get_next_fire_time(None, instant + timedelta(microseconds=1))
        if tick is None:
            raise ValueError(f"schedule {self.text!r} has no tick after {instant}")
        return _utc(tick)

    def nominal_interval(self, around: datetime | None = None) -> timedelta:
        """The interval for ``every``; for cron, the gap between the ticks around ``around``."""
        if self.interval is not None:
            return self.interval
        at = self.floor(around or datetime.now(UTC))
        return self.next_after(at) - at

    def describe(self) -> str:
        if self.interval is not None:
            return f"every {format_duration(self.interval)}"
        return f"cron '{self.cron}' (UTC)"


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _cron_trigger(expression: str) -> CronTrigger:
    """A trigger with standard cron semantics (UTC).

    APScheduler numbers weekdays from Monday = 0 while cron uses Sunday = 0 (or 7),
    so the day-of-week field is rewritten with day names before it is handed over.
    """
    minute, hour, day, month, day_of_week = expression.split(" ")
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_cron_weekdays(day_of_week),
        timezone=UTC,
    )


def _cron_weekdays(field: str) -> str:
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for item in field.lower().split(","):
        body, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"day-of-week step must be positive in {field!r}")
        if body == "*":
            first, last = 0, 6
        else:
            low, _, high = body.partition("-")
            first = _weekday_number(low, field)
            last = _weekday_number(high, field) if high else (6 if step_text else first)
        if last < first:
            raise ValueError(f"day-of-week range {body!r} runs backwards in {field!r}")
        days.update(n % 7 for n in range(first, last + 1, step))
    return ",".join(_DAY_NAMES[n] for n in sorted(days))


def _weekday_number(token: str, field: str) -> int:
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token)
    if token[:3] in _DAY_NAMES:
        return _DAY_NAMES.index(token[:3])
    raise ValueError(f"invalid day of week {token!r} in {field!r}; expected 0-7 or sun-sat")


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)
