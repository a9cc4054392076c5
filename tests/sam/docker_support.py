"""Is `sam local` usable here? Detection only, for tests that run SAM against Docker.

Starting the daemon and building the Lambda base image is left to the caller
(`scripts/docker-up.sh`, `scripts/install-sam.sh`, `scripts/build-lambda-image.sh`, run by
.ci/run in CI): it needs root, apt and a minute or two, and it leaves a daemon running
that someone must stop. A test session should not do that behind a developer's back, and
with pytest-xdist every worker would race to do it. Here we only look.

Rule: locally an unusable Docker skips the SAM tests, with the command that fixes it;
in CI (CI=true) it fails them, so a broken setup can never pass as "all skipped".
"""

from __future__ import annotations

import functools
import http.client
import os
import socket
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAM_ENV_SCRIPT = REPO / "scripts" / "sam-env.sh"
# What samcli 1.170.0 runs for Runtime python3.12 on x86_64 (scripts/build-lambda-image.sh).
BASE_IMAGE = "public.ecr.aws/lambda/python:3.12-x86_64"
SETUP_HINT = (
    "bash scripts/install-sam.sh && bash scripts/docker-up.sh && "
    "bash scripts/build-lambda-image.sh (root; stop with scripts/docker-down.sh)"
)


@functools.cache
def sam_env() -> dict[str, str]:
    """os.environ plus what scripts/sam-env.sh exports: pass it to every sam command."""
    out = subprocess.run(
        ["bash", "-c", 'source "$1" && env -0', "_", str(SAM_ENV_SCRIPT)],
        capture_output=True,
        check=True,
    ).stdout.decode()
    return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def _docker_get(sock_path: str, url: str, timeout: float = 5.0) -> int:
    """Status of a GET on the Docker API socket (no docker client needed)."""
    conn = _UnixHTTPConnection(sock_path, timeout)
    try:
        conn.request("GET", url)
        return conn.getresponse().status
    finally:
        conn.close()


def docker_problem() -> str | None:
    """None when `sam local` can run here, else why not and how to fix it."""
    env = sam_env()
    if not os.access(env["SAM_BIN"], os.X_OK):
        return f"sam not installed at {env['SAM_BIN']}; run: {SETUP_HINT}"
    sock_path = env["DOCKER_HOST"].removeprefix("unix://")
    if not Path(sock_path).exists():
        return f"no Docker daemon socket at {sock_path}; run: {SETUP_HINT}"
    try:
        if _docker_get(sock_path, "/_ping") != 200:
            return f"Docker daemon at {sock_path} does not answer /_ping; run: {SETUP_HINT}"
        if _docker_get(sock_path, f"/images/{BASE_IMAGE}/json") != 200:
            return f"image {BASE_IMAGE} missing; run: bash scripts/build-lambda-image.sh"
    except OSError as exc:
        return f"Docker daemon at {sock_path} unreachable ({exc}); run: {SETUP_HINT}"
    return None


def require_docker() -> dict[str, str]:
    """The sam environment; skips the test locally, fails it in CI, if Docker is unusable."""
    problem = docker_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and Docker is unusable: {problem}", pytrace=False)
        pytest.skip(problem)
    return sam_env()


@pytest.fixture(scope="session")
def sam_local() -> dict[str, str]:
    """Environment for `subprocess.run([env["SAM_BIN"], "local", ...], env=env)`."""
    return require_docker()
