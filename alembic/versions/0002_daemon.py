"""Prediction traffic of each run (value histogram, latency quantiles) as JSON.

Revision ID: 0002_daemon
Revises: 0002_reports
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0002_daemon"
down_revision = "0002_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("traffic", sa.JSON, nullable=True))


def downgrade() -> None:
    # A plain ALTER TABLE (SQLite 3.35+): recreating ``runs`` in batch mode would
    # cascade-delete every run's column and metric rows.
    op.drop_column("runs", "traffic")
