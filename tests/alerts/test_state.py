"""The alert state machine: for_runs, startsAt, resolution, old windows, label changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.alerts.state import (
    Alert,
    Signal,
    State,
    Transition,
    alert_key,
    breach,
    clear,
)

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)


def signal(severity: str = "warning", description: str = "d") -> Signal:
    return Signal(
        key="k",
        monitor="churn",
        alertname="DatasetDriftDetected",
        labels={"alertname": "DatasetDriftDetected", "monitor": "churn", "severity": severity},
        annotations={"summary": "s", "description": description},
        generator_url="http://x/api/runs/1",
    )


def apply(alert: Alert | None, transition: Transition) -> Alert | None:
    """The stored alert after a transition (ids are given as the store would)."""
    if transition.drop is not None:
        return None
    if not transition.write:
        return alert
    last = transition.write[-1]
    return last if last.id is not None else dataclasses.replace(last, id=len(transition.write))


def step(alert: Alert | None, breached: bool, n: int, for_runs: int) -> Alert | None:
    at = T0 + n * HOUR + timedelta(minutes=1)
    window = T0 + n * HOUR
    if breached:
        t = breach(alert, signal(), at=at, window_end=window, run_id=n, for_runs=for_runs)
    else:
        t = clear(alert, at=at, window_end=window)
    return apply(alert, t)


def test_fires_after_for_runs_consecutive_windows_and_keeps_the_first_breach_as_start() -> None:
    alert = step(None, True, 0, for_runs=3)
    assert alert is not None and alert.state is State.PENDING and alert.breaches == 1
    alert = step(alert, True, 1, for_runs=3)
    assert alert is not None and alert.state is State.PENDING
    alert = step(alert, True, 2, for_runs=3)
    assert alert is not None and alert.state is State.FIRING
    assert alert.starts_at == T0 + timedelta(minutes=1)
    assert alert.breaches == 3 and alert.run_id == 2


def test_a_clear_while_pending_forgets_the_alert_and_restarts_the_count() -> None:
    alert = step(None, True, 0, for_runs=2)
    t = clear(alert, at=T0 + HOUR, window_end=T0 + HOUR)
    assert t.drop == alert and not t.write
    alert = step(None, True, 2, for_runs=2)
    assert alert is not None and alert.state is State.PENDING
    assert alert.starts_at == T0 + 2 * HOUR + timedelta(minutes=1)


def test_a_clear_resolves_a_firing_alert_at_the_clearing_observation() -> None:
    alert = step(None, True, 0, for_runs=1)
    assert alert is not None and alert.state is State.FIRING
    t = clear(alert, at=T0 + HOUR + timedelta(minutes=2), window_end=T0 + HOUR)
    (resolved,) = t.write
    assert resolved.state is State.RESOLVED
    assert resolved.ends_at == T0 + HOUR + timedelta(minutes=2)
    assert resolved.starts_at == alert.starts_at
    assert resolved.version == alert.version + 1
    # A resolved alert is not resolved again, and a new breach starts a new alert.
    assert clear(resolved, at=T0 + 2 * HOUR).empty
    (again,) = breach(
        resolved, signal(), at=T0 + 3 * HOUR, window_end=T0 + 3 * HOUR, run_id=9, for_runs=1
    ).write
    assert again.id is None and again.starts_at == T0 + 3 * HOUR and again.breaches == 1


def test_an_older_window_changes_nothing_and_the_same_window_does_not_count_twice() -> None:
    alert = step(None, True, 5, for_runs=2)
    assert alert is not None
    older = T0 + 4 * HOUR
    assert breach(alert, signal(), at=T0, window_end=older, run_id=1, for_runs=2).empty
    assert clear(alert, at=T0 + 9 * HOUR, window_end=older).empty
    same = breach(
        alert,
        signal(description="new score"),
        at=T0 + 9 * HOUR,
        window_end=T0 + 5 * HOUR,
        run_id=7,
        for_runs=2,
    )
    (updated,) = same.write
    assert updated.breaches == 1 and updated.state is State.PENDING
    assert updated.annotations["description"] == "new score" and updated.run_id == 7


def test_unchanged_observation_of_a_firing_alert_writes_nothing_and_new_text_bumps_version() -> (
    None
):
    stale = signal()
    first = apply(None, breach(None, stale, at=T0, window_end=None, run_id=None, for_runs=1))
    assert first is not None
    assert breach(first, stale, at=T0 + HOUR, window_end=None, run_id=None, for_runs=1).empty
    (changed,) = breach(
        first, signal(description="other"), at=T0 + HOUR, window_end=None, run_id=None, for_runs=1
    ).write
    assert changed.version == first.version + 1 and changed.starts_at == first.starts_at


def test_new_labels_on_a_firing_alert_resolve_the_old_label_set_and_keep_the_start() -> None:
    alert = step(None, True, 0, for_runs=1)
    assert alert is not None
    t = breach(
        alert,
        signal(severity="critical"),
        at=T0 + HOUR,
        window_end=T0 + HOUR,
        run_id=2,
        for_runs=1,
    )
    old, new = t.write
    assert (
        old.id == alert.id and old.state is State.RESOLVED and old.labels["severity"] == "warning"
    )
    assert new.id is None and new.state is State.FIRING and new.labels["severity"] == "critical"
    assert new.starts_at == alert.starts_at and new.breaches == 2


def test_keys_depend_on_monitor_alertname_and_subject_only() -> None:
    a = alert_key("m", "ColumnDriftDetected", {"column": "x"})
    assert a == alert_key("m", "ColumnDriftDetected", {"column": "x"})
    assert len({a, alert_key("m", "ColumnDriftDetected", {"column": "y"})}) == 2
    assert a != alert_key("n", "ColumnDriftDetected", {"column": "x"})
    assert alert_key("m", "A", {"a": "1", "b": "2"}) == alert_key("m", "A", {"b": "2", "a": "1"})


@settings(max_examples=300, deadline=None)
@given(
    observations=st.lists(st.booleans(), min_size=1, max_size=30),
    for_runs=st.integers(min_value=1, max_value=5),
)
def test_state_follows_the_streak_of_breaching_windows(
    observations: list[bool], for_runs: int
) -> None:
    """After any sequence of windows: the alert is active iff the newest window breached;
    it fires iff the streak reached for_runs; startsAt is the streak's first breach,
    unless the alert was already firing before (then it is unchanged since it fired)."""
    alert: Alert | None = None
    history: list[Alert | None] = []
    for n, breached in enumerate(observations):
        before = alert
        alert = step(alert, breached, n, for_runs)
        if alert is not None and alert.state is State.RESOLVED:
            assert before is not None and before.state is State.FIRING
            alert = None
        history.append(alert)
    streak = 0
    for breached in reversed(observations):
        if not breached:
            break
        streak += 1
    if streak == 0:
        assert alert is None
        return
    assert alert is not None
    assert alert.breaches == streak
    assert alert.state is (State.FIRING if streak >= for_runs else State.PENDING)
    first = len(observations) - streak
    assert alert.starts_at == T0 + first * HOUR + timedelta(minutes=1)
    assert alert.window_end == T0 + (len(observations) - 1) * HOUR
