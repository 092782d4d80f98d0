"""Load the demo's synthetic prediction logs into a PostgreSQL source database.

The ``seed`` service of deploy/docker-compose.yml runs it inside the driftwarden image,
so the stack's monitor has data at once: tables ``predictions`` (timestamps as
``timestamptz``, drift in the last third) and ``reference_predictions``, the same
ones ``driftwarden demo`` writes to SQLite. Running it again replaces them.

    python seed_demo.py [URL]        (default: $SEED_URL; days: $SEED_DAYS, default 14)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from monitor.demo.data import generate


def seed(url: str, *, days: int, end: datetime) -> int:
    """Write both tables; return the number of prediction rows."""
    data = generate(end, days=days)
    predictions = data.predictions.assign(ts=pd.to_datetime(data.predictions["ts"], utc=True))
    engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.begin() as conn:
            predictions.to_sql("predictions", conn, index=False, if_exists="replace")
            data.reference.to_sql("reference_predictions", conn, index=False, if_exists="replace")
            conn.execute(sa.text("CREATE INDEX ix_predictions_ts ON predictions (ts)"))
    finally:
        engine.dispose()
    return len(predictions)


def main(argv: Sequence[str]) -> int:
    url = argv[0] if argv else os.environ.get("SEED_URL")
    if not url:
        print("usage: seed_demo.py URL (or set SEED_URL)", file=sys.stderr)
        return 2
    rows = seed(url, days=int(os.environ.get("SEED_DAYS", "14")), end=datetime.now(UTC))
    print(f"seeded {rows} predictions and the reference set", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
