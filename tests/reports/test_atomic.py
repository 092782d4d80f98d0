"""Atomic writes: a reader sees the old file or the new one, never a part of one."""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path
from typing import BinaryIO

import pytest

from monitor.reports import atomic
from monitor.reports.atomic import is_temp, remove_stale_temps, write_atomic


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if is_temp(p.name))


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "report.html"
    write_atomic(target, b"first")
    assert target.read_bytes() == b"first"
    write_atomic(target, b"second, longer")
    assert target.read_bytes() == b"second, longer"
    assert target.stat().st_mode & 0o777 == 0o644
    assert leftovers(target.parent) == []


def test_failure_mid_write_keeps_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    write_atomic(target, b"old report")

    def half_then_disk_full(out: BinaryIO, data: bytes) -> None:
        out.write(data[: len(data) // 2])
        out.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic, "_write_all", half_then_disk_full)
    with pytest.raises(OSError) as raised:
        write_atomic(target, b"new report that will not fit")
    assert raised.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"old report"
    assert leftovers(tmp_path) == []


def test_failed_rename_keeps_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    write_atomic(target, b"old report")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(PermissionError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old report"
    assert leftovers(tmp_path) == []


def test_readers_never_see_a_partial_file(tmp_path: Path) -> None:
    """A writer alternates two large contents while a reader reads the final name."""
    target = tmp_path / "report.html"
    versions = [b"A" * 3_000_000, b"B" * 2_000_000 + b"end"]
    write_atomic(target, versions[0])
    stop = threading.Event()
    seen: list[bytes] = []

    def read() -> None:
        while not stop.is_set():
            seen.append(target.read_bytes())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(40):
            write_atomic(target, versions[i % 2])
    finally:
        stop.set()
        reader.join()
    assert seen, "the reader never ran"
    partial = [len(s) for s in seen if s not in versions]
    assert partial == []
    assert leftovers(tmp_path) == []


def test_stale_temps_are_removed_fresh_ones_and_others_kept(tmp_path: Path) -> None:
    stale = tmp_path / f"{atomic.TEMP_PREFIX}old{atomic.TEMP_SUFFIX}"
    fresh = tmp_path / f"{atomic.TEMP_PREFIX}new{atomic.TEMP_SUFFIX}"
    other = tmp_path / "20260101T000000Z.html"
    for path in (stale, fresh, other):
        path.write_bytes(b"x")
    now = time.time()
    old = now - atomic.STALE_TEMP_SECONDS - 10
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    assert remove_stale_temps(tmp_path, now=now) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, other.name])
    assert remove_stale_temps(tmp_path / "missing") == []
