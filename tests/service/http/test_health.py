"""/healthz, /readyz and /metrics over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from monitor.store.lock import AdvisoryLock
from tests.service.harness import harness


def test_liveness_always_answers(tmp_path: Path) -> None:
    with harness(tmp_path, start=False) as h:
        response = h.client.get("/healthz")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_only_while_the_scheduler_runs(tmp_path: Path) -> None:
    with harness(tmp_path, start=False) as h:
        before = h.client.get("/readyz")
        assert before.status_code == 503
        assert before.json() == {
            "status": "unavailable",
            "reasons": ["the scheduler is not running"],
            "role": None,
        }
        h.daemon.start()
        assert h.client.get("/readyz").json() == {
            "status": "ready",
            "reasons": [],
            "role": "leader",
        }
        h.daemon.stop(grace=1)
        after = h.client.get("/readyz")
        assert after.status_code == 503
        assert after.json()["reasons"] == ["the service is shutting down"]


LOCK_SESSION = "driftwarden leader lock"
"""The application_name of the leader lock's own connection."""


def block(admin: sa.Engine, name: str, allow: bool, *, spare_lock: bool = False) -> None:
    """Refuse new connections and end the open ones (but the leader lock's session with
    ``spare_lock``: the replica still leads, only the store's pool is cut off)."""
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}'))
        if not allow:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n "
                    "AND (NOT :spare OR application_name <> :lock)"
                ),
                {"n": name, "spare": spare_lock, "lock": LOCK_SESSION},
            )


def test_not_ready_while_the_results_database_does_not_answer(
    tmp_path: Path, postgres_url_factory: Callable[[], str], postgres_admin: sa.Engine
) -> None:
    store_url = postgres_url_factory()
    name = make_url(store_url).database
    assert name is not None
    with harness(tmp_path, store_url=store_url) as h:
        assert h.client.get("/readyz").status_code == 200
        block(postgres_admin, name, allow=False)
        try:
            response = h.client.get("/readyz")
            assert response.status_code == 503
            (reason,) = response.json()["reasons"]
            assert reason.startswith("the results database does not answer:")
            assert "is not currently accepting connections" in reason
        finally:
            block(postgres_admin, name, allow=True)
        assert h.client.get("/readyz").status_code == 200


def test_metrics_are_served_in_both_formats(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        text = h.client.get("/metrics")
        assert text.status_code == 200
        assert text.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert 'driftwarden_monitor_up{monitor="churn"} 1.0' in text.text
        assert "# TYPE driftwarden_prediction_value histogram" in text.text
        om = h.client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
        assert om.headers["content-type"].startswith("application/openmetrics-text")
        assert "# TYPE driftwarden_prediction_value gaugehistogram" in om.text
        assert om.text.rstrip().endswith("# EOF")


def test_a_run_whose_result_cannot_be_stored_yet_answers_503(
    tmp_path: Path, postgres_url_factory: Callable[[], str], postgres_admin: sa.Engine
) -> None:
    store_url = postgres_url_factory()
    name = make_url(store_url).database
    assert name is not None
    with harness(tmp_path, store_url=store_url) as h:
        block(postgres_admin, name, allow=False, spare_lock=True)
        try:
            response = h.client.post("/api/monitors/churn/run")
        finally:
            block(postgres_admin, name, allow=True)
        assert response.status_code == 503
        detail = response.json()["detail"]
        assert detail.startswith("monitor 'churn': the run ended ok but the results database")
        assert "the result waits in memory and is written when it answers again" in detail
        # The database is back: the waiting result is written first, then the new run.
        again = h.client.post("/api/monitors/churn/run")
        assert again.status_code == 200
        runs = h.client.get("/api/monitors/churn/runs").json()["runs"]
        assert [r["id"] for r in runs][:2] == [again.json()["run_id"], again.json()["run_id"] - 1]


def take_over(admin: sa.Engine, store_url: str, name: str, key: int) -> AdvisoryLock:
    """End the leader lock's session and take the lock as another replica would."""
    other = AdvisoryLock(store_url, key)
    for _ in range(20):
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND application_name = 'driftwarden leader lock'"
                ),
                {"n": name},
            )
        if other.try_acquire():
            return other
        time.sleep(0.05)
    raise AssertionError("could not take the leader lock")


def test_a_leader_whose_lock_session_ends_stores_nothing_until_it_leads_again(
    tmp_path: Path, postgres_url_factory: Callable[[], str], postgres_admin: sa.Engine
) -> None:
    store_url = postgres_url_factory()
    name = make_url(store_url).database
    assert name is not None
    with harness(tmp_path, store_url=store_url, service='leader_check = "1s"') as h:
        stored = len(h.client.get("/api/monitors/churn/runs").json()["runs"])
        # The lock's session ends and another replica takes the lock. (A database that
        # does not answer at all is another case: the leader then leads in doubt, see
        # tests/service/test_leader_doubt.py.)
        other = take_over(postgres_admin, store_url, name, h.daemon.config.service.leader_lock_key)
        try:
            response = h.client.post("/api/monitors/churn/run")
        finally:
            other.release()
        assert response.status_code == 503
        detail = response.json()["detail"]
        assert detail.startswith("monitor 'churn': the run's result could not be stored:")
        # another replica may hold the lock now: the result is neither stored nor kept
        assert "lost the leadership during the run" in detail
        assert h.client.get("/readyz").json()["role"] == "standby"
        assert h.daemon.pipeline.buffered == 0
        deadline = time.monotonic() + 10
        again = h.client.post("/api/monitors/churn/run")
        # 503 until the lock is taken again at a check, 409 while the takeover catches up
        while again.status_code in (409, 503):
            assert time.monotonic() < deadline, again.text
            time.sleep(0.1)
            again = h.client.post("/api/monitors/churn/run")
        assert again.status_code == 200, again.text
        assert h.client.get("/readyz").json()["role"] == "leader"
        runs = h.client.get("/api/monitors/churn/runs").json()["runs"]
        assert len(runs) == stored + 1, "only the run after the lock was taken again is stored"
