"""Basic auth and TLS (CA, client certificate, insecure_skip_verify) towards a real
Alertmanager serving HTTPS with ``--web.config.file``."""

from __future__ import annotations

import ssl
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import httpx
import pytest

from monitor.alerts.client import AlertmanagerClient, Outcome, payload
from monitor.alerts.state import Alert, State
from monitor.config.alerts import AlertingConfig
from tests.integration.alertmanager import Alertmanager, routing_config
from tests.servers import binary

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def openssl(*args: str | Path) -> None:
    done = subprocess.run(
        [binary("openssl"), *map(str, args)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def certificates(root: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by it."""
    files = {name: root / name for name in ("ca.crt", "ca.key")}
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
            "-keyout", files["ca.key"], "-out", files["ca.crt"])  # fmt: skip
    for name, extension in (
        ("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
        ("client", "extendedKeyUsage=clientAuth"),
    ):
        key, csr, crt, ext = (root / f"{name}.{s}" for s in ("key", "csr", "crt", "ext"))
        ext.write_text(extension + "\n")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                "-keyout", key, "-out", csr)  # fmt: skip
        openssl("x509", "-req", "-in", csr, "-CA", files["ca.crt"], "-CAkey", files["ca.key"],
                "-CAcreateserial", "-days", "1", "-extfile", ext, "-out", crt)  # fmt: skip
        files[f"{name}.crt"], files[f"{name}.key"] = crt, key
    return files


def alert(name: str, now: datetime) -> Alert:
    return Alert(
        key=name,
        monitor="churn",
        alertname=name,
        labels={"alertname": name, "monitor": "churn", "service": "driftwarden"},
        annotations={"summary": "s"},
        generator_url=None,
        state=State.FIRING,
        starts_at=now,
        ends_at=None,
        breaches=1,
        window_end=None,
        run_id=None,
    )


def test_basic_auth_ca_and_client_certificate(tmp_path: Path) -> None:
    files = certificates(tmp_path)
    # Taken here, not at import: the alerts must still be active when listed below.
    now = datetime.now(UTC)
    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()
    web = tmp_path / "web.yml"
    web.write_text(
        f"""
tls_server_config:
  cert_file: {files["server.crt"]}
  key_file: {files["server.key"]}
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: {files["ca.crt"]}
basic_auth_users:
  dw: {hashed}
"""
    )
    context = ssl.create_default_context(cafile=str(files["ca.crt"]))
    context.load_cert_chain(str(files["client.crt"]), str(files["client.key"]))
    admin = httpx.Client(verify=context, auth=("dw", "s3cret"), timeout=5)
    am = Alertmanager(tmp_path, routing_config("http://127.0.0.1:9/unused"), web_config=web)
    am.start(ready=admin)
    try:

        def send(name: str, **options: object) -> Outcome:
            settings: dict[str, object] = {
                "alertmanager_urls": [am.url],
                "basic_auth": {"username": "dw", "password": "s3cret"},
                "tls": {
                    "ca_file": str(files["ca.crt"]),
                    "cert_file": str(files["client.crt"]),
                    "key_file": str(files["client.key"]),
                },
            }
            settings.update(options)
            client = AlertmanagerClient(AlertingConfig.model_validate(settings))
            try:
                body = [payload(alert(name, now), now=now, ends_ahead=timedelta(minutes=4))]
                return client.post(am.url, body).outcome
            finally:
                client.close()

        assert send("AllOptions") is Outcome.DELIVERED
        assert send("WrongPassword", basic_auth={"username": "dw", "password": "no"}) is (
            Outcome.FAILED
        )
        assert send("NoClientCert", tls={"ca_file": str(files["ca.crt"])}) is Outcome.FAILED
        client_cert = {"cert_file": str(files["client.crt"]), "key_file": str(files["client.key"])}
        assert send("SystemCAs", tls=client_cert) is Outcome.FAILED
        assert (
            send("SkipVerify", tls={**client_cert, "insecure_skip_verify": True})
            is Outcome.DELIVERED
        )

        listed = admin.get(f"{am.url}/api/v2/alerts").json()
        assert sorted(a["labels"]["alertname"] for a in listed) == ["AllOptions", "SkipVerify"]
    finally:
        am.stop()
        admin.close()
