"""The in-memory buffer of results waiting for the results database: bounded, ordered,
and counting what it drops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.config.models import MonitorConfig
from monitor.result import RunResult, RunStatus
from monitor.service.storebuffer import ResultBuffer
from monitor.windows import TimeRange
from tests.service.sources import NOW, config, monitor_toml

MONITOR: MonitorConfig = config(monitor_toml("churn", "sqlite:///unused.db")).monitors[0]


def result(hour: int) -> RunResult:
    end = NOW + timedelta(hours=hour)
    return RunResult(
        monitor="churn",
        status=RunStatus.OK,
        window_end=end,
        current=TimeRange(end - timedelta(hours=1), end),
        reference=TimeRange(None, None),
        started_at=end,
        finished_at=end,
    )


def test_results_come_out_oldest_first() -> None:
    buffer = ResultBuffer(5)
    for hour in range(3):
        assert buffer.add(MONITOR, result(hour)) is None
    assert len(buffer) == 3
    out = []
    while (pending := buffer.oldest()) is not None:
        assert buffer.pop_oldest() is pending
        out.append(pending.result.window_end)
    assert out == [NOW, NOW + timedelta(hours=1), NOW + timedelta(hours=2)]
    assert buffer.dropped == 0


def test_a_full_buffer_drops_the_oldest_and_counts_it() -> None:
    buffer = ResultBuffer(2)
    buffer.add(MONITOR, result(0))
    buffer.add(MONITOR, result(1))
    dropped = buffer.add(MONITOR, result(2))
    assert dropped is not None and dropped.result.window_end == NOW
    assert buffer.dropped == 1
    assert [p.result.window_end for p in buffer.items()] == [
        NOW + timedelta(hours=1),
        NOW + timedelta(hours=2),
    ]


def test_a_buffer_must_hold_something() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ResultBuffer(0)


@given(capacity=st.integers(1, 20), added=st.integers(0, 60), taken=st.integers(0, 60))
def test_laws_of_size_order_and_drops(capacity: int, added: int, taken: int) -> None:
    buffer = ResultBuffer(capacity)
    removed = []
    for hour in range(added):
        buffer.add(MONITOR, result(hour))
        if hour < taken and len(buffer) > capacity // 2:
            removed.append(buffer.pop_oldest().result.window_end)
        assert len(buffer) <= capacity
    kept = [p.result.window_end for p in buffer.items()]
    # What is kept is always the newest results, in order; the rest was taken or dropped.
    assert kept == sorted(kept)
    assert len(kept) + len(removed) + buffer.dropped == added
    if kept:
        assert kept[-1] == NOW + timedelta(hours=added - 1)
        assert all(r < kept[0] for r in removed)
