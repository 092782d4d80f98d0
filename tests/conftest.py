"""Shared fixtures: fresh SQLite files and fresh PostgreSQL databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.servers import POSTGRES_ADMIN_URL, unavailable

pytest_plugins = ["tests.service.fixtures"]


def write_table(url: str, name: str, frame: pd.DataFrame, **kwargs: object) -> None:
    """Create (or replace) a table holding ``frame``."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            frame.to_sql(name, conn, index=False, if_exists="replace", **kwargs)  # type: ignore[arg-type]
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'source.db'}"


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'results.db'}"


def _admin_engine() -> sa.Engine:
    return sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[sa.Engine]:
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure means the server is not usable
        engine.dispose()
        unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL} ({type(exc).__name__})")
    yield engine
    engine.dispose()


def _new_database(admin: sa.Engine) -> tuple[str, str]:
    name = f"dw_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    return name, url


def _drop_database(admin: sa.Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_url(postgres_admin: sa.Engine) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database, dropped after the test."""
    name, url = _new_database(postgres_admin)
    try:
        yield url
    finally:
        _drop_database(postgres_admin, name)


@pytest.fixture
def postgres_url_factory(postgres_admin: sa.Engine) -> Iterator[object]:
    """Make several fresh databases in one test (e.g. a source and a results store)."""
    created: list[str] = []

    def make() -> str:
        name, url = _new_database(postgres_admin)
        created.append(name)
        return url

    yield make
    for name in created:
        _drop_database(postgres_admin, name)
