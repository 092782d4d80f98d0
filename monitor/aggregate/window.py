"""The current window of a monitor in aggregate mode, counted by the database.

Statements (each one scan of the window):

1. rows, and per numerical column its present values, minimum and maximum;
2. per numerical column, counts on its bin edges (one UNION ALL statement):
   fine quantile edges of the reference, its maximum's successor (for the
   out-of-range share) and the Sturges edges row mode's binned tests use,
   which follow from the sizes and extremes of statement 1;
3. per categorical column (and numerical column whose reference holds 20
   distinct values or fewer), its distinct values and their counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from monitor.aggregate import sql
from monitor.aggregate.column import CountedColumn
from monitor.columns import TypedColumn, canonical_label
from monitor.config.models import MonitorConfig
from monitor.errors import DataError
from monitor.source import SqlSource
from monitor.stats import FeatureType
from monitor.stats.base import Floats
from monitor.stats.binning import HISTOGRAM_MIN_UNIQUE, sturges_bins
from monitor.stats.counted import CountedSample, Histogram
from monitor.windows import TimeRange


@dataclass(frozen=True)
class Extremes:
    present: int
    low: float | None
    high: float | None


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def quantile_edges(reference: TypedColumn, bins: int) -> Floats:
    """``bins`` quantile bins of the reference (its minimum and maximum included),
    and the successor of its maximum, so values above it have a bin of their own."""
    ordered = reference.sample.sorted
    if ordered.size == 0:
        return np.zeros(0, dtype=np.float64)
    edges = np.quantile(ordered, np.linspace(0.0, 1.0, bins + 1))
    above = np.nextafter(ordered[-1], np.inf)
    out: Floats = np.unique(np.concatenate((edges, [ordered[0], ordered[-1], above])))
    return out[np.isfinite(out)]


class WindowCounter:
    """Counts one window of one monitor's source for the columns of its profile."""

    def __init__(self, monitor: MonitorConfig, source: SqlSource, window: TimeRange) -> None:
        self.monitor = monitor
        self.source = source
        self.window = window

    def _limit_error(self, column: str, what: str) -> DataError:
        limit = self.monitor.aggregate.max_groups
        return DataError(
            f"monitor {self.monitor.name!r}: column {column!r}: the current window holds more "
            f"than {limit} distinct {what}; aggregate mode fetches at most aggregate.max_groups "
            f"= {limit} groups per column (raise it, or test the column as numerical)"
        )

    def stats(self, numerical: Sequence[str]) -> tuple[int, dict[str, Extremes]]:
        rows = self.source.aggregate(
            self.window, numerical, lambda s, c: sql.window_stats(s, c, numerical)
        )
        row = rows[0]
        out = {
            name: Extremes(
                int(row[1 + 3 * i] or 0), _number(row[2 + 3 * i]), _number(row[3 + 3 * i])
            )
            for i, name in enumerate(numerical)
        }
        return int(row[0]), out

    def columns(
        self,
        reference: dict[str, TypedColumn],
        rows: int,
        extremes: dict[str, Extremes],
    ) -> dict[str, CountedColumn]:
        """Every column of ``reference``, counted in this window."""
        out: dict[str, CountedColumn] = {}
        binned: list[tuple[str, Floats]] = []
        for name, ref in reference.items():
            if ref.feature_type is FeatureType.CATEGORICAL:
                out[name] = self._categories(name, rows)
            elif ref.sample.n_unique <= HISTOGRAM_MIN_UNIQUE:
                out[name] = self._numbers(name, rows, extremes[name])
            elif extremes[name].present == 0:
                out[name] = CountedColumn(
                    name, FeatureType.NUMERICAL, CountedSample(FeatureType.NUMERICAL, 0), rows
                )
            else:
                binned.append((name, self._edges(ref, extremes[name])))
        if binned:
            out.update(self._histograms(reference, binned, rows, extremes))
        return {name: out[name] for name in reference}

    # -- numerical ----------------------------------------------------------------

    def _edges(self, reference: TypedColumn, extremes: Extremes) -> Floats:
        assert extremes.low is not None and extremes.high is not None
        edges = [quantile_edges(reference, self.monitor.aggregate.quantile_bins)]
        known = CountedSample(
            FeatureType.NUMERICAL, extremes.present, extremes=(extremes.low, extremes.high)
        )
        sturges = sturges_bins(reference.sample, known)
        if sturges is not None:
            edges.append(sturges[0] / sturges[1])
        return np.unique(np.concatenate(edges))

    def _histograms(
        self,
        reference: dict[str, TypedColumn],
        binned: list[tuple[str, Floats]],
        rows: int,
        extremes: dict[str, Extremes],
    ) -> dict[str, CountedColumn]:
        names = [name for name, _ in binned]
        dialect = self.source.dialect
        found = self.source.aggregate(
            self.window, names, lambda s, c: sql.histograms(s, c, binned, dialect)
        )
        out = {}
        for i, (name, edges) in enumerate(binned):
            size = edges.size + 1
            counts = np.zeros(size)
            low, high = np.full(size, np.nan), np.full(size, np.nan)
            for _, index, n, lo, hi in (r for r in found if r[0] == i):
                counts[index], low[index], high[index] = n, float(lo), float(hi)
            histogram = Histogram(edges, counts, low, high)
            ext = extremes[name]
            assert ext.low is not None and ext.high is not None
            sample = CountedSample(
                FeatureType.NUMERICAL,
                int(counts.sum()),
                extremes=(ext.low, ext.high),
                histogram=histogram,
            )
            ref = reference[name].sample
            ref_low, ref_high = float(ref.minimum), float(ref.maximum)
            outside = histogram.below(ref_low) + histogram.at_or_above(
                float(np.nextafter(ref_high, np.inf))
            )
            out[name] = CountedColumn(
                name,
                FeatureType.NUMERICAL,
                sample,
                rows - sample.size,
                outside=(ref_low, ref_high, int(outside)),
            )
        return out

    def _numbers(self, name: str, rows: int, extremes: Extremes) -> CountedColumn:
        limit = self.monitor.aggregate.max_groups
        found = self.source.aggregate(
            self.window,
            [name],
            lambda s, c: sql.value_counts(s, c, name, numerical=True, limit=limit + 1),
        )
        if len(found) > limit:
            raise self._limit_error(name, "values")
        values = np.array([float(v) for v, _ in found], dtype=np.float64)
        counts = np.array([int(n) for _, n in found], dtype=np.int64)
        if values.size:  # one value may come back as several (e.g. 0.0 and -0.0)
            values, inverse = np.unique(values, return_inverse=True)
            counts = np.bincount(inverse, weights=counts).astype(np.int64)
        low_high = (float(values[0]), float(values[-1])) if values.size else None
        sample = CountedSample(
            FeatureType.NUMERICAL,
            int(counts.sum()),
            extremes=low_high,
            tally=(values, counts),
        )
        return CountedColumn(name, FeatureType.NUMERICAL, sample, rows - sample.size)

    # -- categorical ----------------------------------------------------------------

    def _categories(self, name: str, rows: int) -> CountedColumn:
        limit = self.monitor.aggregate.max_groups
        found = self.source.aggregate(
            self.window,
            [name],
            lambda s, c: sql.value_counts(s, c, name, numerical=False, limit=limit + 2),
        )
        tally: dict[str, int] = {}
        for value, n in found:
            label = canonical_label(value)
            if label is not None:
                tally[label] = tally.get(label, 0) + int(n)
        if len(tally) > limit:
            raise self._limit_error(name, "categories")
        distinct = np.empty(len(tally), dtype=object)
        distinct[:] = list(tally)
        counts = np.fromiter(tally.values(), dtype=np.int64, count=len(tally))
        sample = CountedSample(FeatureType.CATEGORICAL, int(counts.sum()), tally=(distinct, counts))
        return CountedColumn(name, FeatureType.CATEGORICAL, sample, rows - sample.size)
