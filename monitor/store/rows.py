"""Run results to rows of the results database and back (the ORM mapping of RunResult)."""

from __future__ import annotations

import math

from monitor.result import (
    CheckStatus,
    ColumnResult,
    ColumnStatus,
    DatasetDrift,
    MetricResult,
    MetricStatus,
    MultivariateResult,
    QualityCheck,
    QualityResult,
    Role,
    RunResult,
    RunStatus,
)
from monitor.store.schema import ColumnRow, MetricRow, MultivariateRow, QualityRow, RunRow
from monitor.traffic import TrafficSummary
from monitor.windows import TimeRange

REALIZED = "realized"
ESTIMATED = "estimated"
"""``metric_results.kind`` of CBPE estimates (realized metrics are ``realized``)."""


def to_row(result: RunResult) -> RunRow:
    drift = result.dataset_drift
    row = RunRow(
        monitor=result.monitor,
        status=result.status.value,
        window_start=result.current.start,
        window_end=result.window_end,
        reference_start=result.reference.start,
        reference_end=result.reference.end,
        started_at=result.started_at,
        finished_at=result.finished_at,
        duration_seconds=result.duration_seconds,
        rows_reference=result.rows_reference,
        rows_current=result.rows_current,
        drift_share=drift.share if drift else None,
        drift_share_threshold=drift.threshold if drift else None,
        dataset_drift=drift.detected if drift else None,
        columns_tested=drift.tested_columns if drift else None,
        columns_drifted=drift.drifted_columns if drift else None,
        error=result.error,
        report_path=result.report_path,
        report_error=result.report_error,
        traffic=result.traffic.to_json() if result.traffic else None,
        label_coverage=result.label_coverage,
        labels_known=result.labels_known,
        reevaluates=result.reevaluates,
    )
    row.columns = [
        ColumnRow(
            column=c.column,
            role=c.role.value,
            feature_type=c.feature_type,
            method=c.method,
            score_kind=c.score_kind,
            score=_finite(c.score),
            threshold=c.threshold,
            drifted=c.drifted,
            status=c.status.value,
            rows_reference=c.rows_reference,
            rows_current=c.rows_current,
            missing_reference=c.missing_reference,
            missing_current=c.missing_current,
            p_value_adjusted=_finite(c.p_value_adjusted),
            correction=c.correction,
            effect_method=c.effect_method,
            effect_size=_finite(c.effect_size),
            effect_threshold=c.effect_threshold,
        )
        for c in result.columns
    ]
    row.quality = [
        QualityRow(
            check=q.check.value,
            column=q.column,
            value=_finite(q.value),
            reference_value=_finite(q.reference_value),
            lower_bound=_finite(q.lower_bound),
            upper_bound=_finite(q.upper_bound),
            status=q.status.value,
        )
        for q in result.quality
    ]
    row.multivariate = [
        MultivariateRow(
            method=v.method,
            score=_finite(v.score),
            lower_threshold=_finite(v.lower_threshold),
            upper_threshold=_finite(v.upper_threshold),
            detected=v.detected,
            status=v.status.value,
            rows_reference=v.rows_reference,
            rows_current=v.rows_current,
            columns=v.columns,
            components=v.components,
            message=v.message,
        )
        for v in result.multivariate
    ]
    row.metrics = [
        MetricRow(
            metric=m.metric,
            value=_finite(m.value),
            reference_value=_finite(m.reference_value),
            lower_bound=m.lower_bound,
            upper_bound=m.upper_bound,
            status=m.status.value,
            rows=m.rows,
            kind=kind,
        )
        for kind, metrics in ((REALIZED, result.metrics), (ESTIMATED, result.estimated))
        for m in metrics
    ]
    return row


def _finite(value: float | None) -> float | None:
    """NaN is stored as NULL (SQLite cannot hold it); infinities are kept."""
    if value is None or math.isnan(value):
        return None
    return value


def from_row(row: RunRow, *, children: bool = True) -> RunResult:
    drift = None
    if row.drift_share is not None:
        drift = DatasetDrift(
            share=row.drift_share,
            threshold=row.drift_share_threshold or 0.0,
            detected=bool(row.dataset_drift),
            drifted_columns=row.columns_drifted or 0,
            tested_columns=row.columns_tested or 0,
        )
    return RunResult(
        run_id=row.id,
        monitor=row.monitor,
        status=RunStatus(row.status),
        window_end=row.window_end,
        current=TimeRange(row.window_start, row.window_end),
        reference=TimeRange(row.reference_start, row.reference_end),
        started_at=row.started_at,
        finished_at=row.finished_at,
        rows_reference=row.rows_reference,
        rows_current=row.rows_current,
        dataset_drift=drift,
        error=row.error,
        report_path=row.report_path,
        report_error=row.report_error,
        traffic=TrafficSummary.from_json(row.traffic),
        label_coverage=row.label_coverage,
        labels_known=row.labels_known,
        reevaluates=row.reevaluates,
        columns=tuple(
            ColumnResult(
                column=c.column,
                role=Role(c.role),
                feature_type=c.feature_type,
                method=c.method,
                score_kind=c.score_kind,
                score=c.score,
                threshold=c.threshold,
                drifted=c.drifted,
                status=ColumnStatus(c.status),
                rows_reference=c.rows_reference,
                rows_current=c.rows_current,
                missing_reference=c.missing_reference,
                missing_current=c.missing_current,
                p_value_adjusted=c.p_value_adjusted,
                correction=c.correction,
                effect_method=c.effect_method,
                effect_size=c.effect_size,
                effect_threshold=c.effect_threshold,
            )
            for c in (row.columns if children else ())
        ),
        quality=tuple(
            QualityResult(
                check=QualityCheck(q.check),
                column=q.column,
                value=q.value,
                reference_value=q.reference_value,
                lower_bound=q.lower_bound,
                upper_bound=q.upper_bound,
                status=CheckStatus(q.status),
            )
            for q in (row.quality if children else ())
        ),
        multivariate=tuple(
            MultivariateResult(
                method=v.method,
                score=v.score,
                lower_threshold=v.lower_threshold,
                upper_threshold=v.upper_threshold,
                detected=v.detected,
                status=ColumnStatus(v.status),
                rows_reference=v.rows_reference,
                rows_current=v.rows_current,
                columns=v.columns,
                components=v.components,
                message=v.message,
            )
            for v in (row.multivariate if children else ())
        ),
        metrics=tuple(_metric(m) for m in row.metrics if m.kind != ESTIMATED),
        estimated=tuple(_metric(m) for m in row.metrics if m.kind == ESTIMATED),
    )


def _metric(m: MetricRow) -> MetricResult:
    return MetricResult(
        metric=m.metric,
        value=m.value,
        reference_value=m.reference_value,
        lower_bound=m.lower_bound,
        upper_bound=m.upper_bound,
        status=MetricStatus(m.status),
        rows=m.rows,
    )
