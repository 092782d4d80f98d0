"""The [service] options of ``driftwarden serve`` and the monitor's latency column."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]


def service(text: str, environ: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return parse_config(f"[service]\n{text}\n", environ=environ or {}).service


def test_the_shipped_config_loads_with_the_defaults() -> None:
    s = load_config(REPO / "config.toml", environ={}).service
    assert s.listen == "127.0.0.1:8000" and (s.host, s.port) == ("127.0.0.1", 8000)
    assert s.workers == 4 and s.shutdown_grace == timedelta(seconds=30)
    assert s.api_token is None and s.public_url is None


@pytest.mark.parametrize(
    ("listen", "host", "port"),
    [
        ("0.0.0.0:9000", "0.0.0.0", 9000),
        ("[::1]:8080", "::1", 8080),
        ("localhost:1", "localhost", 1),
    ],
)
def test_listen_addresses(listen: str, host: str, port: int) -> None:
    s = service(f'listen = "{listen}"')
    assert (s.host, s.port) == (host, port)


@pytest.mark.parametrize("listen", ["8000", "host:", ":8000", "h:70000", "::1:80", "[::1]8000"])
def test_bad_listen_addresses_name_the_field_and_the_form(listen: str) -> None:
    with pytest.raises(ConfigError) as info:
        service(f'listen = "{listen}"')
    assert "field 'service.listen'" in str(info.value)
    assert "expected 'host:port'" in str(info.value)


def test_the_token_comes_from_the_config_or_else_the_environment() -> None:
    assert service('api_token = "abc"').token({"DRIFTWARDEN_API_TOKEN": "env"}) == "abc"
    assert service("").token({"DRIFTWARDEN_API_TOKEN": "env"}) == "env"
    assert service('api_token_env = "MY_TOKEN"').token({"MY_TOKEN": "mine"}) == "mine"
    assert service("").token({}) is None
    assert service("").token({"DRIFTWARDEN_API_TOKEN": ""}) is None
    assert "abc" not in repr(service('api_token = "abc"'))


def test_the_default_run_timeout_is_half_the_interval_at_most_ten_minutes() -> None:
    text = """
[[monitors]]
name = "{name}"
source_url = "sqlite://"
table = "t"
timestamp_column = "ts"
schedule = "{schedule}"
current = {{ last = "1h" }}
reference = {{ last = "1d" }}
"""
    cfg = parse_config(
        text.format(name="fast", schedule="every 1m")
        + text.format(name="slow", schedule="every 1d"),
        environ={},
    )
    fast, slow = cfg.monitors
    assert cfg.service.run_timeout_for(fast) == timedelta(seconds=30)
    assert cfg.service.run_timeout_for(slow) == timedelta(minutes=10)
    fixed = parse_config(
        '[service]\nrun_timeout = "2m"\n' + text.format(name="x", schedule="every 1d"), environ={}
    )
    assert fixed.service.run_timeout_for(fixed.monitors[0]) == timedelta(minutes=2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("workers = 0", "service.workers"),
        ('shutdown_grace = "soon"', "service.shutdown_grace"),
        ('public_url = "example.com"', "expected an http:// or https:// URL"),
        ('listen_on = "x"', "unknown key"),
    ],
)
def test_bad_service_options_are_refused_with_the_field(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        service(text)


def test_the_latency_column_cannot_also_be_a_feature() -> None:
    text = """
[[monitors]]
name = "m"
source_url = "sqlite://"
table = "t"
timestamp_column = "ts"
numerical = ["lat"]
latency_column = "lat"
current = { last = "1h" }
reference = { last = "1d" }
"""
    with pytest.raises(ConfigError, match="'lat' is the latency column"):
        parse_config(text, environ={})
