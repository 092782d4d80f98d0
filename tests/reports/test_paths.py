"""Report file names and the URLs they are served under."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.config.models import ServiceConfig
from monitor.reports.paths import (
    parse_report_name,
    report_name,
    report_relpath,
    report_url,
    url_of,
)

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_names_are_compact_utc_stamps() -> None:
    assert report_name(WHEN) == "20260301T120000Z.html"
    paris = WHEN.astimezone(timezone(timedelta(hours=1)))
    assert report_name(paris) == "20260301T120000Z.html"
    assert report_relpath("churn", WHEN) == "churn/20260301T120000Z.html"


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 1, 1)))
def test_names_parse_back(when: datetime) -> None:
    when = when.replace(microsecond=0, tzinfo=UTC)
    assert parse_report_name(report_name(when)) == when


@pytest.mark.parametrize(
    "name", ["latest.html", "index.html", "20260301T120000Z.htm", ".tmp-x.part", "20261301T000000Z.html"]
)
def test_other_files_are_not_reports(name: str) -> None:
    assert parse_report_name(name) is None


def test_report_url_with_and_without_public_url() -> None:
    assert report_url(None, "churn", WHEN) == "/reports/churn/20260301T120000Z.html"
    assert url_of("http://h:8080", "churn/latest.html") == "http://h:8080/reports/churn/latest.html"
    assert (
        report_url("https://dw.example.com/base/", "churn", WHEN)
        == "https://dw.example.com/base/reports/churn/20260301T120000Z.html"
    )


@pytest.mark.parametrize("name", ["..", ".", "a/b", ""])
def test_monitor_names_that_are_not_one_folder_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="cannot name a folder"):
        report_relpath(name, WHEN)


def test_public_url_must_be_http() -> None:
    assert ServiceConfig().public_url is None
    assert ServiceConfig(public_url="https://dw.example.com/").public_url == (
        "https://dw.example.com"
    )
    with pytest.raises(ValueError, match="http"):
        ServiceConfig(public_url="dw.example.com")
