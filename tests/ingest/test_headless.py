"""The headless runner: accounting as Dagster metadata, a clear failure for refused files,
and one writer per DATA_DIR."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import Definitions

from dagster_project.assets.ingest import reference_assets, table_assets
from dagster_project.headless import PipelineBusy, PipelineFailed, pipeline_lock, run_pipeline
from dagster_project.jobs import ingest_job
from dagster_project.resources import RESOURCES
from tests.ingest.conftest import DAY
from tests.ingest.handmade import full_delivery, rewrite_file

ROOT = Path(__file__).resolve().parents[2]

# Ingestion alone: the quality gates and dbt have their own tests on the generator's data.
INGEST_ONLY = Definitions(assets=[*reference_assets, *table_assets], resources=RESOURCES,
                          jobs=[ingest_job])


def run_ingest(landing, data_dir):
    return run_pipeline(landing, data_dir, job_name="ingest", definitions=INGEST_ONLY)


def test_ingest_job_loads_and_reports_accounting(landing, tmp_path):
    full_delivery(landing, "phs", DAY, n=3)
    full_delivery(landing, "phs", date(2025, 1, 3), n=2)
    report = run_ingest(landing, tmp_path / "data")
    assert report.rows["raw/fd_services"] == {"rows_read": 5, "rows_loaded": 5,
                                              "rows_quarantined": 0}
    assert (tmp_path / "data" / "dagster_home" / "dagster.yaml").is_file()
    again = run_ingest(landing, tmp_path / "data")
    assert again.rows["raw/fd_services"]["rows_read"] == 0  # unchanged files are skipped


def test_a_refused_file_fails_the_run_after_the_rest_loaded(landing, tmp_path):
    folder = full_delivery(landing, "phs", DAY, n=3)
    rewrite_file(folder, "fd_services.csv", b"not,the,header\n1,2,3\n", rows=1)
    with pytest.raises(PipelineFailed, match="raw/fd_services:files_trusted"):
        run_ingest(landing, tmp_path / "data")
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True)
    assert con.execute("SELECT file_name, reason FROM quarantine.rejected_files").fetchall() \
        == [("fd_services.csv", "wrong_header")]
    assert con.execute("SELECT count(*) FROM raw.fd_contracts").fetchall()[0][0] == 3
    con.close()


def test_a_second_pipeline_on_the_same_data_dir_refuses(landing, tmp_path):
    full_delivery(landing, "phs", DAY, n=1)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with pipeline_lock(data_dir):
        with pytest.raises(PipelineBusy, match="another pipeline is already writing"):
            run_ingest(landing, data_dir)
        other = subprocess.run(
            [sys.executable, "-m", "dagster_project.headless", "--landing", str(landing),
             "--data-dir", str(data_dir)], capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"})
    assert other.returncode == 2
    assert "another pipeline is already writing" in other.stderr
    assert not (data_dir / "warehouse.duckdb").exists()
