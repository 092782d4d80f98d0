"""Arrow (ADBC) and row-by-row reads of PostgreSQL give the same typed columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
import sqlalchemy as sa

from monitor.columns import categorical, numerical
from monitor.errors import SourceError
from monitor.source import SourceSpec, SqlSource, create_source_engine
from monitor.source.arrow import arrow_available
from monitor.windows import TimeRange

START = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture
def table(postgres_url: str) -> str:
    rng = np.random.default_rng(3)
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE preds (ts timestamptz, score double precision, amount numeric(12,3), "
                'clicks integer, flag boolean, plan text, "Weird Col" bigint)'
            )
        )
        rows = []
        for i in range(500):
            rows.append(
                {
                    "ts": START + timedelta(minutes=i),
                    "score": None if i % 17 == 0 else float(rng.normal()),
                    "amount": None if i % 23 == 0 else Decimal(f"{rng.uniform(0, 1000):.3f}"),
                    "clicks": None if i % 11 == 0 else int(rng.integers(0, 50)),
                    "flag": None if i % 13 == 0 else bool(i % 2),
                    "plan": None if i % 19 == 0 else str(rng.choice(["a", "b", "c"])),
                    "weird": int(rng.integers(-(2**40), 2**40)),
                }
            )
        conn.execute(
            sa.text(
                "INSERT INTO preds VALUES (:ts, :score, :amount, :clicks, :flag, :plan, :weird)"
            ),
            rows,
        )
    engine.dispose()
    return postgres_url


def read(url: str, loader: str) -> dict[str, tuple[list[object], int]]:
    engine = create_source_engine(url)
    source = SqlSource(engine, SourceSpec("preds", None, "ts"), monitor="m", loader=loader)  # type: ignore[arg-type]
    try:
        assert source.uses_arrow is (loader == "arrow")
        frame = source.read(
            TimeRange(START + timedelta(minutes=100), START + timedelta(minutes=400)),
            ["score", "amount", "clicks", "Weird Col", "flag", "plan"],
        )
    finally:
        engine.dispose()
    out: dict[str, tuple[list[object], int]] = {}
    for name in ["score", "amount", "clicks", "Weird Col"]:
        column = numerical(frame[name], column=name, monitor="m", window="current")
        out[name] = (column.values.tolist(), column.missing)
    for name in ["flag", "plan"]:
        typed = categorical(frame[name])
        out[name] = (typed.values.tolist(), typed.missing)
    return out


def test_arrow_and_rows_agree(table: str) -> None:
    if not arrow_available():
        pytest.fail("the ADBC PostgreSQL driver is part of the dev install")
    rows = read(table, "sqlalchemy")
    arrow = read(table, "arrow")
    assert rows == arrow
    assert len(rows["score"][0]) + rows["score"][1] == 300
    assert rows["clicks"][1] == len([i for i in range(100, 400) if i % 11 == 0])
    assert set(rows["flag"][0]) == {"0", "1"}


def test_arrow_errors_are_source_errors(postgres_url: str) -> None:
    engine = create_source_engine(postgres_url)
    with engine.begin():
        pass
    source = SqlSource(
        engine, SourceSpec(None, "SELECT 1/0 AS x, now() AS ts", "ts"), monitor="m", loader="arrow"
    )
    with pytest.raises(SourceError, match="monitor 'm'"):
        source.read(TimeRange(None, None), ["x"])
    engine.dispose()
