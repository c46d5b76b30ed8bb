"""Shared session fixtures: one tiny district generated once, and one warehouse built from it.

Tests that change data copy these first; the session copies are read-only by convention.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TEST_KEY = "test-only-pseudonym-key-0123456789abcdef"
TINY_SEED = 7


@pytest.fixture(scope="session", autouse=True)
def _pseudonym_key():
    os.environ["CONSORTIUM_PSEUDONYM_KEY"] = TEST_KEY
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    yield


@pytest.fixture(scope="session")
def tiny_landing(tmp_path_factory) -> Path:
    from consortium_dw.generator import generate

    landing = tmp_path_factory.mktemp("tiny") / "landing"
    generate("tiny", TINY_SEED, landing)
    return landing


@pytest.fixture(scope="session")
def tiny_warehouse(tiny_landing, tmp_path_factory) -> Path:
    """DATA_DIR after a full headless pipeline run over the tiny district."""
    from dagster_project.headless import run_pipeline

    data_dir = tmp_path_factory.mktemp("tiny_data")
    run_pipeline(tiny_landing, data_dir)
    return data_dir


DEMO_SEED = 20240101
# The demo's three years and scenario at a reduced population, so CI builds it in minutes; the
# full 100k-resident demo is what `make run` serves (docs/metrics.md has its figures).
DEMO_TEST_RESIDENTS = 6000


OTHER_TINY_SEED = 1


def _built_district(tmp_path_factory, size: str, seed: int, **generate_options) -> Path:
    """Generate a district into a fresh folder, run the real pipeline over it, return DATA_DIR."""
    from consortium_dw.generator import generate
    from dagster_project.headless import run_pipeline

    root = tmp_path_factory.mktemp(f"{size}_{seed}")
    generate(size, seed, root / "landing", **generate_options)
    run_pipeline(root / "landing", root / "data")
    return root / "data"


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Path:
    """DATA_DIR after the real pipeline over the demo district's three years (slow)."""
    return _built_district(tmp_path_factory, "demo", DEMO_SEED, residents=DEMO_TEST_RESIDENTS)


@pytest.fixture(scope="session")
def other_tiny_warehouse(tmp_path_factory) -> Path:
    """DATA_DIR after the real pipeline over the tiny district drawn at another seed (slow)."""
    return _built_district(tmp_path_factory, "tiny", OTHER_TINY_SEED)
