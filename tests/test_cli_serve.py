"""The command line around ``serve``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def keep_root_logging() -> Iterator[None]:
    """``main`` configures the root logger; put pytest's handlers back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_check_config_shows_how_serve_would_listen(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTWARDEN_API_TOKEN", "t")
    assert main(["check-config", str(REPO / "config.toml")]) == 0
    out = capsys.readouterr().out
    assert "serve: listen 127.0.0.1:8000, 4 worker(s), API token set" in out


def test_serve_with_a_bad_config_exits_2_naming_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[service]\nlisten = "nowhere"\n')
    assert main(["serve", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "field 'service.listen'" in err and "expected 'host:port'" in err
