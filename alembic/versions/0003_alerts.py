"""Alert state and the outbox of notifications to Alertmanager.

Revision ID: 0003_alerts
Revises: 0002_daemon
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0003_alerts"
down_revision = "0002_daemon"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("alertname", sa.String(100), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("annotations", sa.JSON, nullable=False),
        sa.Column("generator_url", sa.Text),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True)),
        sa.Column("breaches", sa.Integer, nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True)),
        sa.Column("run_id", sa.Integer),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_alerts_key_state", "alerts", ["key", "state"])
    op.create_index("ix_alerts_monitor_state", "alerts", ["monitor", "state"])
    op.create_index("ix_alerts_state_ends_at", "alerts", ["state", "ends_at"])
    op.create_table(
        "alert_deliveries",
        sa.Column(
            "alert_id",
            sa.Integer,
            sa.ForeignKey("alerts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("url", sa.String(1000), primary_key=True),
        sa.Column("delivered_version", sa.Integer, nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_alert_deliveries_url", "alert_deliveries", ["url", "not_before"])


def downgrade() -> None:
    op.drop_index("ix_alert_deliveries_url", "alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index("ix_alerts_state_ends_at", "alerts")
    op.drop_index("ix_alerts_monitor_state", "alerts")
    op.drop_index("ix_alerts_key_state", "alerts")
    op.drop_table("alerts")
