"""A source database of seeded logs on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.conftest import write_table

Source = Callable[[pd.DataFrame], str]


@pytest.fixture(params=["sqlite", "postgresql"])
def source(request: pytest.FixtureRequest) -> Source:
    """Write a frame as table ``logs`` and return the database's URL.

    On PostgreSQL a few ``income`` values become NaN (distinct from NULL there),
    which both modes must count as missing.
    """

    def make(frame: pd.DataFrame) -> str:
        if request.param == "sqlite":
            url: str = request.getfixturevalue("sqlite_url")
            write_table(url, "logs", frame)
            return url
        url = request.getfixturevalue("postgres_url")
        write_table(url, "logs", frame)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE logs SET income = 'NaN' WHERE visits = 7"))
        engine.dispose()
        return url

    return make
