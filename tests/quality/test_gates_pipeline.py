"""The gates in the real pipeline on the tiny district: a clean district passes, a bad batch
fails the right suite and leaves the served file as it was, and a killed pipeline recovers to
the numbers of an uninterrupted run."""

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckKey, AssetKey, AssetSelection, DagsterInstance, materialize

from consortium_dw.contract import TABLES
from consortium_dw.marts_file import connect_warehouse
from consortium_dw.publish import file_sha256
from dagster_project.assets.dbt import DBT_PROJECT_DIR
from dagster_project.assets.publish import SERVING_KEY, gate_check_keys, serving
from dagster_project.checks.quality import CHECK_NAME, metric_values_quality
from dagster_project.headless import DAGSTER_HOME_DIR, PipelineFailed, run_pipeline
from dagster_project.resources import WarehouseResource
from tests.quality import bad_batches

pytestmark = pytest.mark.slow
BAD_DAY = "2025-02-19"  # a Wednesday with three weeks of history before it


def copy_state(landing: Path, data_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the session's landing folder and of its built DATA_DIR."""
    new_landing, new_data = tmp_path / "landing", tmp_path / "data"
    shutil.copytree(landing, new_landing)
    shutil.copytree(data_dir, new_data, ignore=shutil.ignore_patterns(".pipeline.lock"))
    return new_landing, new_data


def gate_evaluations(data_dir: Path) -> dict[str, object]:
    """Latest evaluation of every gx_quality check, keyed `raw/<table>` or
    `marts/metric_values`."""
    with DagsterInstance.from_config(str(data_dir / DAGSTER_HOME_DIR)) as instance:
        latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            gate_check_keys())
    return {key.asset_key.to_user_string(): record.event.dagster_event.event_specific_data
            for key, record in latest.items() if record.event is not None}


def failed(evaluation, severity="ERROR") -> set[tuple[str, str]]:
    """{(suite, column)} of the failed expectations in a check's metadata."""
    listed = evaluation.metadata["failed_expectations"].value
    return {(f["suite"], ",".join(f["columns"])) for f in listed if f["severity"] == severity}


def metric_values(path: Path) -> list[tuple]:
    """marts.metric_values of a warehouse file (its marts file attached) or of the served file,
    which stands alone: attached, the marts file beside it would answer instead."""
    con = (duckdb.connect(str(path), read_only=True) if path.name == "serving.duckdb"
           else connect_warehouse(path, read_only=True))
    try:
        return con.execute("SELECT * FROM marts.metric_values ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_clean_tiny_district_passes_every_suite(tiny_warehouse):
    evaluations = gate_evaluations(tiny_warehouse)
    expected = {f"raw/{t}" for t in TABLES} | {"marts/metric_values"}
    assert set(evaluations) == expected
    errors = {key: failed(e) for key, e in evaluations.items() if failed(e)}
    assert errors == {}
    for key in expected - {"raw/lab_results"}:  # lab reports come in bursts: WARN on spikes
        assert evaluations[key].passed, (key, failed(evaluations[key], "WARN"))
    assert evaluations["marts/metric_values"].metadata["rows_validated"].value > 0
    assert (tiny_warehouse / "data_docs" / "index.html").is_file()
    served = duckdb.connect(str(tiny_warehouse / "serving.duckdb"), read_only=True)
    try:
        schemas = {r[0] for r in served.execute(
            "SELECT DISTINCT table_schema FROM information_schema.tables").fetchall()}
    finally:
        served.close()
    assert schemas == {"marts", "publication"}
    assert metric_values(tiny_warehouse / "serving.duckdb") == metric_values(
        tiny_warehouse / "warehouse.duckdb")


def test_flipped_sign_day_fails_settlements_and_blocks_publication(
        tiny_landing, tiny_warehouse, tmp_path):
    landing, data = copy_state(tiny_landing, tiny_warehouse, tmp_path)
    before = file_sha256(data / "serving.duckdb")
    bad_batches.flip_settlement_signs(landing / "insurance" / BAD_DAY)
    with pytest.raises(PipelineFailed, match="raw/settlements:gx_quality"):
        run_pipeline(landing, data)
    evaluations = gate_evaluations(data)
    assert {("raw.settlements.daily", "quarantine_share_significant"),
            ("raw.settlements.daily", "negative_amount_share_significant"),
            ("raw.settlements.daily", "volume_ratio_significant")} <= failed(
        evaluations["raw/settlements"])
    assert all(evaluations[f"raw/{t}"].passed or not failed(evaluations[f"raw/{t}"])
               for t in TABLES if t != "settlements")
    assert file_sha256(data / "serving.duckdb") == before


def test_his_day_with_40_percent_missing_blocks_publication(
        tiny_landing, tiny_warehouse, tmp_path):
    landing, data = copy_state(tiny_landing, tiny_warehouse, tmp_path)
    before = file_sha256(data / "serving.duckdb")
    kept = bad_batches.drop_share_of_rows(landing / "his" / BAD_DAY, 0.4)
    assert kept["resource_allocations.csv"] == 12  # of 20: the daily snapshot of 20 depts
    with pytest.raises(PipelineFailed, match="raw/resource_allocations:gx_quality"):
        run_pipeline(landing, data)
    evaluation = gate_evaluations(data)["raw/resource_allocations"]
    assert failed(evaluation) == {("raw.resource_allocations.daily",
                                   "volume_ratio_significant")}
    volume = next(f for f in evaluation.metadata["failed_expectations"].value
                  if f["columns"] == ["volume_ratio_significant"])
    assert volume["sample_values"] == [pytest.approx(12 / 20)]
    assert file_sha256(data / "serving.duckdb") == before


def test_metric_outside_unit_interval_fails_the_mart_gate_and_blocks_publication(
        tiny_warehouse, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(tiny_warehouse, data, ignore=shutil.ignore_patterns(".pipeline.lock"))
    before = file_sha256(data / "serving.duckdb")
    con = connect_warehouse(data / "warehouse.duckdb")
    changed = con.execute(
        "UPDATE marts.metric_values SET value = 1.25, numerator = 1.25 * denominator "
        "WHERE metric_code = 'fd_signing_rate' AND scope_type = 'district' "
        "AND period_type = 'month' AND period_start = DATE '2025-02-01'").fetchone()[0]
    con.close()
    assert changed == 1
    resources = {"warehouse": WarehouseResource(data_dir=str(data))}
    with DagsterInstance.from_config(str(data / DAGSTER_HOME_DIR)) as instance:
        checked = materialize([metric_values_quality], instance=instance, resources=resources,
                              selection=AssetSelection.all_asset_checks(),
                              raise_on_error=False)
        published = materialize([serving], instance=instance, resources=resources,
                                raise_on_error=False)
    (checked_evaluation,) = checked.get_asset_check_evaluations()
    assert not checked_evaluation.passed
    assert checked_evaluation.severity.value == "ERROR"
    evaluation = gate_evaluations(data)["marts/metric_values"]
    assert ("marts.metric_values", "_chk_rate_value") in failed(evaluation)
    sample = next(f for f in evaluation.metadata["failed_expectations"].value
                  if f["columns"] == ["_chk_rate_value"])
    assert sample["sample_values"] == [1.25]
    assert not published.success  # refused: the latest metric_values gate is red
    assert file_sha256(data / "serving.duckdb") == before
    assert AssetCheckKey(AssetKey(["marts", "metric_values"]), CHECK_NAME) in gate_check_keys()
    assert SERVING_KEY == AssetKey(["serving"])


# --- crash safety --------------------------------------------------------------------------

def run_until_killed(landing: Path, data: Path, marker: str) -> str:
    """Start the headless pipeline, SIGKILL its whole process group (dbt included) when a log
    line matches `marker`; returns the line."""
    # The child imports the project as pytest does (pyproject's pythonpath), with or without
    # the Makefile's PYTHONPATH.
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=os.pathsep.join(sys.path))
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster_project.headless", "--landing", str(landing),
         "--data-dir", str(data)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env=env, start_new_session=True)
    seen = None
    try:
        for line in process.stdout:
            if re.search(marker, line):
                seen = line
                os.killpg(process.pid, signal.SIGKILL)
                break
    finally:
        if process.poll() is None and seen is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert seen, f"the pipeline ended before {marker!r}"
    assert process.returncode == -signal.SIGKILL
    return seen


def test_killed_mid_ingest_then_mid_dbt_recovers_the_clean_numbers(
        tiny_landing, tiny_warehouse, tmp_path):
    clean = metric_values(tiny_warehouse / "warehouse.duckdb")
    data = tmp_path / "data"
    # killed while loading: one raw table done, the next one started
    run_until_killed(tiny_landing, data, r"raw\.\w+: \d+ files loaded")
    run_pipeline(tiny_landing, data)
    assert metric_values(data / "warehouse.duckdb") == clean
    published = file_sha256(data / "serving.duckdb")
    # killed while dbt builds: a model of the run has just been materialised
    run_until_killed(tiny_landing, data, r"dbt_warehouse - ASSET_MATERIALIZATION")
    assert file_sha256(data / "serving.duckdb") == published
    assert metric_values(data / "serving.duckdb") == clean
    run_pipeline(tiny_landing, data)
    assert metric_values(data / "warehouse.duckdb") == clean
    assert metric_values(data / "serving.duckdb") == clean
    # The last build started from the partial parse an earlier build of this warehouse left
    # (consortium_dw.dbt_run_targets), not from a parse for another warehouse.
    last = max(DBT_PROJECT_DIR.glob("target/dbt_warehouse-*"), key=lambda p: p.stat().st_mtime)
    assert "Unable to do partial parsing" not in (last / "dbt.log").read_text()
