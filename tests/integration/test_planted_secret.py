"""A planted secret never leaves the process: not in logs, /metrics, /api, reports,
the results database, check-config output or exception messages.

One distinctive secret is the password of every source URL and of the results
database URL (real PostgreSQL; 127.0.0.1 trusts, so the password is accepted and
ignored), the API token and Alertmanager's basic-auth password (a real
Alertmanager requiring it). The service then runs for real (``driftwarden serve``
in text and in JSON log format, debug level) with monitors that succeed, write a
report and alert, and monitors that fail every way a source can: unreachable,
a missing table, a failing query, a malformed URL. Every output is then searched
for the secret; URLs shown in them carry ``***`` instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import bcrypt
import httpx
import pytest
import sqlalchemy as sa

from monitor.config import ConfigError, parse_config
from monitor.errors import SourceError
from monitor.runner import utcnow
from monitor.source import SourceSpec, SqlSource, create_source_engine
from monitor.store import Store
from monitor.windows import TimeRange
from tests.integration.alertmanager import Alertmanager, routing_config
from tests.servers import free_port
from tests.service.process import Served, pythonpath, serve
from tests.service.sources import NO_REPORT, monitor_toml, write_source

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SECRET = f"Pl4nted-{uuid.uuid4().hex[:16]}"
MASKED = "postgres:***@127.0.0.1"


def with_password(url: str) -> str:
    """``url`` (postgres user, no password) with the secret as its password."""
    return url.replace("postgres@", f"postgres:{SECRET}@", 1)


class Findings:
    """Every text searched, by where it came from."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def add(self, where: str, text: str | bytes) -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        self.texts[where] = text

    def leaks(self) -> list[str]:
        return [where for where, text in self.texts.items() if SECRET in text]


@pytest.fixture
def alertmanager_with_auth(tmp_path: Path) -> Iterator[Alertmanager]:
    hashed = bcrypt.hashpw(SECRET.encode(), bcrypt.gensalt(rounds=4)).decode()
    web = tmp_path / "am-web.yml"
    web.write_text(f"basic_auth_users:\n  am: {hashed}\n")
    folder = tmp_path / "am"
    folder.mkdir()
    am = Alertmanager(folder, routing_config("http://127.0.0.1:9/hook"), web_config=web)
    am.scheme = "http"  # basic auth without TLS
    am.start(ready=httpx.Client(timeout=2, auth=("am", SECRET)))
    try:
        yield am
    finally:
        am.stop()


def config_toml(
    root: Path, source: str, store: str, port: int, am_url: str, *, log_tag: str
) -> str:
    now = utcnow()
    closed = f"http://127.0.0.1:{free_port()}"
    bad_port = f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:1/nowhere"
    monitors = (
        monitor_toml("good", source, now)
        + monitor_toml("gone_table", source, now, extra=NO_REPORT).replace(
            'table = "predictions"', 'table = "gone"'
        )
        + monitor_toml("bad_query", source, now, extra=NO_REPORT).replace(
            'table = "predictions"',
            'query = "SELECT * FROM predictions WHERE no_such_function(x1) > 0"',
        )
        + monitor_toml("unreachable", bad_port, now, extra=NO_REPORT)
    )
    return f"""
[service]
store_url = "{store}"
reports_dir = "{root / f"reports-{log_tag}"}"
listen = "127.0.0.1:{port}"
api_token = "{SECRET}"
public_url = "http://127.0.0.1:{port}"

[alerting]
alertmanager_urls = ["{am_url}", "{closed}"]
resend_interval = "5s"
timeout = "2s"
basic_auth = {{ username = "am", password = "{SECRET}" }}
{monitors}
"""


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": pythonpath()},
        timeout=300,
    )


def api_texts(served: Served, found: Findings) -> None:
    """Every GET endpoint, and the write endpoints with no, a wrong and the right token."""
    auth = {"Authorization": f"Bearer {SECRET}"}
    for path in ("/openapi.json", "/healthz", "/readyz", "/docs", "/api/monitors", "/reports/"):
        found.add(f"GET {path}", served.get(path).content)
    for accept in ("text/plain", "application/openmetrics-text"):
        found.add(
            f"GET /metrics ({accept})", served.get("/metrics", headers={"Accept": accept}).text
        )
    for name in ("good", "gone_table", "unreachable"):
        for headers in ({}, {"Authorization": "Bearer wrong"}, auth):
            answer = served.post(f"/api/monitors/{name}/run", headers=headers)
            found.add(f"POST run {name} {headers.get('Authorization', '-')[:6]}", answer.text)
    found.add("POST /api/reload", served.post("/api/reload", headers=auth).text)
    for monitor in served.get("/api/monitors").json():
        runs = served.get(f"/api/monitors/{monitor['name']}/runs").json()
        found.add(f"GET runs of {monitor['name']}", repr(runs))
        for run in runs["runs"]:
            found.add(f"GET /api/runs/{run['id']}", served.get(f"/api/runs/{run['id']}").text)
        if monitor["report_url"]:
            report = monitor["report_url"].removeprefix(served.url)
            found.add(f"GET {report}", served.get(report).content)
    found.add("GET /api/runs/999999", served.get("/api/runs/999999").text)
    found.add("GET /api/monitors/nope/runs", served.get("/api/monitors/nope/runs").text)


def store_rows(admin_url: str, found: Findings, tag: str) -> None:
    """Every row of every table of the results database, as text."""
    engine = sa.create_engine(admin_url)
    try:
        with engine.connect() as conn:
            for table in sa.inspect(conn).get_table_names():
                rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).fetchall()
                found.add(f"store {tag} table {table}", "\n".join(repr(tuple(r)) for r in rows))
    finally:
        engine.dispose()


def folder_files(folder: Path, found: Findings, tag: str) -> int:
    files = [p for p in folder.rglob("*") if p.is_file()]
    for path in files:
        found.add(f"{tag} {path.relative_to(folder)}", path.read_bytes())
    return len(files)


def exception_texts(source: str, found: Findings) -> None:
    """Messages of the exceptions raised by the parts that take URLs."""
    window = TimeRange(utcnow().replace(year=2020), utcnow())
    for url in (
        f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:1/nowhere",
        source.replace("/dw_test_", "/no_such_db_"),
    ):
        reader = SqlSource(
            create_source_engine(url), SourceSpec("predictions", None, "ts"), monitor="m"
        )
        with pytest.raises(SourceError) as caught:
            reader.read(window, ["x1"])
        found.add(f"SourceError {url[-12:]}", f"{caught.value}\n{caught.value!r}")
    for bad in (
        f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:1/nowhere",
        f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:notaport/db",
    ):
        try:
            Store.open(bad).close()
        except Exception as exc:
            found.add(f"Store.open {bad[-10:]}", f"{exc}\n{exc!r}")
    for text in (
        f'[alerting]\nalertmanager_urls = ["http://am:{SECRET}@127.0.0.1:9093"]',
        f'[alerting]\nalertmanager_urls = ["ftp://am:{SECRET}@127.0.0.1:9093"]',
        f'[alerting]\nalertmanager_urls = ["http://am:{SECRET}@[::1"]',
        f'[alerting]\nbasic_auth = {{ username = "am", password = ["{SECRET}"] }}',
        f'[service]\napi_token = ["{SECRET}"]',
        f'[service]\nstore_url = ["postgresql://u:{SECRET}@h/db"]',
        f'[service]\nstore_url = "postgresql://u:{SECRET}@h:notaport/db"',
        monitor_toml("m", f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:notaport/db"),
    ):
        with pytest.raises(ConfigError) as caught:
            parse_config(text, environ={})
        found.add(f"ConfigError {text[:30]}", str(caught.value))


def wait_for(condition: Callable[[], bool], served: Served, what: str) -> None:
    served.wait_for(condition, timeout=120, what=what)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_planted_secret_appears_nowhere(
    tmp_path: Path,
    postgres_url_factory: Callable[[], str],
    alertmanager_with_auth: Alertmanager,
    log_format: str,
) -> None:
    source_admin, store_admin = postgres_url_factory(), postgres_url_factory()
    now = utcnow()
    write_source(source_admin, now)
    source, store = with_password(source_admin), with_password(store_admin)
    assert SECRET in source and SECRET in store
    port = free_port()
    path = tmp_path / "config.toml"
    am = alertmanager_with_auth
    path.write_text(config_toml(tmp_path, source, store, port, am.url, log_tag=log_format))
    found = Findings()

    checked = run_cli("check-config", str(path), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    found.add("check-config", checked.stdout + checked.stderr)
    assert MASKED in checked.stdout

    with serve(
        path, port, args=("--log-format", log_format), global_args=("--log-level", "debug")
    ) as served:
        wait_for(lambda: served.get("/readyz").status_code == 200, served, "readiness")
        wait_for(
            lambda: all(m["status"] != "never_run" for m in served.get("/api/monitors").json()),
            served,
            "the first run of every monitor",
        )
        statuses = {m["name"]: m["status"] for m in served.get("/api/monitors").json()}
        assert statuses["good"] == "ok"
        assert all(statuses[n] == "error" for n in statuses if n != "good"), statuses
        wait_for(
            lambda: served.get("/api/monitors").json()[0]["report_url"] is not None,
            served,
            "the report of the good monitor",
        )
        api_texts(served, found)
        am_client = httpx.Client(auth=("am", SECRET), timeout=5)
        wait_for(
            lambda: (
                {"DatasetDriftDetected", "MonitorRunFailing"}
                <= {
                    a["labels"]["alertname"]
                    for a in am_client.get(f"{am.url}/api/v2/alerts").json()
                }
            ),
            served,
            "alerts accepted by the Alertmanager requiring basic auth",
        )
        wait_for(
            lambda: "Alertmanager" in served.log(), served, "the closed Alertmanager's failure"
        )
        assert served.stop() == 0
        found.add(f"serve log ({log_format})", served.log())
    log_text = served.log()
    assert "***" in log_text, "the masked URLs are shown"

    reports = tmp_path / f"reports-{log_format}"
    assert folder_files(reports, found, "reports") >= 2
    store_rows(store_admin, found, log_format)
    stored_errors = "\n".join(
        v for k, v in found.texts.items() if k.startswith(f"store {log_format} table runs")
    )
    assert "***" in stored_errors, "stored errors show the masked source URL"

    ran = run_cli("run", "--config", str(path), "--format", "json", "--no-report", cwd=tmp_path)
    found.add("driftwarden run", ran.stdout + ran.stderr)
    upgraded = run_cli("db", "upgrade", "--config", str(path), cwd=tmp_path)
    found.add("driftwarden db upgrade", upgraded.stdout + upgraded.stderr)
    bad_store = path.read_text().replace(store, store.replace(":5432/", ":1/"))
    (tmp_path / "bad-store.toml").write_text(bad_store)
    for command in (("serve",), ("run",), ("db", "upgrade")):
        failed = run_cli(*command, "--config", str(tmp_path / "bad-store.toml"), cwd=tmp_path)
        assert failed.returncode == 3, failed.stderr
        assert "cannot open the results database postgresql+psycopg://postgres:***@" in (
            failed.stderr
        )
        assert "Traceback" not in failed.stderr
        found.add(f"{' '.join(command)} with the store down", failed.stdout + failed.stderr)
    malformed = path.read_text().replace(source, source.replace(":5432/", ":notaport/"))
    (tmp_path / "malformed.toml").write_text(malformed)
    refused = run_cli("check-config", str(tmp_path / "malformed.toml"), cwd=tmp_path)
    assert refused.returncode == 2
    assert "field 'source_url': invalid database URL" in refused.stderr
    found.add("check-config of a malformed source URL", refused.stdout + refused.stderr)
    exception_texts(source, found)

    import json as _j

    Path("/tmp/doors-found.json").write_text(_j.dumps(found.texts))  # DEBUG
    assert len(found.texts) > 40
    assert not found.leaks(), {k: found.texts[k][:2000] for k in found.leaks()}
