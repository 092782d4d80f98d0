"""Runs, column results and metric results.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True)),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference_start", sa.DateTime(timezone=True)),
        sa.Column("reference_end", sa.DateTime(timezone=True)),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Float, nullable=False),
        sa.Column("rows_reference", sa.Integer),
        sa.Column("rows_current", sa.Integer),
        sa.Column("drift_share", sa.Float),
        sa.Column("drift_share_threshold", sa.Float),
        sa.Column("dataset_drift", sa.Boolean),
        sa.Column("columns_tested", sa.Integer),
        sa.Column("columns_drifted", sa.Integer),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_runs_monitor", "runs", ["monitor"])
    op.create_index("ix_runs_monitor_window_end", "runs", ["monitor", "window_end"])
    op.create_table(
        "column_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("column", sa.String(500), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("feature_type", sa.String(32), nullable=False),
        sa.Column("method", sa.String(64)),
        sa.Column("score_kind", sa.String(32)),
        sa.Column("score", sa.Float),
        sa.Column("threshold", sa.Float),
        sa.Column("drifted", sa.Boolean),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("rows_reference", sa.Integer, nullable=False),
        sa.Column("rows_current", sa.Integer, nullable=False),
        sa.Column("missing_reference", sa.Integer, nullable=False),
        sa.Column("missing_current", sa.Integer, nullable=False),
    )
    op.create_index("ix_column_results_run_id", "column_results", ["run_id"])
    op.create_table(
        "metric_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("reference_value", sa.Float),
        sa.Column("lower_bound", sa.Float),
        sa.Column("upper_bound", sa.Float),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
    )
    op.create_index("ix_metric_results_run_id", "metric_results", ["run_id"])


def downgrade() -> None:
    op.drop_table("metric_results")
    op.drop_table("column_results")
    op.drop_index("ix_runs_monitor_window_end", "runs")
    op.drop_index("ix_runs_monitor", "runs")
    op.drop_table("runs")
