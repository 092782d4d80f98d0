"""Where each run's HTML report was written, or why it could not be.

Revision ID: 0002_reports
Revises: 0002_quality
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0002_reports"
down_revision = "0002_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("report_path", sa.String(1000)))
        batch.add_column(sa.Column("report_error", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("report_error")
        batch.drop_column("report_path")
