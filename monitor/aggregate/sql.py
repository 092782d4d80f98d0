"""The aggregate statements of aggregate mode, as SQLAlchemy Core expressions.

Portable across dialects (PostgreSQL, SQLite, and any engine with CASE, SUM,
MIN, MAX, COUNT, GROUP BY and UNION ALL): no dialect-specific SQL. Every
statement takes the source (table or query) and the window's condition, the
same one row mode filters on.

A value counts as present when it is finite (``-inf < x < inf``): NULL, NaN
and ±inf are missing, as in row mode (PostgreSQL orders NaN above infinity,
so the comparison leaves it out too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from monitor.stats.base import Floats

INF = float("inf")


def finite(column: ColumnElement[Any]) -> ColumnElement[bool]:
    return sa.and_(column > sa.literal(-INF, sa.Float()), column < sa.literal(INF, sa.Float()))


def ones(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """SUM of this counts the rows where ``condition`` holds."""
    return sa.case((condition, 1), else_=0)


def bin_index(column: ColumnElement[Any], edges: Floats, dialect: str = "") -> ColumnElement[Any]:
    """How many ``edges`` (ascending) are at or below the value.

    Portable form: a CASE tree of depth log2(len(edges)), so each row makes about ten
    comparisons, not one per edge. PostgreSQL has this very function built in
    (``width_bucket(x, thresholds)``, a binary search in C, several times faster).
    """
    values = [float(e) for e in edges]
    if dialect == "postgresql":
        thresholds = sa.literal(values, postgresql.ARRAY(sa.Float(precision=53)))
        return sa.func.width_bucket(column, thresholds)

    def tree(low: int, high: int) -> ColumnElement[Any]:
        if low == high:
            return sa.literal(low, sa.Integer())
        middle = (low + high + 1) // 2
        return sa.case(
            (column < sa.literal(values[middle - 1], sa.Float()), tree(low, middle - 1)),
            else_=tree(middle, high),
        )

    return tree(0, len(values))


def window_stats(
    source: sa.FromClause, condition: ColumnElement[bool], numerical: Sequence[str]
) -> sa.Select[Any]:
    """Rows of the window, then per numerical column: present values, min, max."""
    parts: list[ColumnElement[Any]] = [sa.func.count().label("rows")]
    for i, name in enumerate(numerical):
        x = source.c[name]
        present = finite(x)
        parts += [
            sa.func.sum(ones(present)).label(f"n{i}"),
            sa.func.min(sa.case((present, x))).label(f"lo{i}"),
            sa.func.max(sa.case((present, x))).label(f"hi{i}"),
        ]
    return sa.select(*parts).select_from(source).where(condition)


def histograms(
    source: sa.FromClause,
    condition: ColumnElement[bool],
    columns: Sequence[tuple[str, Floats]],
    dialect: str = "",
) -> sa.CompoundSelect[Any]:
    """Per numerical column (numbered by position): count, min and max of the present
    values in each bin of its edges (see :func:`bin_index`), one statement.

    ``OFFSET 0`` keeps each bin subquery from being merged into its GROUP BY: a planner
    that estimates the groups of a CASE over a column as its distinct values (one per
    row) sorts every row, while a subquery's output has the default estimate and is
    hashed (PostgreSQL: 2-3 times faster).
    """
    parts = []
    for i, (name, edges) in enumerate(columns):
        x = source.c[name]
        inner = (
            sa.select(bin_index(x, edges, dialect).label("bin"), x.label("x"))
            .select_from(source)
            .where(condition, finite(x))
            .offset(0)  # kept apart: the grouping then counts on ~200 bins, not one per row
            .subquery(f"binned{i}")
        )
        parts.append(
            sa.select(
                sa.literal(i, sa.Integer()).label("col"),
                inner.c.bin,
                sa.func.count().label("n"),
                sa.func.min(inner.c.x).label("lo"),
                sa.func.max(inner.c.x).label("hi"),
            ).group_by(inner.c.bin)
        )
    return sa.union_all(*parts)


def value_counts(
    source: sa.FromClause,
    condition: ColumnElement[bool],
    name: str,
    *,
    numerical: bool,
    limit: int,
) -> sa.Select[Any]:
    """Distinct values of one column and their counts (NULL included, unless the
    column is numerical: then only finite values), at most ``limit`` groups."""
    x = source.c[name]
    where = [condition, finite(x)] if numerical else [condition]
    return (
        sa.select(x.label("value"), sa.func.count().label("n"))
        .select_from(source)
        .where(*where)
        .group_by(x)
        .limit(limit)
    )


def confusion(
    source: sa.FromClause, condition: ColumnElement[bool], target: str, prediction: str, limit: int
) -> sa.Select[Any]:
    """Rows per (target, prediction) pair where both are present."""
    t, p = source.c[target], source.c[prediction]
    return (
        sa.select(t.label("target"), p.label("prediction"), sa.func.count().label("n"))
        .select_from(source)
        .where(condition, t.is_not(None), p.is_not(None))
        .group_by(t, p)
        .limit(limit)
    )


def error_sums(
    source: sa.FromClause,
    condition: ColumnElement[bool],
    target: str,
    prediction: str,
    centre: float,
) -> sa.Select[Any]:
    """Sums behind MAE, RMSE, MAPE and R² over rows with both values finite.

    Target sums are taken around ``centre`` (the reference's mean target), so the
    total sum of squares does not cancel away on targets with a large mean.
    """
    t, p = source.c[target], source.c[prediction]
    error = t - p
    eps = sa.literal(float(np.finfo(np.float64).eps), sa.Float())
    scale = sa.case((sa.func.abs(t) > eps, sa.func.abs(t)), else_=eps)
    shifted = t - sa.literal(centre, sa.Float())
    sums: list[ColumnElement[Any]] = [
        sa.func.count().label("n"),
        sa.func.sum(sa.func.abs(error)).label("abs_error"),
        sa.func.sum(error * error).label("sq_error"),
        sa.func.sum(sa.func.abs(error) / scale).label("abs_pct_error"),
        sa.func.sum(shifted).label("target"),
        sa.func.sum(shifted * shifted).label("sq_target"),
    ]
    return sa.select(*sums).select_from(source).where(condition, finite(t), finite(p))


def cumulative_counts(
    source: sa.FromClause, condition: ColumnElement[bool], name: str, bounds: Sequence[float]
) -> sa.Select[Any]:
    """Present values at or below each bound, their count and their sum."""
    x = source.c[name]
    present = finite(x)
    parts = [
        sa.func.sum(ones(sa.and_(present, x <= sa.literal(float(b), sa.Float())))).label(f"b{i}")
        for i, b in enumerate(bounds)
    ]
    parts += [
        sa.func.sum(ones(present)).label("n"),
        sa.func.sum(sa.case((present, x))).label("total"),
    ]
    return sa.select(*parts).select_from(source).where(condition)
