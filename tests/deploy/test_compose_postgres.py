"""The compose stack's PostgreSQL side, on a real server: the init script run on an empty
server as the postgres image runs it, the seed job, and driftwarden with the stack's own
config (the service name ``postgres`` mapped to this server) reading and storing there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.deploy.dockerfile import ROOT
from tests.deploy.manifests import bind_mounts, compose, compose_env
from tests.pgcluster import PgCluster, pg_cluster

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PASSWORDS = {
    "POSTGRES_PASSWORD": "super-pw",
    # Quotes, spaces and a dollar: the init script must pass them to SQL intact, and
    # they reach both loaders' connections unchanged (no @ : / # ? %, which a URL would
    # need percent-encoded).
    "DRIFTWARDEN_DB_PASSWORD": "results'pw 1",
    "SOURCE_DB_PASSWORD": 'reader"pw $x',
}


def _init_script() -> Path:
    services = compose()["services"]
    (script,) = [
        source
        for target, source in bind_mounts(services["postgres"]).items()
        if target.startswith("/docker-entrypoint-initdb.d/")
    ]
    return script


class Server:
    """The private cluster, with the URL of any role the init script creates."""

    def __init__(self, cluster: PgCluster) -> None:
        self.port = cluster.port
        self.superuser_password = PASSWORDS["POSTGRES_PASSWORD"]

    def url(self, user: str, password: str, database: str) -> str:
        return f"postgresql+psycopg://{user}:{password}@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    # Roles belong to the whole server: a private one keeps them off the shared server.
    with pg_cluster(password=PASSWORDS["POSTGRES_PASSWORD"]) as cluster:
        env = {
            **os.environ,
            **PASSWORDS,
            "POSTGRES_USER": "postgres",
            "PGHOST": str(cluster.root),
            "PGPORT": str(cluster.port),
        }
        done = subprocess.run(
            ["sh", str(_init_script())], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr
        yield Server(cluster)


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def _seed(server: Server) -> str:
    seed = compose()["services"]["seed"]
    url = compose_env(seed)["SEED_URL"]
    url = url.replace("${POSTGRES_PASSWORD:?set it in deploy/.env}", server.superuser_password)
    url = url.replace("@postgres:5432/", f"@127.0.0.1:{server.port}/")
    script = ROOT / "deploy" / "compose" / "seed_demo.py"
    done = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, "SEED_URL": url, "SEED_DAYS": "3", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_seed_job_fills_the_source_and_driftwarden_runs_on_it(
    server: Server, tmp_path: Path
) -> None:
    out = _seed(server)
    with _engine(
        server.url("postgres", server.superuser_password, "predictions")
    ).connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM predictions")).scalar_one()
        kind = conn.execute(
            sa.text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'predictions' AND column_name = 'ts'"
            )
        ).scalar_one()
    assert f"seeded {rows} predictions" in out
    assert kind == "timestamp with time zone"

    text = (ROOT / "deploy" / "compose" / "config.toml").read_text()
    text = text.replace("@postgres:5432/", f"@127.0.0.1:{server.port}/")
    text = text.replace(
        'alertmanager_urls = ["http://alertmanager:9093"]', "alertmanager_urls = []"
    )
    text = text.replace('"/var/lib/driftwarden/reports"', f'"{tmp_path / "reports"}"')
    config = tmp_path / "config.toml"
    config.write_text(text)
    env = {**os.environ, **PASSWORDS}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "run",
            "--config",
            str(config),
            "--format",
            "json",
            "--no-report",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (result,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert result["status"] == "ok", result
    results = server.url("driftwarden", PASSWORDS["DRIFTWARDEN_DB_PASSWORD"], "driftwarden")
    with _engine(results).connect() as conn:
        stored = conn.execute(sa.text("SELECT monitor, status FROM runs")).all()
        owner = conn.execute(
            sa.text("SELECT tableowner FROM pg_tables WHERE tablename = 'runs'")
        ).scalar_one()
    assert [tuple(r) for r in stored] == [("churn", "ok")]
    assert owner == "driftwarden"


def test_the_reader_role_can_read_the_source_and_nothing_more(server: Server) -> None:
    _seed(server)
    password = PASSWORDS["SOURCE_DB_PASSWORD"]
    with _engine(server.url("driftwarden_reader", password, "predictions")).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM reference_predictions")).scalar_one()
    for statement in (
        "INSERT INTO predictions (id) VALUES (-1)",
        "DELETE FROM predictions",
        "CREATE TABLE mine (x int)",
    ):
        with (
            _engine(server.url("driftwarden_reader", password, "predictions")).connect() as conn,
            pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
        ):
            conn.execute(sa.text(statement))
    with (
        _engine(server.url("driftwarden_reader", password, "driftwarden")).connect() as conn,
        pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
    ):
        conn.execute(sa.text("CREATE TABLE mine (x int)"))


def test_passwords_are_the_ones_from_the_environment(server: Server) -> None:
    wrong = _engine(server.url("driftwarden", "wrong", "driftwarden"))
    with pytest.raises(sa.exc.OperationalError, match="password authentication failed"):
        wrong.connect()
    good = server.url("driftwarden", PASSWORDS["DRIFTWARDEN_DB_PASSWORD"], "driftwarden")
    with _engine(good).connect() as conn:
        assert conn.execute(sa.text("SELECT current_user")).scalar_one() == "driftwarden"
