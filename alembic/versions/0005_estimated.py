"""Estimated performance (CBPE) rows: metric_results.kind, 'realized' or 'estimated'.

Revision ID: 0005_estimated
Revises: 0004_labels
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0005_estimated"
down_revision = "0004_labels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "metric_results",
        sa.Column("kind", sa.String(16), nullable=False, server_default="realized"),
    )


def downgrade() -> None:
    op.execute("DELETE FROM metric_results WHERE kind = 'estimated'")
    op.drop_column("metric_results", "kind")
