"""Dockerfile, docker-compose.yml and the Kubernetes manifests agree with each other and
with the service: ports, volume paths, probe paths, users and the files they name."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

import kubernetes_validate
import pytest
import yaml

from monitor.config import ConfigError, parse_config
from tests.deploy import dockerfile
from tests.deploy.dockerfile import ROOT
from tests.deploy.manifests import (
    COMPOSE,
    KUBERNETES,
    bind_mounts,
    compose,
    compose_env,
    get_routes,
    host_path,
    kubernetes,
    load_with,
    named_volumes,
    published,
    referenced_env,
    under,
)

ROUTES = get_routes()
RUNTIME = dockerfile.final_stage()
IMAGE_ENV = RUNTIME.env()
IMAGE_CONFIG = IMAGE_ENV["DRIFTWARDEN_CONFIG"]


def image_config_source() -> Path:
    (copy,) = [c for c in RUNTIME.copies() if c.dest == IMAGE_CONFIG]
    return ROOT / copy.sources[0]


def image_uid() -> int:
    user = RUNTIME.all("USER")[-1].args
    return int(user.partition(":")[0])


# --- Dockerfile -------------------------------------------------------------------------


def test_the_routes_are_read_from_the_app() -> None:
    assert {"/healthz", "/readyz", "/metrics"} <= ROUTES
    assert "/nowhere" not in ROUTES


def test_the_image_runs_as_the_non_root_user_it_creates() -> None:
    uid = image_uid()
    assert uid != 0
    created = " ".join(i.args for i in RUNTIME.all("RUN"))
    assert f"--uid {uid}" in created
    # The data volume belongs to that user; the config stays read-only to it (root's).
    assert f"chown -R driftwarden:driftwarden {IMAGE_ENV['DRIFTWARDEN_DATA']}" in created
    assert all(c.chown is None for c in RUNTIME.copies())


def test_the_image_config_listens_everywhere_on_the_exposed_and_probed_port() -> None:
    config = load_with(image_config_source().read_text(), set(), "image config")
    assert config.service.host == "0.0.0.0"
    assert f"{config.service.host}:{config.service.port}" == IMAGE_ENV["DRIFTWARDEN_LISTEN"]
    assert RUNTIME.one("EXPOSE").args == str(config.service.port)
    check = RUNTIME.one("HEALTHCHECK").args
    probed = re.search(r"http://127\.0\.0\.1:\{port\}(/\w+)", check)
    assert probed and probed.group(1) == "/healthz" and probed.group(1) in ROUTES
    assert "os.environ.get('DRIFTWARDEN_LISTEN'" in check
    # Without the env override the image's config still listens on the exposed port.
    default = parse_config(image_config_source().read_text(), environ={}).service
    assert default.port == config.service.port


def test_the_image_volumes_hold_the_config_and_everything_the_service_writes() -> None:
    volumes = set(dockerfile.Instruction("VOLUME", RUNTIME.one("VOLUME").args).exec_form())
    assert str(PurePosixPath(IMAGE_CONFIG).parent) in volumes
    config = load_with(image_config_source().read_text(), set(), "image config").service
    assert under(config.reports_dir, volumes)
    assert config.store_url.startswith("sqlite:///")
    assert under(config.store_url.removeprefix("sqlite:///"), volumes)
    for monitor in parse_config(image_config_source().read_text(), environ={}).monitors:
        assert under(monitor.source_url.removeprefix("sqlite:///"), volumes)
    assert RUNTIME.workdir() == IMAGE_ENV["DRIFTWARDEN_DATA"]


def test_the_image_serves_the_config_it_ships() -> None:
    entrypoint = RUNTIME.one("ENTRYPOINT").exec_form()
    cmd = RUNTIME.one("CMD").exec_form()
    assert entrypoint == ["driftwarden", "serve"]
    assert cmd == ["--config", IMAGE_CONFIG]
    assert image_config_source().is_file()


def test_the_build_stage_copies_files_that_exist_on_the_image_python() -> None:
    build = dockerfile.stage("build")
    for copy in build.copies():
        for source in copy.sources:
            assert (ROOT / source).exists(), source
    (step,) = build.all("RUN")
    assert (ROOT / shlex.split(step.args)[1]).is_file()
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    for stage in dockerfile.parse():
        version = re.fullmatch(r"python:(\d+)\.(\d+)-slim", stage.base)
        assert version, stage.base
        assert requires == f">={version.group(1)}.{version.group(2)}"


def test_the_dockerignore_keeps_secrets_and_local_state_out_of_the_build() -> None:
    patterns = dockerfile.dockerignore()
    for left_out in (".venv/bin/python", "deploy/.env", "demo.db", "reports/churn/x.html", ".git"):
        assert dockerfile.ignored(left_out, patterns), left_out
    for kept in ("monitor/reports/__init__.py", "monitor/cli.py", "alembic/versions"):
        assert not dockerfile.ignored(kept, patterns), kept
    assert dockerfile.ignored("monitor/stats/__pycache__/x.pyc", patterns)
    for stage in dockerfile.parse():
        for copy in stage.copies():
            if copy.source_stage is None:
                assert not any(dockerfile.ignored(s, patterns) for s in copy.sources), copy


# --- the package the image installs ------------------------------------------------------


def test_every_folder_of_python_code_is_a_shipped_package() -> None:
    """pyproject lists packages by hand: a new folder left out is missing from the wheel."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    mapped = {name: ROOT / folder for name, folder in setuptools["package-dir"].items()}
    for folder in sorted({p.parent for p in (ROOT / "monitor").rglob("*.py")}):
        name = ".".join(folder.relative_to(ROOT).parts)
        assert name in listed, f"{name} is not in [tool.setuptools] packages"
        assert (folder / "__init__.py").exists(), f"{name} has no __init__.py"
    for name, folder in mapped.items():
        assert name in listed and folder.is_dir(), name
        for sub in sorted({p.parent for p in folder.rglob("*.py")} - {folder}):
            assert ".".join([name, *sub.relative_to(folder).parts]) in listed, sub
    data = setuptools["package-data"]
    for path in (ROOT / "monitor").rglob("*"):
        if path.is_file() and path.suffix not in (".py", ".pyc"):
            package = ".".join(path.parent.relative_to(ROOT).parts)
            globs = data.get(package, [])
            assert any(path.match(g) for g in globs), f"{path} is not in package-data"


# --- docker-compose.yml ------------------------------------------------------------------


def services() -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"]
    return found


def compose_config() -> tuple[Path, Any]:
    driftwarden = services()["driftwarden"]
    source = host_path(bind_mounts(driftwarden), IMAGE_CONFIG)
    text = source.read_text()
    env = compose_env(driftwarden)
    missing = referenced_env(text) - set(env)
    assert not missing, f"{source} uses variables compose does not set: {missing}"
    return source, load_with(text, set(env), str(source))


def test_compose_runs_the_whole_stack() -> None:
    assert {"driftwarden", "postgres", "prometheus", "alertmanager", "grafana"} <= set(services())
    declared = set(compose()["volumes"])
    for name, service in services().items():
        for target, source in bind_mounts(service).items():
            assert source.exists(), f"{name}: {source} (mounted at {target}) is missing"
        assert set(named_volumes(service).values()) <= declared, name


def test_compose_builds_the_repository_dockerfile() -> None:
    for name in ("driftwarden", "seed"):
        build = services()[name]["build"]
        assert (COMPOSE.parent / build["context"]).resolve() == ROOT
        assert (ROOT / build["dockerfile"]).resolve() == dockerfile.DOCKERFILE
        assert services()[name]["image"] == services()["driftwarden"]["image"]


def test_compose_driftwarden_uses_its_config_port_and_data_volume() -> None:
    driftwarden = services()["driftwarden"]
    assert compose_env(driftwarden)["DRIFTWARDEN_CONFIG"] == IMAGE_CONFIG
    command = driftwarden["command"]
    assert command[command.index("--config") + 1] == IMAGE_CONFIG
    _, config = compose_config()
    service = config.service
    assert service.host == "0.0.0.0"
    assert service.port in published(driftwarden)
    data = named_volumes(driftwarden)
    assert under(service.reports_dir, data)
    check = " ".join(driftwarden["healthcheck"]["test"])
    probed = re.search(r"http://127\.0\.0\.1:(\d+)(/\w+)", check)
    assert probed and int(probed.group(1)) == service.port and probed.group(2) in ROUTES


def test_compose_passwords_come_from_the_environment() -> None:
    for name, service in services().items():
        for key, value in compose_env(service).items():
            if "PASSWORD" in key or "TOKEN" in key:
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", value), f"{name}.{key}={value}"
    example = dict(
        line.split("=", 1)
        for line in (COMPOSE.parent / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    used = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text()))
    assert used == set(example)
    assert "/deploy/.env" in (ROOT / ".gitignore").read_text().splitlines()


def test_compose_databases_and_roles_are_the_ones_postgres_init_creates() -> None:
    postgres = services()["postgres"]
    (init,) = [
        source
        for target, source in bind_mounts(postgres).items()
        if target.startswith("/docker-entrypoint-initdb.d/")
    ]
    script = init.read_text()
    databases = set(re.findall(r"CREATE DATABASE (\w+)", script))
    roles = set(re.findall(r"CREATE ROLE (\w+) LOGIN", script))
    _, config = compose_config()
    urls = [config.service.store_url, *(m.source_url for m in config.monitors)]
    seed = compose_env(services()["seed"])["SEED_URL"]
    for url in [*urls, seed]:
        parsed = re.fullmatch(r"postgresql\+psycopg://(\w+):[^@]+@(\w+):5432/(\w+)", url)
        assert parsed, url
        user, host, database = parsed.groups()
        assert host == "postgres" and host in services()
        assert database in databases
        assert user in roles or user == "postgres"
    for password in re.findall(r"-v \w+_password=\"\$(\w+)\"", script):
        assert password in compose_env(postgres)
    ready = postgres["healthcheck"]["test"]
    assert ready[ready.index("--host") + 1] == "127.0.0.1", "ready only once TCP answers"


def test_compose_prometheus_scrapes_driftwarden_and_alerts_alertmanager() -> None:
    prometheus = services()["prometheus"]
    mounts = bind_mounts(prometheus)
    flag = next(a for a in prometheus["command"] if a.startswith("--config.file="))
    config_file = host_path(mounts, flag.partition("=")[2])
    scrape = yaml.safe_load(config_file.read_text())
    (job,) = [j for j in scrape["scrape_configs"] if j["job_name"] == "driftwarden"]
    (target,) = job["static_configs"][0]["targets"]
    host, _, port = target.partition(":")
    _, config = compose_config()
    assert host in services() and host == "driftwarden"
    assert int(port) == config.service.port
    assert job["metrics_path"] in ROUTES
    for rules in scrape["rule_files"]:
        assert (config_file.parent / rules).is_file(), rules
    (am,) = scrape["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    am_host, _, am_port = am.partition(":")
    assert am_host in services() and int(am_port) in published(services()[am_host])
    assert config.alerting.alertmanager_urls == [f"http://{am}"]


def test_compose_alertmanager_and_grafana_load_the_deploy_files() -> None:
    alertmanager = services()["alertmanager"]
    flag = next(a for a in alertmanager["command"] if a.startswith("--config.file="))
    assert host_path(bind_mounts(alertmanager), flag.partition("=")[2]).is_file()
    grafana = services()["grafana"]
    mounts = bind_mounts(grafana)
    providers = yaml.safe_load(
        host_path(mounts, "/etc/grafana/provisioning/dashboards/driftwarden.yaml").read_text()
    )
    dashboards = host_path(mounts, providers["providers"][0]["options"]["path"])
    assert sorted(p.name for p in dashboards.glob("*.json")) == [
        "driftwarden-monitor.json",
        "driftwarden-overview.json",
    ]
    sources = yaml.safe_load(
        host_path(mounts, "/etc/grafana/provisioning/datasources/prometheus.yaml").read_text()
    )
    url = sources["datasources"][0]["url"]
    host, port = url.removeprefix("http://").split(":")
    assert host in services() and int(port) in published(services()[host])


def test_compose_seed_script_is_the_one_mounted() -> None:
    seed = services()["seed"]
    (script,) = seed["entrypoint"][1:]
    assert host_path(bind_mounts(seed), script) == (ROOT / "deploy/compose/seed_demo.py")
    depends = services()["driftwarden"]["depends_on"]
    assert depends["seed"]["condition"] == "service_completed_successfully"


# --- Kubernetes ---------------------------------------------------------------------------


def deployment() -> dict[str, Any]:
    found: dict[str, Any] = kubernetes()[("Deployment", "driftwarden")]
    return found


def container() -> dict[str, Any]:
    (found,) = deployment()["spec"]["template"]["spec"]["containers"]
    assert isinstance(found, dict)
    return found


def configmap_config() -> Any:
    """The config in the ConfigMap, loaded with the variables the container sets."""
    env = {e["name"] for e in container()["env"]}
    text = kubernetes()[("ConfigMap", "driftwarden-config")]["data"]["config.toml"]
    missing = referenced_env(text) - env
    assert not missing, f"the ConfigMap's config uses variables the pod does not set: {missing}"
    return load_with(text, env, "ConfigMap driftwarden-config")


def test_kubernetes_kustomization_lists_every_manifest_but_the_secret_example() -> None:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    files = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files - {"secret.example.yaml"}
    namespace = kustomization["namespace"]
    for (kind, name), obj in kubernetes().items():
        if kind != "Namespace":
            assert obj["metadata"]["namespace"] == namespace, (kind, name)
    assert ("Namespace", namespace) in kubernetes()
    (image,) = kustomization["images"]
    assert image["name"] == container()["image"]


def test_kubernetes_pod_is_non_root_and_locked_down() -> None:
    pod = deployment()["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == image_uid()
    assert pod["securityContext"]["fsGroup"] == image_uid()
    security = container()["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert pod["automountServiceAccountToken"] is False


def test_kubernetes_replicas_fit_the_reports_volume_and_the_results_database() -> None:
    spec = deployment()["spec"]
    config = configmap_config()
    (claim,) = [v for (kind, _), v in kubernetes().items() if kind == "PersistentVolumeClaim"]
    shared = "ReadWriteMany" in claim["spec"]["accessModes"]
    if spec["replicas"] > 1:
        # Replicas share the leader lock (PostgreSQL only) and the reports folder.
        assert config.service.store_url.startswith("postgresql")
        assert shared
    if not shared:
        assert spec["replicas"] == 1
        assert spec["strategy"]["type"] == "Recreate", "a second pod could not mount it"
    grace = spec["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > config.service.shutdown_grace.total_seconds()


def test_kubernetes_ports_and_probes_agree_with_the_config_and_the_app() -> None:
    config = configmap_config()
    assert config.service.host == "0.0.0.0"
    ports = {p["name"]: p["containerPort"] for p in container()["ports"]}
    assert ports == {"http": config.service.port}
    assert container()["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container()["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        probe = container()[kind]["httpGet"]
        assert probe["path"] in ROUTES, kind
        assert probe["port"] in ports, kind
    service = kubernetes()[("Service", "driftwarden")]
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] in ports
    labels = deployment()["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    for notes in (
        service["metadata"]["annotations"],
        deployment()["spec"]["template"]["metadata"]["annotations"],
    ):
        assert int(notes["prometheus.io/port"]) == config.service.port
        assert notes["prometheus.io/path"] in ROUTES


def test_kubernetes_has_resource_requests_and_limits() -> None:
    resources = container()["resources"]
    for bound in ("requests", "limits"):
        assert set(resources[bound]) == {"cpu", "memory"}, bound


def test_kubernetes_mounts_the_configmap_at_the_config_path_and_writes_only_to_volumes() -> None:
    mounts = {m["mountPath"]: m for m in container()["volumeMounts"]}
    volumes = {v["name"]: v for v in deployment()["spec"]["template"]["spec"]["volumes"]}
    config_path = PurePosixPath(IMAGE_CONFIG)
    env = {e["name"]: e.get("value") for e in container()["env"]}
    assert env["DRIFTWARDEN_CONFIG"] == IMAGE_CONFIG
    args = container()["args"]
    assert args[args.index("--config") + 1] == IMAGE_CONFIG
    config_mount = mounts[str(config_path.parent)]
    assert config_mount["readOnly"] is True
    source = volumes[config_mount["name"]]["configMap"]["name"]
    assert config_path.name in kubernetes()[("ConfigMap", source)]["data"]
    writable = {path for path, m in mounts.items() if not m.get("readOnly")}
    config = configmap_config()
    assert under(config.service.reports_dir, writable)
    assert under("/tmp", writable)
    claim = volumes[mounts[IMAGE_ENV["DRIFTWARDEN_DATA"]]["name"]]["persistentVolumeClaim"]
    assert ("PersistentVolumeClaim", claim["claimName"]) in kubernetes()


def test_kubernetes_secret_example_has_every_key_the_pod_reads_and_no_secret() -> None:
    secret = kubernetes()[("Secret", "driftwarden")]
    for variable in container()["env"]:
        ref = variable.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            assert ref["name"] == secret["metadata"]["name"]
            assert ref["key"] in secret["stringData"]
    assert set(secret["stringData"].values()) == {"REPLACE-ME"}


def test_kubernetes_config_fails_clearly_without_the_secret() -> None:
    text = kubernetes()[("ConfigMap", "driftwarden-config")]["data"]["config.toml"]
    with pytest.raises(ConfigError) as caught:
        parse_config(text, environ={})
    assert any("DRIFTWARDEN_DB_PASSWORD" in p for p in caught.value.problems)


# kubectl is not packaged for Debian; the manifests are checked against the Kubernetes
# API's own OpenAPI schemas instead (kubernetes-validate ships them), strictly, so a
# misspelt or misplaced field fails as `kubectl apply --validate=strict` would.
KUBERNETES_VERSION = "1.30"


@pytest.mark.parametrize("path", sorted(p.name for p in KUBERNETES.glob("*.yaml")))
def test_each_manifest_is_valid_kubernetes(path: str) -> None:
    if path == "kustomization.yaml":  # not an API object; its lists are checked above
        return
    for document in yaml.safe_load_all((KUBERNETES / path).read_text()):
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_refuses_a_misplaced_field() -> None:
    (deployment,) = yaml.safe_load_all((KUBERNETES / "deployment.yaml").read_text())
    probe = deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    probe["httpGet"]["paths"] = probe["httpGet"].pop("path")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
