"""The /api endpoints, through the ASGI app (httpx via Starlette's TestClient)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.result import RunStatus
from tests.service.fakes import GatedRunner
from tests.service.harness import Harness, harness, wait_idle
from tests.service.sources import NOW, monitor_toml

TICK = NOW.replace(minute=0)
TOKEN = "s3cret-token"


@pytest.fixture
def h(tmp_path: Path):  # type: ignore[no-untyped-def]
    with harness(tmp_path) as running:
        yield running


def test_monitors_list_status_last_run_and_next_run(h: Harness) -> None:
    body = h.client.get("/api/monitors").json()
    assert [m["name"] for m in body] == ["churn", "fraud"]
    churn = body[0]
    stored = h.daemon.store.runs("churn")
    assert len(stored) == 1, "the catch-up run at start"
    assert churn["status"] == "ok" and churn["running"] is False
    assert churn["schedule"] == "every 1h"
    assert churn["last_run"]["id"] == stored[0].run_id
    assert churn["last_run"]["window_end"] == "2026-03-02T12:00:00Z"
    assert churn["last_run"]["dataset_drift"]["detected"] is True
    assert "x1" in churn["last_run"]["drifted_columns"]
    assert churn["last_success_at"] is not None
    assert churn["last_error"] is None
    assert churn["next_run"].endswith(":00:00Z")
    assert churn["report_url"] is None


def test_a_report_link_appears_once_the_report_exists(h: Harness) -> None:
    latest = h.root / "reports" / "churn" / "latest.html"
    latest.parent.mkdir(parents=True)
    latest.write_text("<html></html>")
    churn = h.client.get("/api/monitors").json()[0]
    assert churn["report_url"] == "/reports/churn/latest.html"
    assert h.client.get(churn["report_url"]).text == "<html></html>"


def test_a_failing_monitor_shows_its_last_error(h: Harness) -> None:
    h.write_config(h.config_path.read_text().replace('"predictions"', '"gone"', 1))
    assert h.client.post("/api/reload").status_code == 200
    run = h.client.post("/api/monitors/churn/run").json()
    assert run["status"] == "error" and "'gone' not found" in run["error"]

    churn = h.client.get("/api/monitors").json()[0]
    assert churn["status"] == "error"
    assert churn["last_error"]["run_id"] == run["run_id"]
    assert churn["last_error"]["message"] == run["error"]
    assert churn["last_success_at"] is not None


def test_run_now_returns_the_stored_run_id(h: Harness) -> None:
    response = h.client.post("/api/monitors/fraud/run")
    assert response.status_code == 200
    body = response.json()
    stored = h.daemon.store.get_run(body["run_id"])
    assert stored is not None and stored.monitor == "fraud"
    assert body["status"] == stored.status.value == "ok"
    assert body["window_end"] == "2026-03-02T12:00:00Z"


def test_run_history_pages_newest_first(h: Harness) -> None:
    for _ in range(4):
        assert h.client.post("/api/monitors/churn/run").status_code == 200
    ids = [r.run_id for r in h.daemon.store.runs("churn")]
    assert len(ids) == 5

    first = h.client.get("/api/monitors/churn/runs", params={"limit": 2}).json()
    assert [r["id"] for r in first["runs"]] == ids[:2]
    second = h.client.get(
        "/api/monitors/churn/runs", params={"limit": 2, "before": first["next_before"]}
    ).json()
    assert [r["id"] for r in second["runs"]] == ids[2:4]
    last = h.client.get(
        "/api/monitors/churn/runs", params={"limit": 2, "before": second["next_before"]}
    ).json()
    assert [r["id"] for r in last["runs"]] == ids[4:]
    assert last["next_before"] is None
    everything = h.client.get("/api/monitors/churn/runs").json()
    assert [r["id"] for r in everything["runs"]] == ids and everything["next_before"] is None


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"before": 0}, {"limit": "x"}])
def test_bad_paging_parameters_are_refused(h: Harness, params: dict[str, object]) -> None:
    response = h.client.get("/api/monitors/churn/runs", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_a_run_has_its_column_and_metric_results(h: Harness) -> None:
    run_id = h.client.post("/api/monitors/churn/run").json()["run_id"]
    stored = h.daemon.store.get_run(run_id)
    assert stored is not None
    body = h.client.get(f"/api/runs/{run_id}").json()
    assert body["id"] == run_id and body["monitor"] == "churn"
    assert body["reference_start"] == (TICK - timedelta(days=3)).isoformat().replace("+00:00", "Z")
    got = {c["column"]: (c["role"], c["method"], c["score"], c["drifted"]) for c in body["columns"]}
    assert got == {c.column: (c.role.value, c.method, c.score, c.drifted) for c in stored.columns}
    (metric,) = body["metrics"]
    assert metric["metric"] == "roc_auc" and metric["value"] == stored.metrics[0].value
    assert metric["lower_bound"] == 0.6


def test_unknown_monitor_and_run_are_404_with_a_json_error(h: Harness) -> None:
    for method, url in [
        ("get", "/api/monitors/nope/runs"),
        ("post", "/api/monitors/nope/run"),
        ("get", "/api/runs/999999"),
    ]:
        response = getattr(h.client, method)(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/json"
        detail = response.json()["detail"]
        assert "nope" in detail or "999999" in detail
    assert "configured monitors: churn, fraud" in h.client.get("/api/monitors/nope/runs").text


def test_a_removed_monitor_keeps_its_history(h: Harness) -> None:
    h.write_config(
        h.config_path.read_text().split("[[monitors]]")[0] + monitor_toml("churn", h.source_url)
    )
    assert h.client.post("/api/reload").json()["monitors"] == ["churn"]
    history = h.client.get("/api/monitors/fraud/runs")
    assert history.status_code == 200 and len(history.json()["runs"]) == 1
    assert [m["name"] for m in h.client.get("/api/monitors").json()] == ["churn"]
    assert h.client.post("/api/monitors/fraud/run").status_code == 404


def test_a_busy_monitor_answers_409(tmp_path: Path) -> None:
    runner = GatedRunner(open_gate=True)
    with harness(tmp_path, runner=runner) as h:
        runner.gate.clear()
        runner.started.clear()
        future = h.daemon.run_now("churn")
        assert runner.started.wait(5)
        response = h.client.post("/api/monitors/churn/run")
        assert response.status_code == 409
        assert "already has a run running" in response.json()["detail"]
        runner.gate.set()
        assert future.result(timeout=30).status is RunStatus.OK


# -- the bearer token ---------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
        {"Authorization": "Bearer "},
    ],
)
def test_write_endpoints_need_the_token_when_one_is_set(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    with harness(tmp_path, service=f'api_token = "{TOKEN}"') as h:
        before = len(h.daemon.store.runs("churn"))
        for url in ("/api/monitors/churn/run", "/api/reload", "/api/monitors/nope/run"):
            response = h.client.post(url, headers=headers)
            assert response.status_code == 401, url
            assert response.headers["www-authenticate"] == "Bearer"
            assert "bearer token" in response.json()["detail"]
        assert len(h.daemon.store.runs("churn")) == before
        assert h.client.get("/api/monitors").status_code == 200, "reads stay open"


def test_the_right_token_is_accepted(tmp_path: Path) -> None:
    with harness(tmp_path, service=f'api_token = "{TOKEN}"') as h:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert h.client.post("/api/monitors/churn/run", headers=auth).status_code == 200
        assert h.client.post("/api/reload", headers=auth).status_code == 200
        assert h.client.post("/api/monitors/nope/run", headers=auth).status_code == 404


def test_the_token_can_come_from_the_environment(tmp_path: Path) -> None:
    with harness(tmp_path, environ={"DRIFTWARDEN_API_TOKEN": "from-env"}) as h:
        assert h.client.post("/api/reload").status_code == 401
        ok = h.client.post("/api/reload", headers={"Authorization": "Bearer from-env"})
        assert ok.status_code == 200


# -- reload -------------------------------------------------------------------------


def test_reload_applies_a_valid_config(h: Harness) -> None:
    text = h.config_path.read_text() + monitor_toml("third", h.source_url)
    h.write_config(text.replace("[service]\n", '[service]\nlisten = "127.0.0.1:9999"\n'))
    body = h.client.post("/api/reload").json()
    assert body == {
        "reloaded": True,
        "monitors": ["churn", "fraud", "third"],
        "problems": [],
        "restart_required": ["service.listen"],
    }
    wait_idle(h.daemon)
    assert [m["name"] for m in h.client.get("/api/monitors").json()] == ["churn", "fraud", "third"]
    assert len(h.daemon.store.runs("third")) == 1, "a new monitor catches up at once"


def test_reload_refuses_an_invalid_config_and_keeps_the_running_one(h: Harness) -> None:
    good = h.config_path.read_text()
    h.write_config(good.replace('schedule = "every 1h"', 'schedule = "every fortnight"', 1))
    response = h.client.post("/api/reload")
    assert response.status_code == 400
    body = response.json()
    assert body["reloaded"] is False
    assert any("monitor 'churn'" in p and "schedule" in p for p in body["problems"])
    assert h.daemon.config.monitors[0].schedule == "every 1h"
    assert h.client.post("/api/monitors/churn/run").status_code == 200
    metrics = h.client.get("/metrics").text
    assert "driftwarden_config_last_reload_successful 0.0" in metrics


# -- OpenAPI --------------------------------------------------------------------------


def test_openapi_describes_every_endpoint_with_its_models(h: Harness) -> None:
    spec = h.client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths) >= {
        "/metrics",
        "/healthz",
        "/readyz",
        "/api/monitors",
        "/api/monitors/{name}/runs",
        "/api/runs/{run_id}",
        "/api/monitors/{name}/run",
        "/api/reload",
        "/reports/{path}",
    }

    def schema(path: str, method: str, code: str) -> dict[str, object]:
        content = paths[path][method]["responses"][code]["content"]["application/json"]
        return content["schema"]  # type: ignore[no-any-return]

    assert schema("/api/runs/{run_id}", "get", "200") == {"$ref": "#/components/schemas/RunDetail"}
    assert schema("/api/runs/{run_id}", "get", "404") == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert schema("/api/monitors/{name}/run", "post", "401") == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert schema("/api/reload", "post", "400") == {"$ref": "#/components/schemas/ReloadResponse"}
    assert schema("/readyz", "get", "503") == {"$ref": "#/components/schemas/Readiness"}
    for path in ("/api/monitors/{name}/run", "/api/reload"):
        assert paths[path]["post"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in paths["/api/monitors"]["get"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    run_detail = spec["components"]["schemas"]["RunDetail"]["properties"]
    assert {"columns", "metrics", "window_end", "status"} <= set(run_detail)
