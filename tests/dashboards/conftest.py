"""One Superset for the dashboard tests: provisioned from dashboards/ on the tiny district's
served file, served by gunicorn from .venv-superset on a free port, stopped at the end.

Everything Superset writes (metadata DB, secret key, passwords) goes to temp dirs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.dashboards.superset_api import GUNICORN, REPO, SUPERSET_PYTHON

STARTUP_LIMIT_S = 240


@dataclass(frozen=True)
class SupersetInstance:
    base_url: str
    env: dict[str, str]
    data_dir: Path
    secrets_dir: Path
    log: Path | None = None

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log else ""

    def password(self, username: str) -> str:
        return (self.secrets_dir / f"superset_{username}.password").read_text().strip()

    def provision(self) -> subprocess.CompletedProcess:
        return subprocess.run([str(SUPERSET_PYTHON), "-m", "dashboards.provision", "--quiet"],
                              cwd=REPO, env=self.env, capture_output=True, text=True,
                              timeout=600)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Superset exited at start-up:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/health", timeout=30).ok:
                return
        except requests.RequestException:  # not listening yet, or busy loading the app
            pass
        time.sleep(1)
    raise RuntimeError(f"Superset did not answer within {STARTUP_LIMIT_S} s:\n"
                       f"{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def superset(tiny_warehouse, tmp_path_factory) -> SupersetInstance:
    if not SUPERSET_PYTHON.exists():
        pytest.fail("the Superset environment .venv-superset is missing: run `make setup`")
    work = tmp_path_factory.mktemp("superset")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SUPERSET_")},
        "DATA_DIR": str(tiny_warehouse),
        "SUPERSET_HOME": str(work / "home"),
        "CONSORTIUM_SECRETS_DIR": str(work / "secrets"),
        "SUPERSET_CONFIG_PATH": str(REPO / "dashboards" / "superset_config.py"),
        "PYTHONPATH": f"{REPO / 'src'}:{REPO}",
    }
    instance = SupersetInstance("", env, Path(tiny_warehouse), work / "secrets")
    provisioned = instance.provision()
    assert provisioned.returncode == 0, provisioned.stderr[-3000:]

    port = _free_port()
    log = work / "gunicorn.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--worker-class", "gthread", "--threads", "8", "--timeout", "120",
             "superset.app:create_app()"],
            cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process, log)
        yield SupersetInstance(base_url, env, Path(tiny_warehouse), work / "secrets", log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
