"""An APScheduler trigger firing at a monitor's :class:`~monitor.schedule.Schedule` ticks.

The trigger and the run's window come from the same ``Schedule``, so a run
fired at a tick evaluates the window ending at that tick.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.base import BaseTrigger

from monitor.schedule import Schedule


class ScheduleTrigger(BaseTrigger):  # type: ignore[misc]
    __slots__ = ("schedule",)

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is not None:
            return self.schedule.next_after(previous_fire_time)
        tick = self.schedule.floor(now)
        return tick if tick == now else self.schedule.next_after(now)

    def __str__(self) -> str:
        return self.schedule.describe()

    def __repr__(self) -> str:
        return f"ScheduleTrigger({self.schedule.text!r})"
