"""What the deployment files say, read the way their tools read them.

The compose file and the Kubernetes manifests are parsed with PyYAML; driftwarden's
configs inside them are loaded with driftwarden's own loader, the ``${VAR}`` they
reference filled from the environment the file gives the container.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any, cast

import yaml

from monitor.config import Config, parse_config
from monitor.service.daemon import Daemon
from monitor.service.http import create_app
from tests.deploy.dockerfile import ROOT

DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
KUBERNETES = DEPLOY / "kubernetes"

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}")


def get_routes() -> set[str]:
    """The GET paths of the service's HTTP app, from its OpenAPI document."""
    app = create_app(cast(Daemon, object()))
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return {path for path, ops in paths.items() if "get" in ops}


def referenced_env(text: str) -> set[str]:
    """Variables a config references without a default (they must be set)."""
    return {m.group(1) for m in _REFERENCE.finditer(text) if m.group(2) is None}


def load_with(text: str, provided: set[str], source: str) -> Config:
    """Load a config the way the container would, every provided variable set."""
    return parse_config(text, source=source, environ=dict.fromkeys(provided, "placeholder"))


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment as a mapping"
    return {str(k): str(v) for k, v in env.items()}


def bind_mounts(service: dict[str, Any]) -> dict[str, Path]:
    """Container path -> host path (relative to the compose file) of the bind mounts."""
    out = {}
    for volume in service.get("volumes", []):
        source, target, *_ = volume.split(":")
        if source.startswith("."):
            out[target] = (COMPOSE.parent / source).resolve()
    return out


def named_volumes(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> volume name."""
    out = {}
    for volume in service.get("volumes", []):
        source, target, *_ = volume.split(":")
        if not source.startswith((".", "/")):
            out[target] = source
    return out


def published(service: dict[str, Any]) -> dict[int, int]:
    """Container port -> host port."""
    out = {}
    for port in service.get("ports", []):
        host, _, container = str(port).rpartition(":")
        out[int(container)] = int(host)
    return out


def host_path(mounts: dict[str, Path], container_path: str) -> Path:
    """The host file behind a container path, through the bind mount holding it."""
    path = PurePosixPath(container_path)
    for target, source in mounts.items():
        if path == PurePosixPath(target) or PurePosixPath(target) in path.parents:
            return source / path.relative_to(target)
    raise AssertionError(f"{container_path} is not under any bind mount: {sorted(mounts)}")


def under(path: str, folders: set[str] | dict[str, Any]) -> bool:
    p = PurePosixPath(path)
    return any(p == PurePosixPath(f) or PurePosixPath(f) in p.parents for f in folders)


def kubernetes() -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, name) -> object, for every manifest under deploy/kubernetes."""
    out = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            out[(doc["kind"], doc["metadata"]["name"])] = doc | {"_file": path.name}
    return out
