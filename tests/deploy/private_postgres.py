"""A PostgreSQL server of the test's own, started empty the way the postgres image starts:
``initdb`` with local trust and password (SCRAM) authentication over TCP.

The compose stack's init script creates roles, which belong to the whole server; a
private server keeps them away from the shared one the other tests use."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port, unavailable


@dataclass(frozen=True)
class PrivateServer:
    port: int
    socket_dir: Path
    superuser_password: str

    def url(self, user: str, password: str, database: str) -> str:
        return f"postgresql+psycopg://{user}:{password}@127.0.0.1:{self.port}/{database}"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        unavailable(f"PostgreSQL's {name!r} (Debian package postgresql)")
    return found[-1]


def _as_postgres(argv: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@contextmanager
def private_postgres(folder: Path, superuser_password: str) -> Iterator[PrivateServer]:
    initdb, postgres = _bin("initdb"), _bin("postgres")
    data, sockets = folder / "pgdata", folder / "sockets"
    sockets.mkdir()
    password_file = folder / "pwfile"
    password_file.write_text(superuser_password + "\n")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
        shutil.chown(password_file, "postgres")
    subprocess.run(
        _as_postgres(
            [
                initdb,
                "--pgdata",
                str(data),
                "--username",
                "postgres",
                f"--pwfile={password_file}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    log = (folder / "postgres.log").open("wb")
    process = subprocess.Popen(
        _as_postgres(
            [
                postgres,
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(sockets),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
            ]
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(
            ["pg_isready", "-q", "-h", str(sockets), "-p", str(port)], timeout=10
        ).returncode:
            assert process.poll() is None, (folder / "postgres.log").read_text()
            assert time.monotonic() < deadline, "the private PostgreSQL did not start"
            time.sleep(0.2)
        yield PrivateServer(port, sockets, superuser_password)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
