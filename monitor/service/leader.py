"""Leadership among replicas: one thread that keeps checking the leader lock.

Every ``interval`` seconds the leader checks that it still holds the lock (its
dedicated connection answers and the lock is its own); a standby tries to take
it. The first check happens in :meth:`Leadership.start`, so a lone replica leads
from its first moment.

- On losing the lock, ``on_lost`` runs before anything else: the daemon stops
  handing runs over at once.
- On taking it, ``on_gained`` runs: the daemon resumes the schedule, catching up
  the windows the previous leader did not store.
- On every check as a standby, ``on_standby`` runs: the daemon refreshes what it
  shows (gauges, API) from the store.

Before a run's result is stored, the executor asks :meth:`confirm`, which checks
the lock again, so a replica that lost it during a run does not store a window
that the new leader runs too.

When the lock's session is gone but the database answers, the lock is lost at
once. When the leader cannot reach the database at all, it cannot tell an outage
of the database (every replica is cut off, nobody can take over) from one of its
own network (another replica may take over). It keeps leading *in doubt*: runs
go on and their results wait in memory (see :mod:`monitor.service.storewriter`).
Once the database answers, it takes the lock again if it is free and carries on;
if another replica holds it, it steps down and ``on_lost`` drops the waiting
results (the new leader runs those windows).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from prometheus_client.samples import Sample

from monitor.exporter import definitions as d
from monitor.exporter.samples import Samples
from monitor.store.lock import LeaderLock

log = logging.getLogger("driftwarden.leader")

Callback = Callable[[], None]


def _nothing() -> None:
    pass


class Leadership:
    def __init__(
        self,
        lock: LeaderLock,
        *,
        interval: float,
        on_gained: Callback = _nothing,
        on_lost: Callback = _nothing,
        on_standby: Callback = _nothing,
    ) -> None:
        self.lock = lock
        self.interval = interval
        self.on_gained = on_gained
        self.on_lost = on_lost
        self.on_standby = on_standby
        self._leading = False
        self._doubt = False
        """Leading while the results database does not answer (see the module docs)."""
        self._state = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def leading(self) -> bool:
        return self._leading

    def start(self) -> bool:
        """Try the lock once now, then keep checking in the background; return
        whether this replica leads."""
        if self.lock.try_acquire():
            self._leading = True
            log.info("leader: this replica schedules runs (%s)", self.lock.describe())
        else:
            log.info(
                "standby: another replica holds the leader lock (%s); checking every %gs",
                self.lock.describe(),
                self.interval,
            )
        self._thread = threading.Thread(target=self._loop, name="driftwarden-leader", daemon=True)
        self._thread.start()
        return self._leading

    def stop(self) -> None:
        """End the checks and give the lock up (a standby takes over at its next check)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(self.interval + 10)
        with self._state:
            self._leading = False
            self.lock.release()

    @property
    def in_doubt(self) -> bool:
        """Leading without being able to check the lock (the database does not answer)."""
        return self._leading and self._doubt

    def confirm(self) -> bool:
        """Whether this replica leads, checked against the lock now (True while in doubt:
        a result then waits in memory until the lock can be checked)."""
        if not self._leading:
            return False
        if self._still_leading():
            return True
        self._lose()
        return False

    def _still_leading(self) -> bool:
        """The lock is still ours; or, after an outage, ours again; or it cannot be
        checked because the database does not answer at all (leading in doubt)."""
        if self.lock.held():
            if self._doubt:
                log.warning("leader: the results database answers again; the lock is still ours")
            self._doubt = False
            return True
        if self._doubt:
            if self.lock.try_acquire():
                log.warning(
                    "leader: the results database answers again and the leader lock was free; "
                    "this replica took it again (%s)",
                    self.lock.describe(),
                )
                self._doubt = False
                return True
            return bool(getattr(self.lock, "unreachable", False))  # taken: lost
        reachable = getattr(self.lock, "reachable", None)
        if reachable is not None and not reachable():
            log.warning(
                "leader: the results database does not answer, so the leader lock cannot be "
                "checked; this replica keeps scheduling in doubt (results wait in memory) "
                "until it can tell whether another replica took over"
            )
            self._doubt = True
            return True
        return False

    def check(self) -> None:
        """One check: keep, lose or take the lock, and call back accordingly."""
        if self._stopping.is_set():
            return
        if self._leading:
            if not self._still_leading():
                self._lose()
            return
        with self._state:
            if self._stopping.is_set() or not self.lock.try_acquire():
                taken = False
            else:
                self._leading = taken = True
        if taken:
            log.warning(
                "leader: took the leader lock (%s); this replica now schedules runs",
                self.lock.describe(),
            )
            self.on_gained()
        else:
            self.on_standby()

    def _lose(self) -> None:
        with self._state:
            if not self._leading:
                return
            self._leading = False
            self._doubt = False
        self.on_lost()
        log.error(
            "leadership lost (%s is no longer held); scheduling stopped, this replica is a standby",
            self.lock.describe(),
        )

    def _loop(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.check()
            except Exception:
                log.exception("leader lock check failed; trying again in %gs", self.interval)

    def metric_samples(self) -> Samples:
        name = d.LEADER.name
        return {name: [Sample(name, {}, 1.0 if self._leading else 0.0)]}
