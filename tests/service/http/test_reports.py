"""/reports serves the reports folder and nothing outside it."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from monitor.service.http import create_app
from monitor.service.http.reports import resolve_report
from tests.servers import free_port
from tests.service.harness import Harness, harness

SECRET = b"SQLite format 3"


@pytest.fixture
def h(tmp_path: Path) -> Iterator[Harness]:
    with harness(tmp_path) as running:
        reports = running.root / "reports"
        (reports / "index.html").write_text("<h1>all monitors</h1>")
        (reports / "churn").mkdir()
        (reports / "churn" / "index.html").write_text("<h1>churn runs</h1>")
        (reports / "churn" / "2026-03-02T12-00-00Z.html").write_text("<h1>churn at noon</h1>")
        (reports / "churn" / ".partial.html").write_text("half written")
        (running.root / "outside").mkdir()
        (running.root / "outside" / "secret.html").write_text("secret")
        os.symlink(running.root / "driftwarden.db", reports / "db-link")
        os.symlink(running.root / "outside", reports / "outside-link")
        os.symlink(reports / "churn", reports / "churn-alias")
        yield running


def test_the_index_and_report_files_are_served_as_html(h: Harness) -> None:
    for url, text in [
        ("/reports/", "all monitors"),
        ("/reports/churn/", "churn runs"),
        ("/reports/churn", "churn runs"),
        ("/reports/churn/2026-03-02T12-00-00Z.html", "churn at noon"),
        ("/reports/churn-alias/index.html", "churn runs"),
    ]:
        response = h.client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/html"), url
        assert response.headers["x-content-type-options"] == "nosniff"
        assert text in response.text, url


@pytest.mark.parametrize(
    "url",
    [
        "/reports/%2e%2e/driftwarden.db",
        "/reports/%2E%2E/driftwarden.db",
        "/reports/..%2fdriftwarden.db",
        "/reports/%2e%2e%2fdriftwarden.db",
        "/reports/churn/%2e%2e/%2e%2e/driftwarden.db",
        "/reports/%252e%252e/driftwarden.db",
        "/reports/..%5cdriftwarden.db",
        "/reports/%2fetc%2fpasswd",
        "/reports//etc/passwd",
        "/reports/%00index.html",
        "/reports/db-link",
        "/reports/outside-link/secret.html",
        "/reports/churn/.partial.html",
        "/reports/missing.html",
        "/reports/churn/missing/",
    ],
)
def test_nothing_outside_the_folder_or_hidden_is_served(h: Harness, url: str) -> None:
    response = h.client.get(url)
    assert response.status_code == 404, url
    assert response.json() == {"detail": "report not found"}
    assert SECRET not in response.content and b"secret" not in response.content


def test_resolve_report_refuses_escapes(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    (root / "a").mkdir(parents=True)
    (root / "a" / "r.html").write_text("r")
    (tmp_path / "x.html").write_text("x")
    assert resolve_report(root, "a/r.html") == (root / "a" / "r.html").resolve()
    assert resolve_report(root, "a//r.html") == (root / "a" / "r.html").resolve()
    for bad in ("../x.html", "a/../../x.html", "/x.html", "a\\..\\..\\x.html", ".", "a/./r.html"):
        assert resolve_report(root, bad) is None, bad
    assert resolve_report(tmp_path / "no-such-folder", "a/r.html") is None


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """Send the request line as written (no client normalises the path)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


def test_a_real_server_refuses_raw_dot_dot_paths(h: Harness) -> None:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(h.daemon), host="127.0.0.1", port=port, log_config=None, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    try:
        assert raw_get(port, "/reports/")[0] == 200
        for target in (
            "/reports/../driftwarden.db",
            "/reports/churn/../../driftwarden.db",
            "/reports/%2e%2e/driftwarden.db",
            "/reports/..%2Fdriftwarden.db",
            "/reports/./../driftwarden.db",
        ):
            status, body = raw_get(port, target)
            assert status == 404, target
            assert SECRET not in body
    finally:
        server.should_exit = True
        thread.join(10)
