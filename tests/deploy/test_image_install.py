"""The Dockerfile's install steps, run without a Docker engine.

The build stage's COPY instructions are replayed into a temporary source tree and its
RUN step (deploy/docker/install.sh) is executed there, creating a fresh virtual
environment from the package index, as ``docker build`` would. The runtime stage is
then imitated with the installed venv: its ENV, its config file, its ENTRYPOINT and
CMD, and its HEALTHCHECK command, with only the image's paths mapped to temporary ones.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import httpx
import pytest

from tests.deploy import dockerfile
from tests.deploy.dockerfile import ROOT
from tests.servers import free_port, unavailable
from tests.service.process import Served

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def context_filter(patterns: list[str]) -> Callable[[str, list[str]], set[str]]:
    """A copytree ``ignore`` leaving out what .dockerignore keeps out of the context."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        base = Path(folder).relative_to(ROOT)
        return {n for n in names if dockerfile.ignored(str(base / n), patterns)}

    return ignore


@dataclass(frozen=True)
class Image:
    root: Path
    venv: Path
    venv_in_image: str
    runtime: dockerfile.Stage

    def env(self, **overrides: str) -> dict[str, str]:
        """The runtime stage's ENV with the venv path mapped, over this process's env."""
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        for key, value in self.runtime.env().items():
            value = value.replace("$PATH", os.environ["PATH"])
            env[key] = value.replace(self.venv_in_image, str(self.venv))
        env[CONFIG_ENV] = str(self.config_source())
        env.update(overrides)
        return env

    def config_source(self) -> Path:
        """The repository file the runtime stage copies to $DRIFTWARDEN_CONFIG."""
        target = self.runtime.env()[CONFIG_ENV]
        (copy,) = [c for c in self.runtime.copies() if c.dest == target]
        (source,) = copy.sources
        return ROOT / source

    def map_argv(self, argv: list[str]) -> list[str]:
        """Image paths in an argument list replaced by this machine's."""
        target = self.runtime.env()[CONFIG_ENV]
        return [str(self.config_source()) if a == target else a for a in argv]

    def run(
        self, *argv: str, env: dict[str, str], timeout: float = 300, prefix: Sequence[str] = ()
    ) -> str:
        done = subprocess.run(
            [*prefix, *argv],
            env=env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
        return done.stdout


CONFIG_ENV = "DRIFTWARDEN_CONFIG"


def world_runnable(path: str | Path) -> bool:
    """Whether a user who is neither owner nor in the group may run ``path``."""
    real = Path(path).resolve()
    return all(p.stat().st_mode & 0o001 for p in (real, *real.parents))


def image_python(base: str) -> str:
    """An interpreter of the image's Python version that any user may run (the image's
    user is not root), else this one."""
    version = re.fullmatch(r"python:(\d+\.\d+)-slim", base)
    assert version, base
    for candidate in (
        f"/usr/local/bin/python{version.group(1)}",
        f"/usr/bin/python{version.group(1)}",
    ):
        if Path(candidate).exists() and world_runnable(candidate):
            return candidate
    return sys.executable


def image_user(runtime: dockerfile.Stage) -> tuple[int, int]:
    user, _, group = runtime.all("USER")[-1].args.partition(":")
    return int(user), int(group or user)


def as_image_user(image: Image, data: Path) -> list[str]:
    """The prefix that runs a command as the image's USER, when this process is root;
    ``data`` (the volume) then belongs to that user, as in the image."""
    if os.geteuid() != 0:
        return []
    if not world_runnable(image.venv / "bin" / "python"):
        unavailable("a Python interpreter that a non-root user may run")
    if shutil.which("setpriv") is None:
        unavailable("setpriv (util-linux), to run as the image's user")
    uid, gid = image_user(image.runtime)
    image.root.chmod(0o755)
    os.chown(data, uid, gid)
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]


def process_uid(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("Uid:")]
    return int(line.split()[1])


def replay_copy(copy: dockerfile.Copy, workdir: str, into: Path, patterns: list[str]) -> None:
    """``COPY`` from the build context into ``into``, which stands for the image's root."""
    dest = PurePosixPath(workdir) / copy.dest
    target = into / dest.relative_to("/")
    many = len(copy.sources) > 1 or copy.dest.endswith("/")
    for source in copy.sources:
        origin = ROOT / source
        assert origin.exists(), f"COPY {source}: not in the repository"
        assert not dockerfile.ignored(source, patterns), f"COPY {source}: in .dockerignore"
        if origin.is_dir():
            ignore = context_filter(patterns)
            shutil.copytree(origin, target, ignore=ignore, dirs_exist_ok=True)
        elif many:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target / origin.name)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)


@pytest.fixture(scope="module")
def image() -> Iterator[Image]:
    # A folder of its own rather than pytest's: other pytest sessions on the machine
    # prune old pytest temp folders, and this one lives for minutes.
    with tempfile.TemporaryDirectory(prefix="driftwarden-image-") as folder:
        yield build_image(Path(folder))


def build_image(root: Path) -> Image:
    build = dockerfile.stage("build")
    workdir = build.workdir()
    for copy in build.copies():
        assert copy.source_stage is None, "the build stage copies from the context only"
        replay_copy(copy, workdir, root, dockerfile.dockerignore())
    (step,) = build.all("RUN")
    words = shlex.split(step.args)
    assert words[:2] == ["sh", "deploy/docker/install.sh"], step.args
    venv_in_image = words[2]
    venv = root / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(build.env())
    # The image drops pip's cache to stay small; here it is kept so reruns are quicker.
    env.pop("PIP_NO_CACHE_DIR", None)
    env["PYTHON"] = image_python(build.base)
    done = subprocess.run(
        ["sh", *words[1:2], str(venv)],
        cwd=root / PurePosixPath(workdir).relative_to("/"),
        env=env,
        capture_output=True,
        text=True,
        timeout=1100,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return Image(root, venv, venv_in_image, dockerfile.final_stage())


def test_the_runtime_stage_gets_the_venv_the_build_stage_installed(image: Image) -> None:
    (copied,) = [c for c in image.runtime.copies() if c.source_stage == "build"]
    assert copied.sources == [image.venv_in_image]
    assert copied.dest == image.venv_in_image
    assert image.runtime.env()["PATH"].startswith(f"{image.venv_in_image}/bin:")
    env = image.env()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert image.run("driftwarden", "--version", env=env).strip() == f"driftwarden {version}"
    where = image.run("python", "-c", "import monitor.migrations as m; print(*m.__path__)", env=env)
    installed = Path(where.strip())
    assert installed.is_relative_to(image.venv), "imported from outside the venv"
    shipped = {p.name for p in (installed / "versions").glob("*.py")} - {"__init__.py"}
    assert shipped == {p.name for p in (ROOT / "alembic" / "versions").glob("*.py")}


def test_the_installed_cli_accepts_the_image_config(image: Image) -> None:
    env = image.env()
    out = image.run("driftwarden", "check-config", env=env)
    runtime_env = image.runtime.env()
    data = runtime_env["DRIFTWARDEN_DATA"]
    assert f"{image.config_source()}: OK, 1 monitor(s)" in out
    assert f"listen {runtime_env['DRIFTWARDEN_LISTEN']}," in out
    assert f"store: sqlite:///{data}/driftwarden.db   reports: {data}/reports" in out


@pytest.fixture
def served(image: Image) -> Iterator[tuple[Served, dict[str, str]]]:
    data = image.root / "data"
    data.mkdir(exist_ok=True)
    user = as_image_user(image, data)
    port = free_port()
    env = image.env(
        DRIFTWARDEN_DATA=str(data), DRIFTWARDEN_LISTEN=f"127.0.0.1:{port}", HOME=str(data)
    )
    image.run(
        "driftwarden",
        "demo",
        "--days",
        "2",
        "--no-report",
        "--database",
        str(data / "demo.db"),
        env=env,
        prefix=user,
    )
    argv = user + image.map_argv(
        image.runtime.one("ENTRYPOINT").exec_form() + image.runtime.one("CMD").exec_form()
    )
    log_path = image.root / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, env=env, cwd=data, stdout=log, stderr=subprocess.STDOUT)
    served = Served(process, f"http://127.0.0.1:{port}", log_path)
    try:
        yield served, env
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def healthcheck(image: Image) -> list[str]:
    args = image.runtime.one("HEALTHCHECK").args
    _, sep, command = args.partition(" CMD ")
    assert sep, args
    return dockerfile.Instruction("CMD", command).exec_form()


def test_the_entrypoint_serves_runs_and_the_healthcheck_follows_it(
    image: Image, served: tuple[Served, dict[str, str]]
) -> None:
    server, env = served
    probe = healthcheck(image)
    server.wait_for(lambda: server.get("/healthz").status_code == 200, 120, "/healthz")
    # Readiness follows liveness once the scheduler runs and the store answers.
    server.wait_for(lambda: server.get("/readyz").json()["status"] == "ready", 60, "/readyz")
    up = re.compile(r'^driftwarden_monitor_up\{monitor="churn"\} 1\.0$', re.M)
    server.wait_for(lambda: bool(up.search(server.get("/metrics").text)), 180, "a run")
    reports = Path(env["DRIFTWARDEN_DATA"]) / "reports" / "churn"
    server.wait_for(lambda: any(reports.glob("*.html")), 180, "the run's report")
    # Served as the image's non-root user, writing only to the data volume.
    uid = process_uid(server.process.pid)
    assert uid != 0
    if os.geteuid() == 0:
        assert uid == image_user(image.runtime)[0]
    written = [*reports.glob("*.html"), Path(env["DRIFTWARDEN_DATA"]) / "driftwarden.db"]
    assert {p.stat().st_uid for p in written} == {uid}
    assert subprocess.run(probe, env=env, timeout=30).returncode == 0

    server.signal(signal.SIGTERM)
    assert server.stop() == 0, server.log()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/healthz", timeout=2)
    assert subprocess.run(probe, env=env, capture_output=True, timeout=30).returncode != 0
