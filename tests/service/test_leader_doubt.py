"""A leader whose results database stops answering keeps leading *in doubt*; when the
database is back it carries on if the lock is still free, and steps down if another
replica took it. Against a private PostgreSQL cluster that is stopped and started."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from monitor.service.leader import Leadership
from monitor.store.lock import AdvisoryLock
from tests.pgcluster import PgCluster, pg_cluster

pytestmark = [pytest.mark.integration]

KEY = 424242


@pytest.fixture
def pg() -> Iterator[PgCluster]:
    with pg_cluster() as cluster:
        yield cluster


def test_a_leader_cut_off_from_the_database_keeps_leading_until_it_can_tell(
    pg: PgCluster,
) -> None:
    url = pg.url()
    events: list[str] = []
    mine = AdvisoryLock(url, KEY, timeout=2)
    other = AdvisoryLock(url, KEY, timeout=2)
    leader = Leadership(mine, interval=3600, on_lost=lambda: events.append("lost"))
    try:
        assert leader.start()

        # 1. The database stops: nobody can take the lock, the leader carries on.
        pg.stop()
        leader.check()
        assert leader.leading and leader.in_doubt
        assert leader.confirm()
        assert events == []

        # 2. It is back and the lock is free: the leader takes it again.
        pg.start()
        leader.check()
        assert leader.leading and not leader.in_doubt
        assert not other.try_acquire()  # really held again

        # 3. Stopped again; this time another replica takes the lock first.
        pg.stop()
        assert leader.confirm() and leader.in_doubt
        pg.start()
        taker = AdvisoryLock(url, KEY, timeout=2)  # a replica that connects afresh
        assert taker.try_acquire()
        leader.check()
        assert not leader.leading and not leader.in_doubt
        assert events == ["lost"]
        assert not leader.confirm()
        taker.release()
    finally:
        leader.stop()
        other.release()
