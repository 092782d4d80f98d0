"""Data-quality and multivariate drift results; correction and effect size per column.

Revision ID: 0002_quality
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0002_quality"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("column_results") as batch:
        batch.add_column(sa.Column("p_value_adjusted", sa.Float))
        batch.add_column(sa.Column("correction", sa.String(32)))
        batch.add_column(sa.Column("effect_method", sa.String(64)))
        batch.add_column(sa.Column("effect_size", sa.Float))
        batch.add_column(sa.Column("effect_threshold", sa.Float))
    op.create_table(
        "quality_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("check", sa.String(64), nullable=False),
        sa.Column("column", sa.String(500)),
        sa.Column("value", sa.Float),
        sa.Column("reference_value", sa.Float),
        sa.Column("lower_bound", sa.Float),
        sa.Column("upper_bound", sa.Float),
        sa.Column("status", sa.String(32), nullable=False),
    )
    op.create_index("ix_quality_results_run_id", "quality_results", ["run_id"])
    op.create_table(
        "multivariate_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("lower_threshold", sa.Float),
        sa.Column("upper_threshold", sa.Float),
        sa.Column("detected", sa.Boolean),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("rows_reference", sa.Integer, nullable=False),
        sa.Column("rows_current", sa.Integer, nullable=False),
        sa.Column("columns", sa.Integer, nullable=False),
        sa.Column("components", sa.Integer),
        sa.Column("message", sa.Text),
    )
    op.create_index("ix_multivariate_results_run_id", "multivariate_results", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_multivariate_results_run_id", "multivariate_results")
    op.drop_table("multivariate_results")
    op.drop_index("ix_quality_results_run_id", "quality_results")
    op.drop_table("quality_results")
    with op.batch_alter_table("column_results") as batch:
        batch.drop_column("effect_threshold")
        batch.drop_column("effect_size")
        batch.drop_column("effect_method")
        batch.drop_column("correction")
        batch.drop_column("p_value_adjusted")
