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


# Plain ALTER TABLE, not batch mode: on SQLite batch mode would copy and drop
# ``runs``, and with foreign keys on, dropping it deletes every child row
# (ON DELETE CASCADE). SQLite 3.35+ drops a plain column in place.


def upgrade() -> None:
    op.add_column("runs", sa.Column("report_path", sa.String(1000)))
    op.add_column("runs", sa.Column("report_error", sa.Text))


def downgrade() -> None:
    op.drop_column("runs", "report_error")
    op.drop_column("runs", "report_path")
