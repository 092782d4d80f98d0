"""/healthz, /readyz and /metrics over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

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
        }
        h.daemon.start()
        assert h.client.get("/readyz").json() == {"status": "ready", "reasons": []}
        h.daemon.stop(grace=1)
        after = h.client.get("/readyz")
        assert after.status_code == 503
        assert after.json()["reasons"] == ["the service is shutting down"]


def block(admin: sa.Engine, name: str, allow: bool) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}'))
        if not allow:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
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
        block(postgres_admin, name, allow=False)
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
