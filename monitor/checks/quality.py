"""Data-quality checks: pure functions from typed columns and row counts to result rows.

Per column (current window against the reference):

- missing share, bounded by the reference's share plus ``max_missing_increase``;
- unseen share (categorical): current values that never occur in the reference;
- out-of-range share (numerical): current values below the reference's minimum
  or above its maximum.

Per window: the row count against ``min_rows``/``max_rows``, and the rows per
hour against the reference window's rate (``max_rate_ratio``).

A value outside its bounds is ``breached`` (strictly outside: a value on a
bound is fine); a share with no values to take it of is ``insufficient_data``.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from monitor.checks.drift import ColumnPair
from monitor.config.checks import QualityConfig
from monitor.result import CheckStatus, QualityCheck, QualityResult, Role
from monitor.stats import FeatureType

QUALITY_ROLES = frozenset({Role.FEATURE, Role.PREDICTION, Role.SCORE})
"""Roles whose columns are checked; the target is left out (late labels are missing by design)."""


def _status(value: float | None, lower: float | None, upper: float | None) -> CheckStatus:
    if value is None:
        return CheckStatus.INSUFFICIENT_DATA
    if (lower is not None and value < lower) or (upper is not None and value > upper):
        return CheckStatus.BREACHED
    return CheckStatus.OK


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole > 0 else None


def missing_share(pair: ColumnPair, max_increase: float | None) -> QualityResult:
    """Current missing share; its upper bound is the reference's share plus ``max_increase``."""
    ref, cur = pair.reference, pair.current
    current = _share(cur.missing, cur.rows)
    reference = _share(ref.missing, ref.rows)
    upper = None
    if max_increase is not None and reference is not None:
        upper = min(1.0, reference + max_increase)
    return QualityResult(
        check=QualityCheck.MISSING_SHARE,
        column=ref.name,
        value=current,
        reference_value=reference,
        lower_bound=None,
        upper_bound=upper,
        status=_status(current, None, upper),
    )


def unseen_share(pair: ColumnPair, max_share: float | None) -> QualityResult:
    """Share of the current non-missing values whose category the reference never holds."""
    ref, cur = pair.reference, pair.current
    known = set(ref.values.tolist())
    counts = cur.category_counts()
    unseen = sum(n for value, n in counts.items() if value not in known)
    share = _share(unseen, cur.present)
    return QualityResult(
        check=QualityCheck.UNSEEN_SHARE,
        column=ref.name,
        value=share,
        reference_value=None,
        lower_bound=None,
        upper_bound=max_share,
        status=_status(share, None, max_share),
    )


def out_of_range_share(pair: ColumnPair, max_share: float | None) -> QualityResult:
    """Share of the current non-missing values outside the reference's [min, max]."""
    ref, cur = pair.reference, pair.current
    share = None
    if ref.values.size and cur.present:
        low, high = float(np.min(ref.values)), float(np.max(ref.values))
        share = cur.count_outside(low, high) / cur.present
    return QualityResult(
        check=QualityCheck.OUT_OF_RANGE_SHARE,
        column=ref.name,
        value=share,
        reference_value=None,
        lower_bound=None,
        upper_bound=max_share,
        status=_status(share, None, max_share),
    )


def column_quality(pair: ColumnPair, config: QualityConfig) -> tuple[QualityResult, ...]:
    """The checks of one column: missing share, then unseen or out-of-range share."""
    rows = [missing_share(pair, config.max_missing_increase)]
    if pair.reference.feature_type is FeatureType.CATEGORICAL:
        rows.append(unseen_share(pair, config.max_unseen_share))
    else:
        rows.append(out_of_range_share(pair, config.max_out_of_range_share))
    return tuple(rows)


def row_count(rows_current: int, config: QualityConfig) -> QualityResult:
    value = float(rows_current)
    lower = None if config.min_rows is None else float(config.min_rows)
    upper = None if config.max_rows is None else float(config.max_rows)
    return QualityResult(
        check=QualityCheck.ROW_COUNT,
        column=None,
        value=value,
        reference_value=None,
        lower_bound=lower,
        upper_bound=upper,
        status=_status(value, lower, upper),
    )


def row_rate(
    rows_current: int,
    current_span: timedelta,
    rows_reference: int,
    reference_span: timedelta | None,
    max_ratio: float,
) -> QualityResult:
    """Rows per hour of the current window against the reference's, within a factor.

    ``reference_span`` is None when the reference has no fixed length (a whole
    table); then, or when the reference holds no rows, there is no rate to compare.
    """
    hours = current_span.total_seconds() / 3600
    current = rows_current / hours if hours > 0 else None
    reference = None
    if reference_span is not None and reference_span.total_seconds() > 0 and rows_reference > 0:
        reference = rows_reference / (reference_span.total_seconds() / 3600)
    lower = upper = None
    value = current
    if reference is None:
        value = None
    else:
        lower, upper = reference / max_ratio, reference * max_ratio
    return QualityResult(
        check=QualityCheck.ROW_RATE,
        column=None,
        value=current,
        reference_value=reference,
        lower_bound=lower,
        upper_bound=upper,
        status=_status(value, lower, upper),
    )


def window_quality(
    rows_current: int,
    current_span: timedelta,
    rows_reference: int,
    reference_span: timedelta | None,
    config: QualityConfig,
) -> tuple[QualityResult, ...]:
    """The configured window-level checks (none unless their options are set)."""
    out = []
    if config.min_rows is not None or config.max_rows is not None:
        out.append(row_count(rows_current, config))
    if config.max_rate_ratio is not None:
        out.append(
            row_rate(
                rows_current, current_span, rows_reference, reference_span, config.max_rate_ratio
            )
        )
    return tuple(out)
