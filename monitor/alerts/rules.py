"""Which alerts a run (or the clock) calls for: pure functions from results to signals.

An :class:`Observation` says, for one monitor, which keys are in breach (with
their labels and annotations), which alertnames it decides (keys of those
alertnames not in breach clear) and which keys it cannot decide (they keep their
state: e.g. a column too sparse to test, or a metric without labels yet).

What each run status decides:

- ``MonitorRunFailing`` and ``MonitorDataInsufficient``: every run (exactly one
  status holds);
- ``MonitorStale``: cleared by an ``ok`` run; raised by the clock
  (:func:`observe_stale`);
- drift, performance and data-quality rules: ``ok`` runs only (an error says
  nothing about drift). An ``insufficient_data`` run decides only the row-count
  and row-rate quality checks it measured.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.alerts.links import Links
from monitor.alerts.state import Signal, alert_key
from monitor.config.alerts import SERVICE_LABEL, AlertingConfig, AlertName
from monitor.config.models import MonitorConfig
from monitor.durations import format_duration
from monitor.result import (
    CheckStatus,
    ColumnResult,
    MetricResult,
    MetricStatus,
    QualityResult,
    RunResult,
    RunStatus,
)

MAX_TEXT = 2000
"""Longest annotation text (an error message may be long)."""
LISTED_COLUMNS = 10


@dataclass(frozen=True)
class Observation:
    monitor: str
    at: datetime
    window_end: datetime | None
    run_id: int | None
    breaches: Mapping[str, Signal] = field(default_factory=dict)
    decides: frozenset[str] = frozenset()
    """Alertnames this observation decides."""
    undecided: frozenset[str] = frozenset()
    """Keys it cannot decide."""
    window_quality_only: bool = False
    """Only the window-level quality checks were measured (an ``insufficient_data`` run)."""

    def decides_alert(self, alertname: str, key: str, labels: Mapping[str, str]) -> bool:
        """Whether an active alert not in :attr:`breaches` is cleared by this observation."""
        if alertname not in self.decides or key in self.undecided:
            return False
        return not (
            self.window_quality_only
            and alertname == AlertName.DATA_QUALITY.value
            and "column" in labels
        )


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _window(result: RunResult) -> str:
    start = result.current.start.isoformat() if result.current.start else "…"
    return f"window {start} – {result.window_end.isoformat()}"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


class _Builder:
    """Labels and annotations of one monitor's signals."""

    def __init__(self, monitor: MonitorConfig, alerting: AlertingConfig, links: Links) -> None:
        self.monitor = monitor
        self.alerting = alerting
        self.links = links
        self.breaches: dict[str, Signal] = {}

    def key(self, alertname: AlertName, subject: Mapping[str, str]) -> str:
        return alert_key(self.monitor.name, alertname.value, subject)

    def add(
        self,
        alertname: AlertName,
        subject: Mapping[str, str],
        *,
        summary: str,
        description: str,
        generator_url: str | None,
        report_url: str | None = None,
        extra_labels: Mapping[str, str] | None = None,
    ) -> None:
        alerts = self.monitor.alerts
        if not alerts.active(alertname):
            return
        rule = alerts.rule(alertname)
        labels = {
            **self.alerting.labels,
            **alerts.labels,
            **rule.labels,
            "alertname": alertname.value,
            "monitor": self.monitor.name,
            "service": SERVICE_LABEL,
            "severity": rule.severity,
            **subject,
            **(extra_labels or {}),
        }
        annotations = {"summary": _cut(summary), "description": _cut(description)}
        if report_url is not None:
            annotations["report_url"] = report_url
        runbook = rule.runbook_url or alerts.runbook_url
        if runbook:
            annotations["runbook_url"] = runbook.replace("{alertname}", alertname.value).replace(
                "{monitor}", self.monitor.name
            )
        key = self.key(alertname, subject)
        self.breaches[key] = Signal(
            key=key,
            monitor=self.monitor.name,
            alertname=alertname.value,
            labels=labels,
            annotations=annotations,
            generator_url=generator_url,
        )


def observe_run(
    monitor: MonitorConfig, alerting: AlertingConfig, links: Links, result: RunResult
) -> Observation:
    """What the stored run ``result`` of ``monitor`` says about its alerts."""
    b = _Builder(monitor, alerting, links)
    run_url = links.run(result.run_id) if result.run_id is not None else links.runs(monitor.name)
    decides = {AlertName.RUN_FAILING, AlertName.DATA_INSUFFICIENT}
    undecided: set[str] = set()
    name = monitor.name
    if result.status is RunStatus.ERROR:
        b.add(
            AlertName.RUN_FAILING,
            {},
            summary=f"Monitor {name} failed its run",
            description=f"The run of the {_window(result)} ended in error: {result.error}",
            generator_url=run_url,
        )
    elif result.status is RunStatus.INSUFFICIENT_DATA:
        b.add(
            AlertName.DATA_INSUFFICIENT,
            {},
            summary=f"Monitor {name} has too little data to test",
            description=(
                f"{result.error or 'Too few rows'} ({_window(result)}: "
                f"{result.rows_current} current rows, {result.rows_reference} reference rows; "
                f"min_rows {monitor.min_rows})"
            ),
            generator_url=run_url,
        )
        decides.add(AlertName.DATA_QUALITY)
        undecided.update(_quality(b, result, run_url, None))
    else:
        decides |= {
            AlertName.STALE,
            AlertName.DATASET_DRIFT,
            AlertName.COLUMN_DRIFT,
            AlertName.PERFORMANCE_BELOW,
            AlertName.PERFORMANCE_ABOVE,
            AlertName.PERFORMANCE_ESTIMATE,
            AlertName.DATA_QUALITY,
        }
        report = None
        if monitor.report.enabled:
            report = links.report(name, result.window_end)
        _dataset_drift(b, result, run_url, report)
        undecided.update(_column_drift(b, result, run_url, report))
        undecided.update(_performance(b, result, run_url, report))
        undecided.update(_estimated(b, result, run_url, report))
        undecided.update(_quality(b, result, run_url, report))
    return Observation(
        monitor=name,
        at=result.finished_at,
        window_end=result.window_end,
        run_id=result.run_id,
        breaches=b.breaches,
        decides=frozenset(a.value for a in decides),
        undecided=frozenset(undecided),
        window_quality_only=result.status is RunStatus.INSUFFICIENT_DATA,
    )


PERFORMANCE_ALERTS = frozenset(
    {AlertName.PERFORMANCE_BELOW.value, AlertName.PERFORMANCE_ABOVE.value}
)


def performance_only(observation: Observation) -> Observation:
    """The observation restricted to the performance alerts (for a re-evaluated window:
    its drift and quality verdicts belong to a window older than the newest one)."""
    return dataclasses.replace(
        observation,
        breaches={
            k: s for k, s in observation.breaches.items() if s.alertname in PERFORMANCE_ALERTS
        },
        decides=observation.decides & PERFORMANCE_ALERTS,
        window_quality_only=False,
    )


def _dataset_drift(b: _Builder, result: RunResult, url: str, report: str | None) -> None:
    drift = result.dataset_drift
    if drift is None or not drift.detected:
        return
    drifted = [c.column for c in result.columns if c.drifted and c.role.value == "feature"]
    listed = ", ".join(drifted[:LISTED_COLUMNS]) + (" …" if len(drifted) > LISTED_COLUMNS else "")
    b.add(
        AlertName.DATASET_DRIFT,
        {},
        summary=(
            f"Dataset drift in monitor {b.monitor.name}: {drift.drifted_columns} of "
            f"{drift.tested_columns} features drifted"
        ),
        description=(
            f"Share of drifted features {_num(drift.share)} reached the threshold "
            f"{_num(drift.threshold)} ({_window(result)}). Drifted: {listed or 'none'}."
        ),
        generator_url=url,
        report_url=report,
    )


def _column_text(c: ColumnResult) -> str:
    kind = "p-value" if c.score_kind == "p_value" else "distance"
    text = f"{c.method} {kind} {_num(c.score)} against threshold {_num(c.threshold)}"
    if c.p_value_adjusted is not None:
        text += f" ({c.correction}-adjusted p-value {_num(c.p_value_adjusted)})"
    if c.effect_method is not None:
        text += (
            f"; effect {c.effect_method} {_num(c.effect_size)} against {_num(c.effect_threshold)}"
        )
    return text


def _column_drift(b: _Builder, result: RunResult, url: str, report: str | None) -> set[str]:
    roles = set(b.monitor.alerts.column_drift.roles)
    undecided = set()
    for c in result.columns:
        subject = {"column": c.column}
        if c.drifted is None:
            undecided.add(b.key(AlertName.COLUMN_DRIFT, subject))
        elif c.drifted and c.role.value in roles:
            b.add(
                AlertName.COLUMN_DRIFT,
                subject,
                summary=f"Drift in {c.role.value} column {c.column} of monitor {b.monitor.name}",
                description=f"{_column_text(c)} ({_window(result)}).",
                generator_url=url,
                report_url=report,
                extra_labels={"role": c.role.value},
            )
    return undecided


def _breach(m: MetricResult) -> tuple[bool, float | None] | None:
    """``(below, bound)`` of a breached metric: whether it fell under its lower bound
    (else it rose over its upper one) and that bound; None when it is not breached."""
    if m.status is not MetricStatus.BREACHED or m.value is None:
        return None
    if m.lower_bound is not None and m.value < m.lower_bound:
        return True, m.lower_bound
    if m.upper_bound is not None and m.value > m.upper_bound:
        return False, m.upper_bound
    return None


def _performance(b: _Builder, result: RunResult, url: str, report: str | None) -> set[str]:
    undecided = set()
    for m in result.metrics:
        subject = {"metric": m.metric}
        if m.status in (MetricStatus.NO_LABELS, MetricStatus.UNDEFINED):
            undecided.add(b.key(AlertName.PERFORMANCE_BELOW, subject))
            undecided.add(b.key(AlertName.PERFORMANCE_ABOVE, subject))
            continue
        breach = _breach(m)
        if breach is None:
            continue
        below, bound = breach
        direction = AlertName.PERFORMANCE_BELOW if below else AlertName.PERFORMANCE_ABOVE
        reference = (
            f", reference window {_num(m.reference_value)}" if m.reference_value is not None else ""
        )
        b.add(
            direction,
            subject,
            summary=(
                f"{m.metric} of monitor {b.monitor.name} is {'below' if below else 'above'} "
                "its bound"
            ),
            description=(
                f"{m.metric} {_num(m.value)} is {'below the lower' if below else 'above the upper'}"
                f" bound {_num(bound)} on {m.rows} labelled rows{reference} ({_window(result)})."
            ),
            generator_url=url,
            report_url=report,
        )
    return undecided


def _estimated(b: _Builder, result: RunResult, url: str, report: str | None) -> set[str]:
    """``PerformanceEstimateBreached`` per estimated metric outside its bounds."""
    undecided = set()
    for m in result.estimated:
        subject = {"metric": m.metric}
        if m.status is MetricStatus.UNDEFINED or m.value is None:
            undecided.add(b.key(AlertName.PERFORMANCE_ESTIMATE, subject))
            continue
        breach = _breach(m)
        if breach is None:
            continue
        below, bound = breach
        reference = (
            f"; realized on the reference window {_num(m.reference_value)}"
            if m.reference_value is not None
            else ""
        )
        b.add(
            AlertName.PERFORMANCE_ESTIMATE,
            subject,
            summary=(
                f"Estimated {m.metric} of monitor {b.monitor.name} is "
                f"{'below' if below else 'above'} its bound"
            ),
            description=(
                f"{m.metric} estimated without labels (CBPE) {_num(m.value)} is "
                f"{'below the lower' if below else 'above the upper'} bound {_num(bound)} "
                f"on {m.rows} rows{reference} ({_window(result)})."
            ),
            generator_url=url,
            report_url=report,
        )
    return undecided


def _quality_subject(q: QualityResult) -> dict[str, str]:
    subject = {"check": q.check.value}
    if q.column is not None:
        subject["column"] = q.column
    return subject


def _quality(b: _Builder, result: RunResult, url: str, report: str | None) -> set[str]:
    wanted = set(b.monitor.alerts.data_quality.checks)
    undecided = set()
    for q in result.quality:
        subject = _quality_subject(q)
        key = b.key(AlertName.DATA_QUALITY, subject)
        if q.status is CheckStatus.INSUFFICIENT_DATA:
            undecided.add(key)
        elif q.status is CheckStatus.BREACHED and q.check.value in wanted:
            where = f"column {q.column}" if q.column is not None else "the window"
            bounds = f"[{_num(q.lower_bound)}, {_num(q.upper_bound)}]"
            b.add(
                AlertName.DATA_QUALITY,
                subject,
                summary=f"Data quality check {q.check.value} failed on {where} of monitor "
                f"{b.monitor.name}",
                description=(
                    f"{q.check.value} of {where} is {_num(q.value)}, outside {bounds}"
                    + (
                        f" (reference {_num(q.reference_value)})"
                        if q.reference_value is not None
                        else ""
                    )
                    + f" ({_window(result)})."
                ),
                generator_url=url,
                report_url=report,
            )
    return undecided


def stale_limit(monitor: MonitorConfig, around: datetime | None = None) -> timedelta | None:
    """How long after its newest successful window a monitor is stale (None: rule off)."""
    if not monitor.alerts.active(AlertName.STALE):
        return None
    return monitor.parsed_schedule.nominal_interval(around) * monitor.alerts.stale.intervals


def observe_stale(
    monitor: MonitorConfig,
    alerting: AlertingConfig,
    links: Links,
    *,
    now: datetime,
    last_success: datetime | None,
    since: datetime,
) -> Observation | None:
    """A ``MonitorStale`` breach when no successful window ended within the rule's
    ``intervals`` of the schedule before ``now``; counting starts no earlier than
    ``since`` (the service's start). None when not stale."""
    rule = monitor.alerts.stale
    allowed = stale_limit(monitor, now)
    if allowed is None:
        return None
    start = max(last_success, since) if last_success is not None else since
    if now - start <= allowed:
        return None
    b = _Builder(monitor, alerting, links)
    last = (
        f"the last successful window ended at {last_success.isoformat()}"
        if last_success is not None
        else "no successful run is stored"
    )
    b.add(
        AlertName.STALE,
        {},
        summary=f"Monitor {monitor.name} has had no successful run for too long",
        description=(
            f"{last[0].upper()}{last[1:]}; the monitor runs {monitor.parsed_schedule.describe()} "
            f"and alerts after {rule.intervals:g} intervals ({_span(allowed)})."
        ),
        generator_url=links.runs(monitor.name),
    )
    return Observation(
        monitor=monitor.name,
        at=now,
        window_end=None,
        run_id=None,
        breaches=b.breaches,
        decides=frozenset(),
    )


def _span(value: timedelta) -> str:
    whole = timedelta(seconds=round(value.total_seconds()))
    return format_duration(whole)
