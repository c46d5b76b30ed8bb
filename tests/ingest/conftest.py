"""Fixtures of the ingestion tests: a hand-made landing folder and a warehouse connection."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tests.ingest.handmade import write_reference

DAY = date(2025, 1, 2)


@pytest.fixture
def landing(tmp_path):
    root = tmp_path / "landing"
    write_reference(root)
    return root


@pytest.fixture
def warehouse(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield con
    con.close()
