"""The reference profile is fitted once per definition: statements counted on the engine.

A run on a fixed reference whose profile is cached sends the source one statement,
for the current window; changing any part of the reference's definition (source,
table or query, window, columns) reads the reference again.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.config import load_config
from monitor.config.models import MonitorConfig
from monitor.result import RunStatus
from monitor.runner import Runner
from tests.conftest import write_table
from tests.factories import CURRENT_END, REFERENCE_END, REFERENCE_START, prediction_logs
from tests.factories import config_text as factory_config

FIXED = (
    f'reference = {{ start = "{REFERENCE_START.isoformat()}", '
    f'end = "{REFERENCE_END.isoformat()}" }}'
)


@dataclass
class Statements:
    """Every statement the runner's source engines send, with the database file."""

    runner: Runner = field(default_factory=Runner)
    sent: list[tuple[str, str, Any]] = field(default_factory=list)

    def watch(self, source_url: str) -> None:
        """Listen on the engine the runner uses for ``source_url``."""
        engine = self.runner.engines.get(source_url)
        name = Path(source_url).name

        def record(
            _conn: sa.Connection, _cursor: object, statement: str, parameters: Any, *_: object
        ) -> None:
            self.sent.append((name, statement, parameters))

        sa.event.listen(engine, "before_cursor_execute", record)

    def since(self, mark: int) -> list[tuple[str, str, Any]]:
        return self.sent[mark:]


@pytest.fixture
def statements(source: str) -> Iterator[Statements]:
    recorder = Statements()
    recorder.watch(source)
    yield recorder
    recorder.runner.engines.dispose()


@pytest.fixture
def source(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'source.db'}"
    write_table(url, "predictions", prediction_logs(drift=True))
    return url


def monitor(
    tmp_path: Path, source_url: str, *, replace: tuple[tuple[str, str], ...] = ()
) -> MonitorConfig:
    text = factory_config(source_url, "sqlite://")
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_config(path, environ={}).monitors[0]


def window_reads(sent: list[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    """Reads of rows (not schema or timestamp-format look-ups)."""
    return [s for s in sent if s[1].lstrip().upper().startswith("SELECT") and "LIMIT" not in s[1]]


def bounds(parameters: Any) -> set[str]:
    values = parameters.values() if isinstance(parameters, dict) else parameters
    return {str(v)[:10] for v in values}


def test_a_cached_reference_is_not_read_again_only_the_current_window_is(
    tmp_path: Path, source: str, statements: Statements
) -> None:
    runner = statements.runner
    m = monitor(tmp_path, source)
    first = runner.run(m, CURRENT_END)
    assert first.status is RunStatus.OK
    reads = window_reads(statements.sent)
    assert len(reads) == 2, reads
    assert {REFERENCE_START.date().isoformat(), REFERENCE_END.date().isoformat()} <= bounds(
        reads[0][2]
    ), "the first read is the reference window"

    mark = len(statements.sent)
    later = CURRENT_END + timedelta(hours=1)
    second = runner.run(m, later)
    assert second.status is RunStatus.OK
    assert second.rows_reference == first.rows_reference
    sent = statements.since(mark)
    assert len(sent) == 1, f"one statement, for the current window: {sent}"
    ((_, statement, parameters),) = sent
    assert statement in {r[1] for r in reads}, "the same query shape as the first current read"
    assert bounds(parameters) == {
        (later - timedelta(days=1)).date().isoformat(),
        later.date().isoformat(),
    }
    assert runner.profiles.hits == 1 and runner.profiles.misses == 1


CHANGES = {
    "query": (('table = "predictions"', 'query = "SELECT * FROM predictions WHERE age >= 0"'),),
    "window": ((FIXED, FIXED.replace("2026-01-08", "2026-01-07")),),
    "columns": (('numerical = ["age", "balance"]', 'numerical = ["age"]'),),
    "source": (),
}


@pytest.mark.parametrize("part", list(CHANGES))
def test_changing_any_part_of_the_reference_definition_reads_it_again(
    tmp_path: Path, source: str, statements: Statements, part: str
) -> None:
    runner = statements.runner
    base = monitor(tmp_path, source)
    runner.run(base, CURRENT_END)
    assert runner.run(base, CURRENT_END).status is RunStatus.OK
    assert runner.profiles.misses == 1

    source_url = source
    if part == "source":
        shutil.copy(tmp_path / "source.db", tmp_path / "copy.db")
        source_url = f"sqlite:///{tmp_path / 'copy.db'}"
        statements.watch(source_url)
    changed = monitor(tmp_path, source_url, replace=CHANGES[part])
    mark = len(statements.sent)
    result = runner.run(changed, CURRENT_END)

    assert result.status is RunStatus.OK, result.error
    assert runner.profiles.misses == 2, "a new definition is a new profile"
    reads = window_reads(statements.since(mark))
    assert len(reads) == 2, "the reference is read again, then the current window"
    assert REFERENCE_START.date().isoformat() in bounds(reads[0][2])
    expected_file = "copy.db" if part == "source" else "source.db"
    assert {r[0] for r in reads} == {expected_file}

    # and the changed definition's profile is itself reused
    mark = len(statements.sent)
    runner.run(changed, CURRENT_END + timedelta(hours=1))
    assert len(window_reads(statements.since(mark))) == 1
    assert runner.profiles.misses == 2
