"""The libpq URI given to ADBC keeps user and password intact, whatever they hold."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy.engine import URL, make_url

from monitor.source.arrow import libpq_uri


@pytest.mark.parametrize(
    ("user", "password"),
    [
        ("reader", "plain"),
        ("read er", 'p ss"w$rd'),
        ("r@der", "a:b/c@d#e?f%g&h=i+j'k\\l"),
        ("ünï", "пароль"),
    ],
)
def test_user_and_password_come_back_unchanged(user: str, password: str) -> None:
    url = URL.create(
        "postgresql+psycopg",
        username=user,
        password=password,
        host="db.example",
        port=6543,
        database="preds",
        query={"sslmode": "require"},
    )
    uri = libpq_uri(url)
    assert " " not in uri
    parts = urlsplit(uri)
    assert parts.scheme == "postgresql"
    assert unquote(parts.username or "") == user
    assert unquote(parts.password or "") == password
    assert (parts.hostname, parts.port, parts.path) == ("db.example", 6543, "/preds")
    assert parse_qs(parts.query) == {"sslmode": ["require"]}


def test_without_password_or_user() -> None:
    assert libpq_uri(make_url("postgresql+psycopg://reader@db/preds")) == (
        "postgresql://reader@db/preds"
    )
    assert libpq_uri(make_url("postgresql+psycopg://db:5433/preds")) == (
        "postgresql://db:5433/preds"
    )
