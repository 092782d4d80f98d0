"""Migration 0003_alerts and the alert store (state + outbox), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from alembic import command
from monitor.alerts.state import Alert, Signal, State, Transition, breach, clear
from monitor.store import Store
from monitor.store.alerts import AlertStore
from monitor.store.migrate import alembic_config
from monitor.store.schema import Base
from tests.store.test_store import result

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)
URL_A = "http://am-a:9093"
URL_B = "http://am-b:9093"
RESEND = timedelta(minutes=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'results.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    opened = Store.open(url)
    yield opened
    opened.close()


def signal(column: str, severity: str = "info") -> Signal:
    return Signal(
        key=f"key-{column}",
        monitor="churn",
        alertname="ColumnDriftDetected",
        labels={"alertname": "ColumnDriftDetected", "column": column, "severity": severity},
        annotations={"summary": f"drift in {column}"},
        generator_url="http://dw/api/runs/1",
    )


def fire(alerts: AlertStore, column: str, at: datetime = T0, urls: tuple[str, ...] = ()) -> Alert:
    t = breach(None, signal(column), at=at, window_end=at, run_id=1, for_runs=1)
    (written,) = alerts.apply([t], urls)
    return written


def test_migration_matches_the_orm_tables_and_downgrade_keeps_runs(url: str) -> None:
    store = Store.open(url)
    store.save(result("kept"))
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diff if "alert" in repr(d)]
    assert ours == []
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"alerts", "alert_deliveries"} <= tables
    alerts = AlertStore(store)
    fire(alerts, "x1", urls=(URL_A,))
    engine = store.engine
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002_daemon")
    assert not {"alerts", "alert_deliveries"} & set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:  # raw SQL: later migrations' columns are gone too
        kept = conn.execute(sa.text("SELECT count(*) FROM runs WHERE monitor = 'kept'"))
        assert kept.scalar_one() == 1
    store.close()
    reopened = Store.open(url)
    assert AlertStore(reopened).active() == []
    reopened.close()


def test_firing_alerts_get_an_outbox_row_per_url_and_are_due_until_accepted(store: Store) -> None:
    alerts = AlertStore(store)
    x1 = fire(alerts, "x1", urls=(URL_A, URL_B))
    assert x1.id is not None and x1.state is State.FIRING
    assert set(alerts.outbox(x1.id)) == {URL_A, URL_B}
    assert [a.id for a in alerts.due(URL_A, T0, RESEND, 10)] == [x1.id]
    alerts.delivered(URL_A, [x1], T0)
    assert alerts.due(URL_A, T0 + timedelta(seconds=59), RESEND, 10) == []
    # B has not accepted it: still due there.
    assert [a.id for a in alerts.due(URL_B, T0, RESEND, 10)] == [x1.id]
    # Resent to A once the resend interval has passed.
    assert [a.id for a in alerts.due(URL_A, T0 + RESEND, RESEND, 10)] == [x1.id]
    assert alerts.next_due(URL_A, RESEND) == T0 + RESEND


def test_a_failed_send_backs_off_and_a_resolution_is_sent_once(store: Store) -> None:
    alerts = AlertStore(store)
    x1 = fire(alerts, "x1", urls=(URL_A,))
    attempts = alerts.failed(URL_A, [x1], T0, "HTTP 503", lambda n: timedelta(seconds=2**n))
    assert attempts == 1
    assert alerts.due(URL_A, T0 + timedelta(seconds=1), RESEND, 10) == []
    assert alerts.next_due(URL_A, RESEND) == T0 + timedelta(seconds=2)
    assert alerts.failed(URL_A, [x1], T0, "HTTP 503", lambda n: timedelta(seconds=2**n)) == 2
    assert x1.id is not None
    version, sent, tries, error = alerts.outbox(x1.id)[URL_A]
    assert (version, sent, tries, error) == (0, None, 2, "HTTP 503")
    assert len(alerts.due(URL_A, T0 + timedelta(seconds=4), RESEND, 10)) == 1
    alerts.delivered(URL_A, [x1], T0 + timedelta(seconds=4))
    assert alerts.outbox(x1.id)[URL_A][2:] == (0, None)

    (resolved,) = alerts.apply([clear(x1, at=T0 + timedelta(minutes=5))], [URL_A])
    assert resolved.state is State.RESOLVED and resolved.ends_at == T0 + timedelta(minutes=5)
    (due,) = alerts.due(URL_A, T0 + timedelta(minutes=5), RESEND, 10)
    assert due.state is State.RESOLVED
    alerts.delivered(URL_A, [due], T0 + timedelta(minutes=5))
    # Never again, however long after (a restart reads the same rows).
    assert AlertStore(store).due(URL_A, T0 + timedelta(days=1), RESEND, 10) == []
    assert alerts.next_due(URL_A, RESEND) is None


def test_a_new_url_gets_firing_alerts_but_not_old_resolutions(store: Store) -> None:
    alerts = AlertStore(store)
    x1 = fire(alerts, "x1", urls=(URL_A,))
    x2 = fire(alerts, "x2", urls=(URL_A,))
    alerts.apply([clear(x2, at=T0 + timedelta(minutes=1))], [URL_A])
    assert [a.id for a in alerts.due(URL_B, T0, RESEND, 10)] == [x1.id]
    alerts.forget_urls([URL_B])
    assert x1.id is not None and set(alerts.outbox(x1.id)) == {URL_B}


def test_pending_alerts_are_never_due_and_dropping_them_leaves_no_trace(store: Store) -> None:
    alerts = AlertStore(store)
    t = breach(None, signal("x1"), at=T0, window_end=T0, run_id=1, for_runs=2)
    (pending,) = alerts.apply([t], [URL_A])
    assert pending.state is State.PENDING
    assert alerts.due(URL_A, T0, RESEND, 10) == []
    assert alerts.firing_counts() == {}
    alerts.apply([Transition(drop=pending)], [URL_A])
    assert alerts.all() == []


def test_counts_batches_and_pruning(store: Store) -> None:
    alerts = AlertStore(store)
    fired = [fire(alerts, f"c{i}", urls=(URL_A,)) for i in range(5)]
    assert alerts.firing_counts() == {("churn", "ColumnDriftDetected"): 5}
    assert [a.id for a in alerts.due(URL_A, T0, RESEND, 2)] == [a.id for a in fired[:2]]
    alerts.apply([clear(fired[0], at=T0 + timedelta(days=1))], [URL_A])
    alerts.apply([clear(fired[1], at=T0 + timedelta(days=3))], [URL_A])
    assert alerts.prune(T0 + timedelta(days=2)) == 1
    assert len(alerts.all()) == 4 and len(alerts.active()) == 3
    assert alerts.firing_counts() == {("churn", "ColumnDriftDetected"): 3}


def test_last_success_windows(store: Store) -> None:
    from monitor.result import RunStatus
    from tests.store.test_store import END

    store.save(result("a", end=END - timedelta(hours=2)))
    store.save(result("a", end=END - timedelta(hours=1)))
    store.save(result("a", end=END, status=RunStatus.ERROR))
    store.save(result("b", end=END, status=RunStatus.ERROR))
    found = AlertStore(store).last_success_windows(["a", "b", "c"])
    assert found == {"a": END - timedelta(hours=1)}
