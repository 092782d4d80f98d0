"""Fetch speed: 1M rows x 24 columns from PostgreSQL, driftwarden against the usual ways.

    .venv/bin/python bench/fetch.py [--rows 1000000] [--repeat 2]

Creates (once) the database ``dw_bench_fetch`` on the local server with a table of
12 float, 6 integer and 6 text columns plus a timestamp, then times reading one
window of all 24 columns into a pandas DataFrame with each method, in this process.
Target: driftwarden within 1.25x of the fastest.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from monitor.source import SourceSpec, SqlSource, create_source_engine
from monitor.windows import TimeRange

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "dw_bench_fetch"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
START = datetime(2026, 1, 1, tzinfo=UTC)
FLOATS = [f"f{i}" for i in range(12)]
INTS = [f"i{i}" for i in range(6)]
TEXTS = [f"t{i}" for i in range(6)]
COLUMNS = FLOATS + INTS + TEXTS


def prepare(rows: int) -> None:
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": DATABASE}
        ).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    engine = sa.create_engine(URL)
    with engine.begin() as conn:
        have = conn.execute(sa.text("SELECT to_regclass('public.logs')")).scalar()
        if have is not None:
            count = conn.execute(sa.text("SELECT count(*) FROM logs")).scalar_one()
            if count == rows:
                engine.dispose()
                return
            conn.execute(sa.text("DROP TABLE logs"))
        floats = ", ".join(f"random() * 100 AS {c}" for c in FLOATS)
        ints = ", ".join(f"(random() * 1000)::int AS {c}" for c in INTS)
        texts = ", ".join(
            f"(ARRAY['alpha','beta','gamma','delta','epsilon'])[1 + (random() * 4)::int] AS {c}"
            for c in TEXTS
        )
        conn.execute(
            sa.text(
                f"CREATE TABLE logs AS SELECT timestamptz '{START.isoformat()}' "
                f"+ g * interval '1 second' AS ts, {floats}, {ints}, {texts} "
                f"FROM generate_series(0, {rows - 1}) AS g"
            )
        )
        conn.execute(sa.text("ANALYZE logs"))
    engine.dispose()


def window(rows: int) -> tuple[datetime, datetime]:
    return START, START + timedelta(seconds=rows)


def sql_text(rows: int) -> str:
    start, end = window(rows)
    cols = ", ".join(COLUMNS)
    return f"SELECT {cols} FROM logs WHERE ts >= '{start.isoformat()}' AND ts < '{end.isoformat()}'"


def ours(rows: int, loader: str) -> Callable[[], pd.DataFrame]:
    def run() -> pd.DataFrame:
        engine = create_source_engine(URL)
        source = SqlSource(engine, SourceSpec("logs", None, "ts"), monitor="bench", loader=loader)  # type: ignore[arg-type]
        try:
            return source.read(TimeRange(*window(rows)), COLUMNS)
        finally:
            engine.dispose()

    return run


def pandas_read_sql(rows: int) -> pd.DataFrame:
    engine = sa.create_engine(URL)
    try:
        with engine.connect() as conn:
            return pd.read_sql(sa.text(sql_text(rows)), conn)
    finally:
        engine.dispose()


def connectorx_read(rows: int) -> pd.DataFrame:
    import connectorx

    frame: pd.DataFrame = connectorx.read_sql(
        "postgresql://postgres@127.0.0.1:5432/" + DATABASE, sql_text(rows)
    )
    return frame


def adbc_read(rows: int) -> pd.DataFrame:
    from adbc_driver_postgresql import dbapi

    uri = "postgresql://postgres@127.0.0.1:5432/" + DATABASE
    with dbapi.connect(uri) as conn, conn.cursor() as cursor:
        cursor.execute(sql_text(rows))
        table = cursor.fetch_arrow_table()
    frame: pd.DataFrame = table.to_pandas()
    return frame


def copy_read(rows: int) -> pd.DataFrame:
    import psycopg

    buffer = io.BytesIO()
    uri = "postgresql://postgres@127.0.0.1:5432/" + DATABASE
    statement = f"COPY ({sql_text(rows)}) TO STDOUT WITH (FORMAT csv, HEADER)"
    with psycopg.connect(uri) as conn, conn.cursor() as cursor, cursor.copy(statement) as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    return pd.read_csv(buffer)


def best_of(fn: Callable[[], pd.DataFrame], repeat: int) -> tuple[float, int]:
    times = []
    shape = 0
    for _ in range(repeat):
        began = time.perf_counter()
        frame = fn()
        times.append(time.perf_counter() - began)
        shape = frame.shape[0]
    return min(times), shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    prepare(args.rows)
    methods: dict[str, Callable[[], pd.DataFrame]] = {
        "driftwarden (auto: arrow)": ours(args.rows, "auto"),
        "driftwarden (sqlalchemy rows)": ours(args.rows, "sqlalchemy"),
        "pandas.read_sql (sqlalchemy+psycopg)": lambda: pandas_read_sql(args.rows),
        "connectorx": lambda: connectorx_read(args.rows),
        "adbc (raw)": lambda: adbc_read(args.rows),
        "COPY TO STDOUT (csv) + read_csv": lambda: copy_read(args.rows),
    }
    results = {}
    for name, fn in methods.items():
        seconds, n = best_of(fn, args.repeat)
        results[name] = seconds
        print(f"{name:<40} {seconds:8.2f} s   rows={n:,}", flush=True)
    others = {k: v for k, v in results.items() if not k.startswith("driftwarden")}
    fastest_name = min(others, key=lambda k: others[k])
    ratio = results["driftwarden (auto: arrow)"] / others[fastest_name]
    print(f"\nfastest other: {fastest_name} ({others[fastest_name]:.2f} s)")
    print(f"driftwarden / fastest = {ratio:.2f}x (target <= 1.25x)")
    print(f"command: .venv/bin/python bench/fetch.py --rows {args.rows} --repeat {args.repeat}")


if __name__ == "__main__":
    main()
