"""A private PostgreSQL cluster that a test may stop and start at will.

The shared server at 127.0.0.1:5432 must never go down under other tests, so the
fault tests make their own: ``initdb`` into a temporary folder, ``pg_ctl start``
on a free loopback port (socket in the same folder, trust authentication, user
``postgres``). PostgreSQL refuses to run as root; as root the cluster runs as
the ``postgres`` system user (through ``runuser``), in a folder owned by it.

    with pg_cluster() as pg:
        url = pg.create_database("source")
        pg.stop()       # connections now fail with "connection refused"
        pg.start()      # same port, same data

``pg_cluster(password=...)`` starts it the way the postgres container image does
instead: trust on the local socket, SCRAM passwords over TCP (superuser
``postgres`` with that password).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlalchemy as sa

from tests.servers import free_port, unavailable

SYSTEM_USER = "postgres"


def _bin_dir() -> Path:
    """The newest ``/usr/lib/postgresql/<major>/bin`` holding initdb and pg_ctl."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for candidate in reversed(found):
        if (candidate / "pg_ctl").exists():
            return candidate
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    unavailable("PostgreSQL server binaries (initdb, pg_ctl)")


class PgCluster:
    """One cluster: ``start``/``stop`` keep its port and data."""

    def __init__(
        self, root: Path, bin_dir: Path, user: str | None, password: str | None = None
    ) -> None:
        self.root = root
        self.password = password
        """The superuser's password; None: trust authentication everywhere."""
        self.data = root / "data"
        self.bin = bin_dir
        self.user = user
        """The system user the server runs as (None: the current one)."""
        self.port = free_port()
        self.log = root / "server.log"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed ({done.returncode}): {done.stderr or done.stdout}"
            )
        return done

    def init(self) -> None:
        auth = ["--auth=trust"]
        if self.password is not None:
            password_file = self.root / "pwfile"
            password_file.write_text(self.password + "\n")
            if self.user is not None:
                shutil.chown(password_file, self.user)
            auth = [
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={password_file}",
            ]
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            *auth,
            "--no-sync",
            "-E",
            "UTF8",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=50"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "start",
            timeout=90,
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast``: disconnect clients and shut down cleanly; ``immediate``: like a crash."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def running(self) -> bool:
        status = subprocess.run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"],
            capture_output=True,
            text=True,
            check=False,
        )
        return status.returncode == 0

    def url(self, database: str = "postgres") -> str:
        """The superuser's URL over TCP."""
        secret = "" if self.password is None else f":{self.password}"
        return f"postgresql+psycopg://postgres{secret}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create ``name`` and return its URL."""
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)


def _owner() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        unavailable(f"a {SYSTEM_USER!r} system user to run a private PostgreSQL as (we are root)")
    if shutil.which("runuser") is None:
        unavailable("runuser (to start a private PostgreSQL as the postgres user)")
    return SYSTEM_USER


@contextmanager
def pg_cluster(password: str | None = None) -> Iterator[PgCluster]:
    """A fresh, running private cluster, removed afterwards."""
    bin_dir = _bin_dir()
    user = _owner()
    root = Path(tempfile.mkdtemp(prefix="dw-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    cluster = PgCluster(root, bin_dir, user, password)
    try:
        try:
            cluster.init()
            cluster.start()
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
            unavailable(f"a private PostgreSQL cluster ({exc})")
        yield cluster
    finally:
        if cluster.running:
            with suppress(RuntimeError):
                cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
