"""Alert state and the outbox of notifications, in the results database.

``alerts`` holds one row per alert episode (pending, firing, then resolved and
kept for ``keep_resolved``); ``alert_deliveries`` holds, per alert and per
Alertmanager URL, the version that Alertmanager accepted, when it was last sent
and the backoff after failures. An alert is due for a URL when that URL has not
accepted its current version, or when it is firing and was last sent a resend
interval ago. Since all of it is stored, a restart resends what is firing (with
its original ``startsAt``) and never a resolution already accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

import sqlalchemy as sa

from monitor.alerts.state import Alert, State, Transition
from monitor.result import RunStatus
from monitor.store.schema import AlertDeliveryRow, AlertRow, RunRow
from monitor.store.store import Store


def _alert(row: AlertRow) -> Alert:
    return Alert(
        id=row.id,
        key=row.key,
        monitor=row.monitor,
        alertname=row.alertname,
        labels=dict(row.labels),
        annotations=dict(row.annotations),
        generator_url=row.generator_url,
        state=State(row.state),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        breaches=row.breaches,
        window_end=row.window_end,
        run_id=row.run_id,
        version=row.version,
    )


def _fill(row: AlertRow, alert: Alert) -> None:
    row.key = alert.key
    row.monitor = alert.monitor
    row.alertname = alert.alertname
    row.state = alert.state.value
    row.labels = dict(alert.labels)
    row.annotations = dict(alert.annotations)
    row.generator_url = alert.generator_url
    row.starts_at = alert.starts_at
    row.ends_at = alert.ends_at
    row.breaches = alert.breaches
    row.window_end = alert.window_end
    row.run_id = alert.run_id
    row.version = alert.version


_ACTIVE = (State.PENDING.value, State.FIRING.value)


class AlertStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    # -- state -----------------------------------------------------------------------

    def active(self, monitor: str | None = None) -> list[Alert]:
        """Pending and firing alerts (of ``monitor`` when given), oldest first."""
        stmt = sa.select(AlertRow).where(AlertRow.state.in_(_ACTIVE)).order_by(AlertRow.id)
        if monitor is not None:
            stmt = stmt.where(AlertRow.monitor == monitor)
        with self._store.session() as session:
            return [_alert(r) for r in session.scalars(stmt)]

    def all(self, monitor: str | None = None) -> list[Alert]:
        """Every stored alert, resolved ones included, oldest first."""
        stmt = sa.select(AlertRow).order_by(AlertRow.id)
        if monitor is not None:
            stmt = stmt.where(AlertRow.monitor == monitor)
        with self._store.session() as session:
            return [_alert(r) for r in session.scalars(stmt)]

    def apply(self, transitions: Sequence[Transition], urls: Collection[str]) -> list[Alert]:
        """Write the transitions in one transaction; a firing alert gets an outbox row
        for each of ``urls``. Returns the written alerts with their ids."""
        writes = [alert for t in transitions for alert in t.write]
        drops = [t.drop.id for t in transitions if t.drop is not None and t.drop.id is not None]
        known = [a.id for a in writes if a.id is not None]
        with self._store.session() as session, session.begin():
            if drops:
                session.execute(sa.delete(AlertRow).where(AlertRow.id.in_(drops)))
            existing = {}
            if known:
                found = session.scalars(sa.select(AlertRow).where(AlertRow.id.in_(known)))
                existing = {row.id: row for row in found}
            rows: list[tuple[AlertRow, Alert]] = []
            with session.no_autoflush:
                for alert in writes:
                    row = existing.get(alert.id) if alert.id is not None else None
                    if row is None:
                        row = AlertRow()
                        session.add(row)
                    _fill(row, alert)
                    rows.append((row, alert))
            session.flush()
            firing = [row.id for row, alert in rows if alert.state is State.FIRING]
            if firing and urls:
                _add_deliveries(session, firing, urls)
            return [_alert(row) for row, _ in rows]

    def firing_counts(self) -> dict[tuple[str, str], int]:
        """Firing alerts by (monitor, alertname)."""
        stmt = (
            sa.select(AlertRow.monitor, AlertRow.alertname, sa.func.count())
            .where(AlertRow.state == State.FIRING.value)
            .group_by(AlertRow.monitor, AlertRow.alertname)
        )
        with self._store.session() as session:
            return {(m, a): int(n) for m, a, n in session.execute(stmt)}

    def last_success_windows(self, monitors: Collection[str]) -> dict[str, datetime]:
        """The newest window of each monitor whose run ended ``ok``."""
        if not monitors:
            return {}
        stmt = (
            sa.select(RunRow.monitor, sa.func.max(RunRow.window_end))
            .where(RunRow.status == RunStatus.OK.value, RunRow.monitor.in_(list(monitors)))
            .group_by(RunRow.monitor)
        )
        with self._store.session() as session:
            return {m: _aware(w) for m, w in session.execute(stmt) if w is not None}

    def prune(self, resolved_before: datetime) -> int:
        """Remove alerts resolved before ``resolved_before`` (with their outbox rows)."""
        stmt = sa.delete(AlertRow).where(
            AlertRow.state == State.RESOLVED.value, AlertRow.ends_at < resolved_before
        )
        with self._store.session() as session, session.begin():
            return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]

    # -- outbox ----------------------------------------------------------------------

    def due(self, url: str, now: datetime, resend: timedelta, limit: int) -> list[Alert]:
        """Alerts to send to ``url`` now: a version it has not accepted, or firing and
        last sent ``resend`` ago; none while its backoff lasts."""
        with self._store.session() as session, session.begin():
            missing = sa.select(AlertRow.id).where(
                AlertRow.state == State.FIRING.value,
                ~sa.exists().where(
                    AlertDeliveryRow.alert_id == AlertRow.id, AlertDeliveryRow.url == url
                ),
            )
            ids = list(session.scalars(missing))
            if ids:
                _add_deliveries(session, ids, [url])
            d = AlertDeliveryRow
            stmt = (
                sa.select(AlertRow)
                .join(d, d.alert_id == AlertRow.id)
                .where(
                    d.url == url,
                    sa.or_(d.not_before.is_(None), d.not_before <= now),
                    sa.or_(
                        d.delivered_version < AlertRow.version,
                        sa.and_(
                            AlertRow.state == State.FIRING.value,
                            sa.or_(d.last_sent_at.is_(None), d.last_sent_at <= now - resend),
                        ),
                    ),
                )
                .order_by(AlertRow.id)
                .limit(limit)
            )
            return [_alert(r) for r in session.scalars(stmt)]

    def next_due(self, url: str, resend: timedelta) -> datetime | None:
        """The earliest instant something may become due for ``url`` (None: nothing
        is waiting; a change to an alert wakes the sender anyway)."""
        d = AlertDeliveryRow
        resends = (
            sa.select(sa.func.min(d.last_sent_at))
            .join(AlertRow, d.alert_id == AlertRow.id)
            .where(d.url == url, AlertRow.state == State.FIRING.value)
        )
        retries = (
            sa.select(sa.func.min(d.not_before))
            .join(AlertRow, d.alert_id == AlertRow.id)
            .where(
                d.url == url,
                d.not_before.is_not(None),
                sa.or_(d.delivered_version < AlertRow.version, AlertRow.state == "firing"),
            )
        )
        with self._store.session() as session:
            sent = session.scalar(resends)
            retry = session.scalar(retries)
        found = [t for t in (_aware_or_none(sent, resend), _aware_or_none(retry)) if t]
        return min(found) if found else None

    def delivered(self, url: str, sent: Sequence[Alert], now: datetime) -> None:
        """``url`` accepted these versions of the alerts (one statement for the batch)."""
        table = cast(sa.Table, AlertDeliveryRow.__table__)
        stmt = (
            sa.update(table)
            .where(table.c.alert_id == sa.bindparam("id_"), table.c.url == url)
            .values(
                delivered_version=sa.bindparam("version_"),
                last_sent_at=now,
                attempts=0,
                not_before=None,
                last_error=None,
            )
        )
        rows = [{"id_": a.id, "version_": a.version} for a in sent if a.id is not None]
        if not rows:
            return
        with self._store.session() as session, session.begin():
            session.connection().execute(stmt, rows)

    def failed(
        self,
        url: str,
        alerts: Sequence[Alert],
        now: datetime,
        error: str,
        backoff: Callable[[int], timedelta],
    ) -> int:
        """A send to ``url`` failed; each row waits ``backoff(attempts)``. Returns the
        highest attempt count."""
        ids = [a.id for a in alerts if a.id is not None]
        worst = 0
        with self._store.session() as session, session.begin():
            rows = session.scalars(
                sa.select(AlertDeliveryRow).where(
                    AlertDeliveryRow.url == url, AlertDeliveryRow.alert_id.in_(ids)
                )
            )
            for row in rows:
                row.attempts += 1
                row.not_before = now + backoff(row.attempts)
                row.last_error = error[:2000]
                worst = max(worst, row.attempts)
        return worst

    def outbox(self, alert_id: int) -> dict[str, tuple[int, datetime | None, int, str | None]]:
        """Per URL: accepted version, last sent, failed attempts, last error."""
        stmt = sa.select(AlertDeliveryRow).where(AlertDeliveryRow.alert_id == alert_id)
        with self._store.session() as session:
            return {
                r.url: (r.delivered_version, r.last_sent_at, r.attempts, r.last_error)
                for r in session.scalars(stmt)
            }

    def forget_urls(self, keep: Collection[str]) -> None:
        """Drop the outbox rows of Alertmanagers no longer configured."""
        stmt = sa.delete(AlertDeliveryRow)
        if keep:
            stmt = stmt.where(AlertDeliveryRow.url.not_in(list(keep)))
        with self._store.session() as session, session.begin():
            session.execute(stmt)


def _add_deliveries(session: sa.orm.Session, ids: Sequence[int], urls: Collection[str]) -> None:
    found = session.execute(
        sa.select(AlertDeliveryRow.alert_id, AlertDeliveryRow.url).where(
            AlertDeliveryRow.alert_id.in_(list(ids)), AlertDeliveryRow.url.in_(list(urls))
        )
    )
    existing = {(alert_id, url) for alert_id, url in found}
    for alert_id in ids:
        for url in urls:
            if (alert_id, url) not in existing:
                session.add(
                    AlertDeliveryRow(alert_id=alert_id, url=url, delivered_version=0, attempts=0)
                )


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _aware_or_none(value: datetime | None, plus: timedelta = timedelta(0)) -> datetime | None:
    return None if value is None else _aware(value) + plus
