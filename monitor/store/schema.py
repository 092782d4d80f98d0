"""ORM tables of the results database. Alembic migrations own the schema;
this module only maps it. Only the store package knows SQLAlchemy ORM."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timestamps stored as UTC and always read back time-zone aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    monitor: Mapped[str] = mapped_column(sa.String(200), index=True)
    status: Mapped[str] = mapped_column(sa.String(32))
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    reference_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reference_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[float] = mapped_column(sa.Float)
    rows_reference: Mapped[int | None]
    rows_current: Mapped[int | None]
    drift_share: Mapped[float | None] = mapped_column(sa.Float)
    drift_share_threshold: Mapped[float | None] = mapped_column(sa.Float)
    dataset_drift: Mapped[bool | None]
    columns_tested: Mapped[int | None]
    columns_drifted: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    report_path: Mapped[str | None] = mapped_column(sa.String(1000))
    """The report's path relative to the reports folder, e.g. ``churn/20260301T120000Z.html``."""
    report_error: Mapped[str | None] = mapped_column(sa.Text)
    """Why the report could not be built or written."""
    traffic: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    label_coverage: Mapped[float | None] = mapped_column(sa.Float)
    """Share of the window's predictions with a known label (monitors with a target)."""
    labels_known: Mapped[int | None]
    """Label rows known for the window's predictions when it was evaluated."""
    reevaluates: Mapped[int | None]
    """A re-evaluation of a past window: the id of the window's previous evaluation."""

    columns: Mapped[list[ColumnRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="ColumnRow.id"
    )
    metrics: Mapped[list[MetricRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="MetricRow.id"
    )
    quality: Mapped[list[QualityRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="QualityRow.id"
    )
    multivariate: Mapped[list[MultivariateRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="MultivariateRow.id"
    )

    __table_args__ = (sa.Index("ix_runs_monitor_window_end", "monitor", "window_end"),)


class ColumnRow(Base):
    __tablename__ = "column_results"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    column: Mapped[str] = mapped_column(sa.String(500))
    role: Mapped[str] = mapped_column(sa.String(32))
    feature_type: Mapped[str] = mapped_column(sa.String(32))
    method: Mapped[str | None] = mapped_column(sa.String(64))
    score_kind: Mapped[str | None] = mapped_column(sa.String(32))
    score: Mapped[float | None] = mapped_column(sa.Float)
    threshold: Mapped[float | None] = mapped_column(sa.Float)
    drifted: Mapped[bool | None]
    status: Mapped[str] = mapped_column(sa.String(32))
    rows_reference: Mapped[int]
    rows_current: Mapped[int]
    missing_reference: Mapped[int]
    missing_current: Mapped[int]
    p_value_adjusted: Mapped[float | None] = mapped_column(sa.Float)
    correction: Mapped[str | None] = mapped_column(sa.String(32))
    effect_method: Mapped[str | None] = mapped_column(sa.String(64))
    effect_size: Mapped[float | None] = mapped_column(sa.Float)
    effect_threshold: Mapped[float | None] = mapped_column(sa.Float)

    run: Mapped[RunRow] = relationship(back_populates="columns")


class MetricRow(Base):
    __tablename__ = "metric_results"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(sa.String(64))
    value: Mapped[float | None] = mapped_column(sa.Float)
    reference_value: Mapped[float | None] = mapped_column(sa.Float)
    lower_bound: Mapped[float | None] = mapped_column(sa.Float)
    upper_bound: Mapped[float | None] = mapped_column(sa.Float)
    status: Mapped[str] = mapped_column(sa.String(32))
    rows: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(16), default="realized")
    """``realized`` (from labels) or ``estimated`` (CBPE, without labels)."""

    run: Mapped[RunRow] = relationship(back_populates="metrics")


class QualityRow(Base):
    __tablename__ = "quality_results"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    check: Mapped[str] = mapped_column(sa.String(64))
    column: Mapped[str | None] = mapped_column(sa.String(500))
    value: Mapped[float | None] = mapped_column(sa.Float)
    reference_value: Mapped[float | None] = mapped_column(sa.Float)
    lower_bound: Mapped[float | None] = mapped_column(sa.Float)
    upper_bound: Mapped[float | None] = mapped_column(sa.Float)
    status: Mapped[str] = mapped_column(sa.String(32))

    run: Mapped[RunRow] = relationship(back_populates="quality")


class MultivariateRow(Base):
    __tablename__ = "multivariate_results"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(sa.String(64))
    score: Mapped[float | None] = mapped_column(sa.Float)
    lower_threshold: Mapped[float | None] = mapped_column(sa.Float)
    upper_threshold: Mapped[float | None] = mapped_column(sa.Float)
    detected: Mapped[bool | None]
    status: Mapped[str] = mapped_column(sa.String(32))
    rows_reference: Mapped[int]
    rows_current: Mapped[int]
    columns: Mapped[int]
    components: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(sa.Text)

    run: Mapped[RunRow] = relationship(back_populates="multivariate")


class AlertRow(Base):
    """One alert episode: from its first breach until it resolves (then kept a while)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    """Digest of the monitor, alertname and subject (column, metric, check)."""
    monitor: Mapped[str] = mapped_column(sa.String(200))
    alertname: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[str] = mapped_column(sa.String(16))
    labels: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    annotations: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    generator_url: Mapped[str | None] = mapped_column(sa.Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breaches: Mapped[int]
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    run_id: Mapped[int | None]
    version: Mapped[int]

    deliveries: Mapped[list[AlertDeliveryRow]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.Index("ix_alerts_key_state", "key", "state"),
        sa.Index("ix_alerts_monitor_state", "monitor", "state"),
        sa.Index("ix_alerts_state_ends_at", "state", "ends_at"),
    )


class AlertDeliveryRow(Base):
    """The outbox: what one Alertmanager has been told of one alert."""

    __tablename__ = "alert_deliveries"

    alert_id: Mapped[int] = mapped_column(
        sa.ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(sa.String(1000), primary_key=True)
    delivered_version: Mapped[int]
    """The alert's version this Alertmanager accepted (0: none yet)."""
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int]
    """Failed attempts since the last accepted one."""
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """No new attempt before this instant (backoff after a failure)."""
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    alert: Mapped[AlertRow] = relationship(back_populates="deliveries")

    __table_args__ = (sa.Index("ix_alert_deliveries_url", "url", "not_before"),)
