"""``GET /api/monitors/{name}/history`` on SQLite and PostgreSQL stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta, timezone
from pathlib import Path

import pytest

from monitor.result import RunStatus
from tests.service.harness import Harness, harness
from tests.store.test_history import with_values
from tests.store.test_store import END


@pytest.fixture(params=["sqlite", "postgresql"])
def h(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    url = "" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    with harness(tmp_path, start=False, store_url=url) as running:
        store = running.daemon.store
        runs = [
            with_values(0, share=0.25, f1=0.81, estimate=0.79),
            with_values(1, share=0.0, f1=None, estimate=0.77),
            with_values(2, share=0.0, f1=None, estimate=None, status=RunStatus.ERROR),
            with_values(3, share=0.75, f1=0.6, estimate=0.62),
        ]
        for r in runs:
            store.save(r.__class__(**{**r.__dict__, "monitor": "churn"}))
        yield running


def history(h: Harness, **params: object) -> dict[str, object]:
    answer = h.client.get("/api/monitors/churn/history", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def values(body: dict[str, object]) -> list[object]:
    points = body["points"]
    assert isinstance(points, list)
    return [p["value"] for p in points]


def test_each_series_equals_the_stored_results(h: Harness) -> None:
    stored = list(reversed(h.daemon.store.runs("churn")))
    share = history(h)
    assert share["series"] == "dataset_drift_share"
    points = share["points"]
    assert isinstance(points, list)
    assert [p["run_id"] for p in points] == [r.run_id for r in stored]
    assert [p["window_end"] for p in points] == [
        r.window_end.isoformat().replace("+00:00", "Z") for r in stored
    ]
    assert values(share) == [
        None if r.dataset_drift is None else r.dataset_drift.share for r in stored
    ]
    assert [p["run_status"] for p in points] == ["ok", "ok", "error", "ok"]
    assert [p["status"] for p in points] == ["ok", "ok", None, "drift"]

    realized = history(h, metric="f1")
    assert realized["series"] == "performance_metric" and realized["metric"] == "f1"
    assert values(realized) == [r.metrics[0].value if r.metrics else None for r in stored]

    est = history(h, metric="f1", estimated="true")
    assert est["series"] == "performance_estimated"
    assert values(est) == [r.estimated[0].value if r.estimated else None for r in stored]
    assert values(est) == [0.79, 0.77, None, 0.62]

    column = history(h, column="age")
    assert column["series"] == "column_drift_score"
    assert values(column) == [r.columns[0].score if r.columns else None for r in stored]


def test_from_to_and_last_filter_by_window_end(h: Harness) -> None:
    def z(hours: int) -> str:
        return (END + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")

    naive = (END + timedelta(hours=3)).replace(tzinfo=None).isoformat()  # no zone: UTC
    window = history(h, **{"from": z(1), "to": naive})
    points = window["points"]
    assert isinstance(points, list)
    assert [p["window_end"] for p in points] == [z(1), z(2), z(3)]
    offset = (END + timedelta(hours=1)).astimezone(timezone(timedelta(hours=2))).isoformat()
    assert len(history(h, **{"from": offset})["points"]) == 3  # type: ignore[arg-type]
    assert values(history(h, last=2)) == [None, 0.75]
    assert history(h, **{"from": "2030-01-01T00:00:00Z"})["points"] == []
    assert history(h, **{"from": z(2), "to": z(1)})["points"] == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"metric": "f2"}, "'accuracy', 'precision'"),
        ({"column": "a\x00b"}, "pattern"),
        ({"metric": "f1", "column": "age"}, "not both"),
        ({"column": "age", "estimated": "true"}, "'metric' only"),
        ({"from": "yesterday"}, "from"),
        ({"last": 0}, "last"),
    ],
)
def test_bad_parameters_are_422_naming_them(
    h: Harness, params: dict[str, object], expected: str
) -> None:
    answer = h.client.get("/api/monitors/churn/history", params=params)
    assert answer.status_code == 422
    assert expected in answer.text


def test_unknown_monitor_is_404_and_the_schema_lists_the_endpoint(h: Harness) -> None:
    answer = h.client.get("/api/monitors/nobody/history")
    assert answer.status_code == 404
    assert "no monitor named 'nobody'" in answer.json()["detail"]
    # a configured monitor without runs has an empty history
    assert h.client.get("/api/monitors/fraud/history").json()["points"] == []

    schema = h.client.get("/openapi.json").json()
    operation = schema["paths"]["/api/monitors/{name}/history"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"name", "metric", "column", "estimated", "from", "to", "last"}
    assert set(operation["responses"]) >= {"200", "404", "422"}
    point = schema["components"]["schemas"]["HistoryPointOut"]["properties"]
    assert {"window_end", "value", "status", "run_id"} <= set(point)
