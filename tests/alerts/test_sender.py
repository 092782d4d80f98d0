"""The sender against injected Alertmanager faults: retries, backoff, HA pairs, outcomes."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from monitor.alerts import AlertSink
from monitor.alerts.client import timestamp
from monitor.config import Config
from monitor.result import DatasetDrift, RunResult
from monitor.store import Store
from tests.alerts.fakes import FakeAlertmanagers, refuse, status
from tests.alerts.results import END, column, config, run
from tests.service.fakes import FakeClock

A, B = "am-a", "am-b"
URLS = f'alertmanager_urls = ["http://{A}:9093", "http://{B}:9093"]\nresend_interval = "1m"\n'


def drifted(end: datetime = END, run_id: int = 7) -> RunResult:
    return run(
        end=end,
        run_id=run_id,
        columns=(column("x1"),),
        drift=DatasetDrift(1.0, 0.5, True, 1, 1),
    )


def calm(end: datetime) -> RunResult:
    return run(
        end=end,
        run_id=99,
        columns=(column("x1", drifted=False, score=0.5),),
        drift=DatasetDrift(0.0, 0.5, False, 0, 1),
    )


class Bench:
    def __init__(self, store: Store, cfg: Config, fake: FakeAlertmanagers, clock: FakeClock):
        self.store, self.cfg, self.fake, self.clock = store, cfg, fake, clock
        self.sink = AlertSink(cfg, store, clock=clock, transport=fake.transport())
        self.sink.reconfigure(cfg)
        self.sink.engine.start()

    def publish(self, result: RunResult) -> None:
        self.sink.publish(self.cfg.monitors[0], result, None)

    def cycle(self, after: timedelta = timedelta(0)) -> None:
        self.clock.now += after
        self.sink.sender.cycle()


@pytest.fixture
def fake() -> FakeAlertmanagers:
    return FakeAlertmanagers()


@pytest.fixture
def bench(store: Store, fake: FakeAlertmanagers) -> Iterator[Bench]:
    clock = FakeClock(END + timedelta(seconds=10))
    yield Bench(store, config(alerting=URLS), fake, clock)


def names(alerts: list[dict[str, object]]) -> list[str]:
    return sorted(str(a["labels"]["alertname"]) for a in alerts)  # type: ignore[index]


def test_each_alertmanager_of_a_pair_gets_every_alert_with_its_times(
    bench: Bench, fake: FakeAlertmanagers
) -> None:
    bench.publish(drifted())
    bench.cycle()
    for host in (A, B):
        sent = fake.alerts_to(host)
        assert names(sent) == ["ColumnDriftDetected", "DatasetDriftDetected"]
        for alert in sent:
            assert alert["startsAt"] == timestamp(END + timedelta(seconds=9))
            assert alert["endsAt"] == timestamp(bench.clock.now + timedelta(minutes=4))
            assert alert["generatorURL"] == "https://dw.example.com/api/runs/7"
    assert bench.sink.sender.outcomes() == {"delivered": 4, "failed": 0, "rejected": 0}
    posts = [r for _, _, r in fake.posts]
    assert {r.url.path for r in posts} == {"/api/v2/alerts"}
    assert {r.headers["content-type"] for r in posts} == {"application/json"}


def test_firing_alerts_are_resent_every_interval_and_not_before(
    bench: Bench, fake: FakeAlertmanagers
) -> None:
    bench.publish(drifted())
    bench.cycle()
    fake.clear()
    bench.cycle(timedelta(seconds=59))
    assert fake.posts == []
    bench.cycle(timedelta(seconds=1))
    assert len(fake.alerts_to(A)) == 2 and len(fake.alerts_to(B)) == 2
    assert fake.alerts_to(A)[0]["startsAt"] == timestamp(END + timedelta(seconds=9))


def test_a_failing_alertmanager_backs_off_while_its_peer_is_served(
    bench: Bench, fake: FakeAlertmanagers
) -> None:
    fake.behaviour[B] = status(503)
    bench.publish(drifted())
    bench.cycle()
    assert len(fake.alerts_to(A)) == 2 and len(fake.alerts_to(B)) == 2
    fake.clear()
    waits = []
    for _ in range(8):
        # The next try comes at the backoff: 1 s, 2 s, 4 s ... at most resend_interval.
        due = bench.sink.engine.store.next_due(f"http://{B}:9093", timedelta(minutes=1))
        assert due is not None
        waits.append((due - bench.clock.now).total_seconds())
        bench.clock.now = due - timedelta(milliseconds=1)
        bench.cycle()
        assert fake.alerts_to(B) == []
        bench.cycle(timedelta(milliseconds=1))
        assert len(fake.alerts_to(B)) == 2
        fake.clear()
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    fake.behaviour[B] = status(200)
    bench.cycle(timedelta(minutes=1))
    assert names(fake.alerts_to(B)) == ["ColumnDriftDetected", "DatasetDriftDetected"]
    outcomes = bench.sink.sender.outcomes()
    assert outcomes["failed"] == 2 * 9 and outcomes["rejected"] == 0


def test_connection_refused_then_resolved_while_down_delivers_the_resolution_once(
    bench: Bench, fake: FakeAlertmanagers
) -> None:
    fake.behaviour[A] = refuse
    bench.publish(drifted())
    bench.cycle()
    bench.publish(calm(END + timedelta(hours=1)))
    bench.clock.now = END + timedelta(hours=1, seconds=10)
    fake.behaviour.pop(A)
    fake.clear()
    bench.cycle()
    sent = fake.alerts_to(A)
    assert names(sent) == ["ColumnDriftDetected", "DatasetDriftDetected"]
    resolved_at = timestamp(END + timedelta(hours=1, seconds=9))
    assert {a["endsAt"] for a in sent} == {resolved_at}
    assert {a["startsAt"] for a in sent} == {timestamp(END + timedelta(seconds=9))}
    fake.clear()
    bench.cycle(timedelta(hours=2))
    assert fake.posts == []


def test_a_rejected_batch_is_counted_and_not_retried_at_once(
    bench: Bench, fake: FakeAlertmanagers
) -> None:
    fake.behaviour[A] = status(400)
    bench.publish(drifted())
    bench.cycle()
    fake.clear()
    bench.cycle(timedelta(seconds=5))
    assert fake.alerts_to(A) == []
    assert bench.sink.sender.outcomes() == {"delivered": 2, "failed": 0, "rejected": 2}


def test_basic_auth_is_sent(store: Store, fake: FakeAlertmanagers) -> None:
    cfg = config(alerting=f'{URLS}[alerting.basic_auth]\nusername = "dw"\npassword = "p@ss"\n')
    b = Bench(store, cfg, fake, FakeClock(END + timedelta(seconds=10)))
    b.publish(drifted())
    b.cycle()
    expected = "Basic " + base64.b64encode(b"dw:p@ss").decode()
    assert {r.headers["authorization"] for _, _, r in fake.posts} == {expected}


def test_a_hanging_alertmanager_never_holds_up_publishing(
    store: Store, fake: FakeAlertmanagers
) -> None:
    release = threading.Event()
    entered = threading.Event()

    def hang(_request: httpx.Request) -> httpx.Response:
        entered.set()
        release.wait(30)
        return httpx.Response(200)

    fake.behaviour[A] = hang
    clock = FakeClock(END + timedelta(seconds=10))
    cfg = config(alerting=URLS)
    sink = AlertSink(cfg, store, clock=clock, transport=fake.transport(), poll=0.1)
    sink.reconfigure(cfg)
    sink.start()
    try:
        sink.publish(cfg.monitors[0], drifted(), None)
        assert entered.wait(10)
        done = threading.Event()

        def publish_more() -> None:
            sink.publish(cfg.monitors[0], calm(END + timedelta(hours=1)), None)
            sink.publish(cfg.monitors[0], drifted(END + timedelta(hours=2), run_id=8), None)
            done.set()

        threading.Thread(target=publish_more, daemon=True).start()
        assert done.wait(10), "publish waited for the hanging Alertmanager"
        assert not release.is_set()
        firing = sink.engine.store.active("churn")
        assert {a.alertname for a in firing} == {"ColumnDriftDetected", "DatasetDriftDetected"}
    finally:
        release.set()
        sink.stop(10)
    assert not sink.sender.alive


def test_the_backoff_counts_from_the_failure_so_a_timed_out_post_is_not_repeated_at_once(
    bench: Bench, fake: FakeAlertmanagers
) -> None:
    def times_out(request: httpx.Request) -> httpx.Response:
        bench.clock.now += timedelta(seconds=10)  # the request waited out its timeout
        raise httpx.ReadTimeout("timed out", request=request)

    fake.behaviour[A] = times_out
    bench.publish(drifted())
    for backoff in (1, 2, 4):
        fake.clear()
        bench.cycle()
        assert len(fake.alerts_to(A)) == 2
        due = bench.sink.engine.store.next_due(f"http://{A}:9093", timedelta(minutes=1))
        assert due == bench.clock.now + timedelta(seconds=backoff)
        fake.clear()
        bench.cycle()
        assert fake.alerts_to(A) == [], "retried before its backoff"
        bench.clock.now = due
    fake.behaviour.pop(A)
    fake.clear()
    bench.cycle()
    assert names(fake.alerts_to(A)) == ["ColumnDriftDetected", "DatasetDriftDetected"]


def test_a_standby_sends_nothing_until_it_leads(bench: Bench, fake: FakeAlertmanagers) -> None:
    """Only the leader replica sends: a paused sender's loop delivers nothing; once it
    leads it sends what the store holds."""
    sender = bench.sink.sender
    bench.sink.lead(False)
    sender.start()
    try:
        bench.publish(drifted())
        assert not sender.active
        time.sleep(0.5)  # the wake-up of the publish has come and gone
        assert fake.posts == []
        bench.sink.lead(True)
        deadline = time.monotonic() + 10
        while len(fake.alerts_to(A)) < 2:
            assert time.monotonic() < deadline, "nothing sent after taking the lead"
            time.sleep(0.02)
        assert names(fake.alerts_to(A)) == ["ColumnDriftDetected", "DatasetDriftDetected"]
    finally:
        sender.stop(5)
