from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def source_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty source database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'source.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
