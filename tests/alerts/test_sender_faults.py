"""``driftwarden serve`` against an Alertmanager that answers 500, then answers too late,
then recovers (a stub on a real loopback socket):

- the alerts stay in the outbox with the reason, retried with a growing backoff;
- the scheduler is never held up: another monitor's ticks run on time while the
  sender waits for the slow answers;
- once it answers, every alert is accepted once, and not posted again before the
  resend interval.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.alerts.state import State
from monitor.runner import utcnow
from monitor.store import Store
from monitor.store.alerts import AlertStore
from tests.alerts.stub import StubAlertmanager, identity, stub_alertmanager
from tests.servers import free_port
from tests.service.harness import config_text
from tests.service.process import Served, serve
from tests.service.sources import NO_REPORT, monitor_toml, write_source

pytestmark = pytest.mark.slow

TICK = 2
"""Seconds between the ticks of the ``ticker`` monitor."""


def write_config(root: Path, port: int, am_url: str) -> tuple[Path, str]:
    source_url = f"sqlite:///{root / 'source.db'}"
    now = utcnow()
    # Current rows up to five minutes before now: every window of the next minutes sees them.
    write_source(source_url, now, current_end=now + timedelta(minutes=5))
    service = f"""listen = "127.0.0.1:{port}"
run_timeout = "60s"

[alerting]
alertmanager_urls = ["{am_url}"]
resend_interval = "1h"
timeout = "1s"
max_backoff = "4s"
"""
    ticker = monitor_toml(
        "ticker",
        source_url,
        now,
        schedule=f"every {TICK}s",
        extra=NO_REPORT + "[monitors.alerts]\nenabled = false\n",
    )
    monitors = monitor_toml("churn", source_url, now, extra=NO_REPORT) + ticker
    path = root / "config.toml"
    path.write_text(config_text(root, source_url, service=service, monitors=monitors))
    return path, f"sqlite:///{root / 'driftwarden.db'}"


def outbox(store: Store, url: str) -> dict[str, tuple[State, int, int, int, str | None]]:
    """Per alertname+subject: state, version, accepted version, attempts, last error."""
    alerts = AlertStore(store)
    found = {}
    for alert in alerts.all("churn"):
        assert alert.id is not None
        delivered, _sent, attempts, error = alerts.outbox(alert.id)[url]
        name = alert.alertname + str(sorted(alert.labels.items()))
        found[name] = (alert.state, alert.version, delivered, attempts, error)
    return found


def wait_posts(s: Served, stub: StubAlertmanager, mode: str, count: int, timeout: float) -> None:
    s.wait_for(lambda: len(stub.received(mode)) >= count, timeout, f"{count} {mode} post(s)")  # type: ignore[arg-type]


def test_500_then_slow_answers_retry_with_backoff_never_block_ticks_nor_duplicate(
    tmp_path: Path,
) -> None:
    port = free_port()
    with stub_alertmanager() as stub:
        stub.mode = "error"
        path, store_url = write_config(tmp_path, port, stub.url)
        with serve(path, port) as s:
            # 1. HTTP 500: kept in the outbox, retried after 1 s, 2 s, 4 s, 4 s.
            wait_posts(s, stub, "error", 5, 60)
            store = Store.open(store_url, upgrade=False)
            try:
                rows = outbox(store, stub.url)
                assert rows, "the drift fired alerts"
                assert {r[0] for r in rows.values()} == {State.FIRING}
                assert all(r[2] == 0 and r[3] >= 4 for r in rows.values()), rows
                assert all("HTTP 500" in (r[4] or "") for r in rows.values())
                firing = {identity({"labels": a.labels}) for a in AlertStore(store).active("churn")}
            finally:
                store.close()
            times = [p.received for p in stub.received("error")[:5]]
            gaps = [b - a for a, b in itertools.pairwise(times)]
            for gap, backoff in zip(gaps, [1, 2, 4, 4], strict=True):
                assert gap >= backoff - 0.05, (gaps, times, s.log())
            for post in stub.received("error"):
                assert {identity(a) for a in post.alerts} == firing

            # 2. Answers after the client's 1 s timeout: the sender waits each time, the
            # scheduler does not.
            stub.mode = "slow"
            slow_from = time.time()
            wait_posts(s, stub, "slow", 3, 60)
            slow_until = time.time()
            stub.mode = "ok"
            store = Store.open(store_url, upgrade=False)
            try:
                rows = outbox(store, stub.url)
                assert all(r[2] == 0 for r in rows.values())
                assert all("Timeout" in (r[4] or "") for r in rows.values()), rows
                ticks = sorted(
                    r.window_end
                    for r in store.runs("ticker", limit=1000)
                    if slow_from <= r.started_at.timestamp() <= slow_until
                )
                started = {r.window_end: r.started_at for r in store.runs("ticker", limit=1000)}
            finally:
                store.close()
            # The three slow posts held the sender for over 3 s (plus the backoffs): the
            # ticker ran every tick of that time, each before its next tick was due.
            assert len(ticks) >= 3, ticks
            assert [(b - a).total_seconds() for a, b in itertools.pairwise(ticks)] == [TICK] * (
                len(ticks) - 1
            )
            for tick in ticks:
                assert started[tick] - tick < timedelta(seconds=TICK), (tick, started[tick])

            # 3. It answers again: every alert accepted once, nothing posted twice.
            def all_accepted() -> bool:
                check = Store.open(store_url, upgrade=False)
                try:
                    return all(r[2] == r[1] for r in outbox(check, stub.url).values())
                finally:
                    check.close()

            s.wait_for(all_accepted, 60, "delivery after recovery")
            time.sleep(5)  # longer than the longest backoff: a repeat would have come
            accepted = Counter(identity(a) for p in stub.received("ok") for a in p.alerts)
            assert set(accepted) == firing
            assert set(accepted.values()) == {1}, accepted
            store = Store.open(store_url, upgrade=False)
            try:
                rows = outbox(store, stub.url)
            finally:
                store.close()
            assert all(r[3] == 0 and r[4] is None for r in rows.values()), rows
            assert s.get("/api/monitors").status_code == 200
            assert s.stop() == 0
