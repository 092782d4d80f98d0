"""schemathesis against ``/openapi.json`` of the real app, on a store with runs.

Every operation gets generated requests (valid and invalid parameters); each
answer must not be a 5xx and must match what the schema says: its status code
is documented, its body fits the response model, its content type is the one
listed. The daemon behind the app is real: SQLite source and store, two
monitors with stored runs (one ok, one failing on a missing table) and a
reports folder with files.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from monitor.service.http import create_app
from tests.service.harness import Harness, harness, wait_idle
from tests.service.sources import NO_REPORT, monitor_toml

pytestmark = pytest.mark.slow

TOKEN = "fuzz-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    root = tmp_path_factory.mktemp("openapi")
    source = f"sqlite:///{root / 'source.db'}"
    monitors = monitor_toml("churn", source, extra=NO_REPORT) + monitor_toml(
        "broken", source, extra=NO_REPORT
    ).replace('table = "predictions"', 'table = "gone"')
    with harness(root, monitors=monitors, service=f'api_token = "{TOKEN}"') as h:
        for _ in range(3):
            for name in ("churn", "broken"):
                answer = h.client.post(f"/api/monitors/{name}/run", headers=AUTH)
                assert answer.status_code == 200
        wait_idle(h.daemon)
        reports = root / "reports"
        (reports / "index.html").write_text("<h1>all</h1>")
        (reports / "churn").mkdir(exist_ok=True)
        (reports / "churn" / "latest.html").write_text("<h1>churn</h1>")
        yield h


@pytest.fixture(scope="module")
def app(running: Harness) -> FastAPI:
    return create_app(running.daemon)


@pytest.fixture(scope="module")
def api(app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def fuzz(
    operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode, *, token: bool
) -> None:
    # The history's 'metric' and 'column' exclude each other, and 'estimated' needs 'metric':
    # OpenAPI cannot say so, so a schema-valid request may be a 422 (naming the conflict).
    excluded = [positive_data_acceptance] if operation.path.endswith("/history") else []

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        if token:
            case.call_and_validate(headers=AUTH, excluded_checks=[ignored_auth, *excluded])
        else:
            case.call_and_validate(excluded_checks=excluded)

    check()


@pytest.mark.parametrize("token", [False, True], ids=["generated-auth", "right-token"])
@pytest.mark.parametrize(
    "mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
def test_no_server_error_and_every_answer_fits_the_schema(
    api: schemathesis.BaseSchema, mode: schemathesis.GenerationMode, token: bool
) -> None:
    """With generated credentials the write endpoints must answer 401; with the right
    token their handlers run (runs are started, the config is reloaded)."""
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 9, [op.label for op in operations]
    for operation in operations:
        try:
            fuzz(operation, mode, token=token)
        except Unsatisfiable:
            if mode is not schemathesis.GenerationMode.NEGATIVE:
                raise
            # nothing about this operation can be invalid (no parameters, or any string is a
            # valid path)
        except Exception as exc:  # every operation is fuzzed; all failures are reported
            failures[operation.label] = f"{type(exc).__name__}: {exc}"
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())


def test_the_store_behind_the_fuzzing_has_runs(running: Harness) -> None:
    """The fuzzed app reads a populated store, so run ids and histories exist."""
    assert len(running.daemon.store.runs("churn")) >= 4
    assert {r.status.value for r in running.daemon.store.runs("broken")} == {"error"}


@pytest.mark.parametrize(
    "url", ["/api/runs/99999999999999999999", "/api/monitors/churn/runs?before=9223372036854775808"]
)
def test_ids_past_64_bits_are_refused_not_a_server_error(running: Harness, url: str) -> None:
    """Found by the fuzzing: such ids reached the database driver and failed there."""
    answer = running.client.get(url)
    assert answer.status_code == 422
    assert "less than or equal to 9223372036854775807" in answer.text
