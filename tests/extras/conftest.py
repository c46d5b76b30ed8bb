from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.extras.handmade_serving import write_handmade_serving


def pdf_text(pdf: Path) -> str:
    """The text of a PDF as pdftotext (Debian poppler-utils) extracts it."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run `make setup-browser` (installs poppler-utils)")
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


REPO = Path(__file__).resolve().parents[2]


def run_module(*args: str) -> subprocess.CompletedProcess:
    """`python -m …` as the Makefile runs it (PYTHONPATH=src:.)."""
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}"}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          check=False, env=env, cwd=REPO)


@pytest.fixture()
def handmade_serving(tmp_path) -> Path:
    return write_handmade_serving(tmp_path / "serving.duckdb")
