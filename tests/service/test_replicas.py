"""Two real ``driftwarden serve`` processes sharing one PostgreSQL results database:
one leads, the other stands by and takes over when the leader is killed."""

from __future__ import annotations

import itertools
import json
import re
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.runner import utcnow
from tests.servers import free_port
from tests.service.harness import config_text
from tests.service.process import Served, serve
from tests.service.sources import NO_REPORT, monitor_toml, write_source

pytestmark = [pytest.mark.slow, pytest.mark.integration]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CHECK_SECONDS = 2
STEP = timedelta(seconds=6)
"""The schedule (``every 6s``): each run (about a second) well inside it."""

SLOW_QUERY = """query = '''
SELECT p.* FROM predictions p CROSS JOIN (SELECT pg_sleep(1.5)) AS slow
'''
"""
"""The monitor's rows, read 1.5 s slowly (on a PostgreSQL source, whatever the machine's
load), so that the leader can be killed in the middle of a run."""


def write_config(root: Path, store_url: str, source_url: str, port: int) -> Path:
    root.mkdir()
    monitor = monitor_toml(
        "churn", source_url, utcnow(), schedule=f"every {STEP.seconds}s", extra=NO_REPORT
    ).replace('table = "predictions"\n', SLOW_QUERY)
    text = config_text(
        root,
        source_url,
        store_url=store_url,
        service=f'listen = "127.0.0.1:{port}"\nleader_check = "{CHECK_SECONDS}s"\n'
        'run_timeout = "30s"',
        monitors=monitor,
    )
    path = root / "config.toml"
    path.write_text(text)
    return path


def leader_gauge(s: Served) -> float | None:
    found = re.search(r"^driftwarden_leader (\S+)$", s.get("/metrics").text, re.MULTILINE)
    return float(found.group(1)) if found else None


def stored_windows(store_url: str) -> list[datetime]:
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT window_end FROM runs WHERE monitor = 'churn' ORDER BY window_end")
            )
            return [r[0].astimezone(UTC) for r in rows]
    finally:
        engine.dispose()


def shown_window(s: Served) -> datetime | None:
    """The window of the newest run that ``/api/monitors`` shows."""
    last = s.get("/api/monitors").json()[0]["last_run"]
    return datetime.fromisoformat(last["window_end"]) if last else None


def run_windows(s: Served) -> list[datetime]:
    """Windows of the runs a process logged (it logs a run once it is stored)."""
    return [
        datetime.fromisoformat(str(line["window_end"]))
        for line in log_lines(s)
        if line.get("logger") == "driftwarden.runs"
    ]


def log_lines(s: Served) -> list[dict[str, object]]:
    return [json.loads(line) for line in s.log().splitlines() if line.startswith("{")]


@contextmanager
def replicas(tmp_path: Path, store_url: str, source_url: str) -> Iterator[tuple[Served, Served]]:
    write_source(source_url, utcnow())
    ports = free_port(), free_port()
    paths = [
        write_config(tmp_path / name, store_url, source_url, port)
        for name, port in zip(("a", "b"), ports, strict=True)
    ]
    with ExitStack() as stack:
        first = stack.enter_context(serve(paths[0], ports[0], args=("--log-format", "json")))
        first.wait_for(lambda: leader_gauge(first) == 1.0, timeout=60, what="the first leader")
        second = stack.enter_context(serve(paths[1], ports[1], args=("--log-format", "json")))
        second.wait_for(
            lambda: second.get("/readyz").status_code == 200, timeout=60, what="the standby"
        )
        yield first, second


def test_the_standby_takes_over_a_killed_leader_and_no_window_is_lost_or_repeated(
    tmp_path: Path, postgres_url: str, postgres_url_factory: Callable[[], str]
) -> None:
    with replicas(tmp_path, postgres_url, postgres_url_factory()) as (leader, standby):
        assert leader_gauge(standby) == 0.0
        ready = standby.get("/readyz").json()
        assert ready == {"status": "ready", "reasons": [], "role": "standby"}
        assert leader.get("/readyz").json()["role"] == "leader"
        refused = standby.post("/api/monitors/churn/run")
        assert refused.status_code == 503 and "standby" in refused.json()["detail"]

        # the standby shows the leader's runs from the store
        leader.wait_for(lambda: len(stored_windows(postgres_url)) >= 3, what="three runs")
        newest = stored_windows(postgres_url)[-1]
        standby.wait_for(
            lambda: (shown_window(standby) or EPOCH) >= newest,
            timeout=3 * CHECK_SECONDS,
            what="the standby's view of the leader's runs",
        )
        assert re.search(
            r'^driftwarden_last_run_timestamp_seconds\{monitor="churn"\} ',
            standby.get("/metrics").text,
            re.MULTILINE,
        )
        assert not any(line.get("logger") == "driftwarden.runs" for line in log_lines(standby)), (
            "a standby runs nothing"
        )

        # kill the leader a moment after a tick, in the middle of that tick's run (its
        # source query alone takes about a second)
        for _ in range(3):
            next_tick = EPOCH + ((datetime.now(UTC) - EPOCH) // STEP + 1) * STEP
            time.sleep((next_tick - datetime.now(UTC)).total_seconds() + 0.2)
            if leader.get("/api/monitors").json()[0]["running"]:
                break
        else:
            raise AssertionError(f"the leader was never caught running:\n{leader.log()}")
        killed_at = time.time()
        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait(10)
        before_kill = stored_windows(postgres_url)[-1]
        standby.wait_for(
            lambda: leader_gauge(standby) == 1.0, timeout=4 * CHECK_SECONDS, what="the takeover"
        )
        (took,) = [
            line for line in log_lines(standby) if "took the leader lock" in str(line["message"])
        ]
        took_at = datetime.fromisoformat(str(took["time"])).timestamp()
        assert took_at - killed_at <= 2 * CHECK_SECONDS, (took_at - killed_at, standby.log())
        assert standby.get("/readyz").json()["role"] == "leader"

        caught_up = datetime.fromtimestamp(killed_at, UTC) + 3 * STEP
        standby.wait_for(
            lambda: stored_windows(postgres_url)[-1] >= caught_up,
            timeout=60,
            what="runs after the takeover",
        )
        assert standby.stop() == 0

    windows = stored_windows(postgres_url)
    killed = datetime.fromtimestamp(killed_at, UTC)
    in_flight = EPOCH + (killed - EPOCH) // STEP * STEP
    assert in_flight == next_tick
    assert in_flight in run_windows(standby), "the new leader ran the window cut off"
    assert any(
        "taking over after the window ending" in str(x["message"]) for x in log_lines(standby)
    )
    assert len(windows) == len(set(windows)), f"a window ran twice: {windows}"
    # from the last window the killed leader stored (a run of a lone leader that outlasts
    # a tick, as its first one reading the reference may, merges ticks: see the README)
    steady = [w for w in windows if w >= before_kill]
    gaps = [(a, b) for a, b in itertools.pairwise(steady) if b - a != STEP]
    assert not gaps, f"windows skipped: {gaps}"
    assert steady[0] < killed < killed + 2 * STEP < steady[-1]


def test_a_leader_stopped_with_sigterm_hands_over_at_the_standbys_next_check(
    tmp_path: Path, postgres_url: str, postgres_url_factory: Callable[[], str]
) -> None:
    with replicas(tmp_path, postgres_url, postgres_url_factory()) as (leader, standby):
        leader.wait_for(lambda: len(stored_windows(postgres_url)) >= 2, what="two runs")
        assert leader.stop() == 0
        stopped_at = time.time()  # the lock was released just before the process ended
        before = stored_windows(postgres_url)[-1]
        assert "leadership lost" not in leader.log(), "giving the lock up is no loss"
        standby.wait_for(
            lambda: leader_gauge(standby) == 1.0, timeout=4 * CHECK_SECONDS, what="the handover"
        )
        (took,) = [
            line for line in log_lines(standby) if "took the leader lock" in str(line["message"])
        ]
        took_at = datetime.fromisoformat(str(took["time"])).timestamp()
        assert took_at - stopped_at <= CHECK_SECONDS + 1, "at the first check after the release"
        later = datetime.now(UTC) + 2 * STEP
        standby.wait_for(
            lambda: stored_windows(postgres_url)[-1] >= later,
            timeout=60,
            what="the new leader's runs",
        )
        assert standby.stop() == 0

    windows = [w for w in stored_windows(postgres_url) if w >= before]
    assert len(windows) >= 3
    assert all(b - a == STEP for a, b in itertools.pairwise(windows)), windows
