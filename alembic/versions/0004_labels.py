"""Late labels: label coverage, labels known and re-evaluations of past windows.

Revision ID: 0004_labels
Revises: 0003_alerts
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0004_labels"
down_revision = "0003_alerts"
branch_labels = None
depends_on = None


# Plain ALTER TABLE (see 0002_reports): batch mode would drop ``runs`` on SQLite.


def upgrade() -> None:
    op.add_column("runs", sa.Column("label_coverage", sa.Float))
    op.add_column("runs", sa.Column("labels_known", sa.Integer))
    op.add_column("runs", sa.Column("reevaluates", sa.Integer))


def downgrade() -> None:
    op.drop_column("runs", "reevaluates")
    op.drop_column("runs", "labels_known")
    op.drop_column("runs", "label_coverage")
