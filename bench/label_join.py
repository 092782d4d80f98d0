"""What a labels table joined by id costs a window read, on PostgreSQL.

A scratch database gets ``--rows`` predictions over 30 days and one label per
prediction (plus corrections for 10% of them, so ids have duplicates), with
indexes on the predictions' timestamp and the labels' id. For one window of
``--window`` it times, in the same process (median of ``--repeat`` reads):

- baseline: the window's predictions without labels (what every run reads);
- join: the same read with the labels joined inside the database, as a monitor
  with ``[monitors.labels]`` does (latest label known at the run's start);
- count: the per-window count that decides whether a window is re-evaluated;
- check: the counts of one tick's re-evaluation check, one per hourly window of
  ``--lag`` (7 days: 168 counts);
- pandas: the alternative of reading every label known so far and merging in
  pandas (what the join avoids).

    .venv/bin/python bench/label_join.py [--rows 2000000] [--window 1d] [--admin-url URL]

Both loaders are measured when ADBC is installed (``--loader arrow|sqlalchemy``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.durations import format_duration, parse_duration
from monitor.source import SourceSpec, SqlSource
from monitor.source.labels import LabelJoin, LabelSpec
from monitor.windows import TimeRange

COMMAND = ".venv/bin/python bench/label_join.py"
START = datetime(2026, 3, 1, tzinfo=UTC)
DAYS = 30


def populate(url: str, rows: int) -> None:
    seconds = DAYS * 86400
    statements = [
        f"""CREATE TABLE predictions AS SELECT g AS id,
            timestamptz '{START.isoformat()}' + (g::float8 / {rows} * {seconds}) * interval '1 s'
              AS ts,
            random() * 100 AS age, (ARRAY['basic','pro','team'])[1 + (g % 3)] AS plan,
            random() AS proba, (g % 2) AS pred
            FROM generate_series(1, {rows}) AS g""",
        """CREATE TABLE labels AS
            SELECT id AS prediction_id, (random() < 0.5)::int AS label,
                   ts + interval '3 days' AS known_at FROM predictions
            UNION ALL
            SELECT id, (random() < 0.5)::int, ts + interval '5 days'
            FROM predictions WHERE id % 10 = 0""",
        "CREATE INDEX ON predictions (ts)",
        "CREATE INDEX ON labels (prediction_id)",
        "ANALYZE predictions",
        "ANALYZE labels",
    ]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def measure(
    url: str, loader: str, window: TimeRange, as_of: datetime, repeat: int, lag: timedelta
) -> None:
    engine = sa.create_engine(url)
    spec = SourceSpec("predictions", None, "ts")
    labels = LabelSpec("labels", None, "prediction_id", "label", "known_at", "id")
    columns = ["age", "plan", "proba", "pred"]
    plain = SqlSource(engine, spec, monitor="bench", loader=loader)  # type: ignore[arg-type]
    joined = SqlSource(
        engine,
        spec,
        monitor="bench",
        loader=loader,  # type: ignore[arg-type]
        labels=LabelJoin(labels, monitor="bench"),
    )
    rows = len(plain.read(window, columns))
    frame = joined.read(window, [*columns, "label"], as_of=as_of)
    labelled = int(frame["label"].notna().sum())

    def pandas_merge() -> pd.DataFrame:
        own = plain.read(window, [*columns, "id"])
        with engine.connect() as conn:
            known = pd.read_sql(
                sa.text("SELECT prediction_id, label, known_at FROM labels WHERE known_at <= :t"),
                conn,
                params={"t": as_of},
            )
        latest = known.sort_values("known_at").drop_duplicates("prediction_id", keep="last")
        return own.merge(latest, left_on="id", right_on="prediction_id", how="left")

    base = median_seconds(lambda: plain.read(window, columns), repeat)
    join = median_seconds(lambda: joined.read(window, [*columns, "label"], as_of=as_of), repeat)
    count = median_seconds(lambda: joined.count_labels(window, as_of), repeat)
    merge = median_seconds(pandas_merge, max(1, repeat // 3))
    assert window.end is not None
    hours = int(lag.total_seconds() // 3600)
    hourly = [
        TimeRange(window.end - timedelta(hours=h + 1), window.end - timedelta(hours=h))
        for h in range(hours)
    ]
    began = time.perf_counter()
    for each in hourly:
        joined.count_labels(each, as_of)
    check = time.perf_counter() - began
    print(f"loader {loader}: window of {rows:,} rows, {labelled:,} with a label")
    print(f"  baseline (no labels)     {base * 1000:9.1f} ms   1.00x")
    print(f"  labels joined in the db  {join * 1000:9.1f} ms   {join / base:.2f}x")
    print(f"  count for re-evaluation  {count * 1000:9.1f} ms   {count / base:.2f}x")
    print(f"  pandas merge of labels   {merge * 1000:9.1f} ms   {merge / base:.2f}x")
    print(f"  re-evaluation check: {hours} hourly counts in {check * 1000:.0f} ms")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--window", type=parse_duration, default=timedelta(days=1))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--lag", type=parse_duration, default=timedelta(days=7))
    parser.add_argument(
        "--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--loader", choices=["arrow", "sqlalchemy"], action="append")
    args = parser.parse_args()

    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    name = f"dw_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        began = time.perf_counter()
        populate(url, args.rows)
        print(
            f"{args.rows:,} predictions over {DAYS} days, "
            f"{args.rows + args.rows // 10:,} label rows ({time.perf_counter() - began:.1f}s)"
        )
        end = START + timedelta(days=20)
        window = TimeRange(end - args.window, end)
        as_of = START + timedelta(days=DAYS + 10)
        for loader in args.loader or ["sqlalchemy", "arrow"]:
            measure(url, loader, window, as_of, args.repeat, args.lag)
        print(f"command: {COMMAND} --rows {args.rows} --window {format_duration(args.window)}")
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
