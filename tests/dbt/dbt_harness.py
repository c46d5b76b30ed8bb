"""dbt against real DuckDB files: one parse per session, each build on a copy of a warehouse.

Not a conftest and no __init__.py here on purpose: a package named `dbt` under tests/ would
shadow the real dbt package for the whole test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from consortium_dw.marts_file import connect_warehouse, marts_path

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"
# The facts that were incremental (delete+insert) until a re-sent day showed they kept dropped
# rows; fct_lab_results is incremental again, by replace_keys (test_incremental_models.py).
REBUILT_FACTS = ("fct_lab_results", "fct_imaging_studies", "fct_fd_services",
                     "fct_chronic_followups")


class Dbt:
    """dbt in-process on one warehouse file, reusing the session's parsed manifest."""

    def __init__(self, manifest, target_path: Path, database: Path):
        self.manifest = manifest
        self.target_path = target_path
        self.database = database

    def __call__(self, *args: str):
        from dbt.cli.main import dbtRunner

        os.environ["DUCKDB_PATH"] = str(self.database)
        result = dbtRunner(manifest=self.manifest).invoke(
            [*args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
             "--target-path", str(self.target_path), "--quiet"])
        failures = [f"{r.node.unique_id}: {r.status} {r.message}"
                    for r in (getattr(result.result, "results", None) or [])
                    if str(r.status) in ("error", "fail")]
        assert result.success and not failures, f"dbt {' '.join(args)} failed: {failures} " \
                                                f"{result.exception}"
        return result

    def sql(self, query: str):
        with connect_warehouse(self.database) as con:
            return con.execute(query).fetchall()


@pytest.fixture(scope="session")
def dbt_manifest(tmp_path_factory):
    from dbt.cli.main import dbtRunner

    target = tmp_path_factory.mktemp("dbt_target")
    # Node database names come from the file name: parse as "warehouse" like every copy.
    os.environ["DUCKDB_PATH"] = str(target / "warehouse.duckdb")
    result = dbtRunner().invoke(["parse", "--project-dir", str(DBT_DIR), "--profiles-dir",
                                 str(DBT_DIR), "--target-path", str(target), "--quiet"])
    assert result.success, result.exception
    return result.result


@pytest.fixture
def tiny_copy(tiny_warehouse, tmp_path, dbt_manifest) -> Dbt:
    """A private copy of the tiny warehouse, with dbt bound to it."""
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(Path(tiny_warehouse) / "warehouse.duckdb", database)
    shutil.copy(marts_path(Path(tiny_warehouse) / "warehouse.duckdb"), marts_path(database))
    return Dbt(dbt_manifest, tmp_path / "target", database)
