"""The tiny district through the real pipeline (DuckDB), then the same dbt project on Spark
local from the raw tables exported as Parquet: every model and test builds, and metric_values
is the same table (same grain, values equal within 1e-9 relative, nulls where DuckDB has
nulls)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pytest

from consortium_dw.marts_file import connect_warehouse
from consortium_dw.spark_build import build_on_spark

# The tiny pipeline plus a Spark build of every node: ~10 min alone, 30+ on a loaded machine.
pytestmark = [pytest.mark.spark, pytest.mark.timeout(3600)]

GRAIN = ("metric_code", "period_type", "period_start", "scope_type", "scope_code")
VALUES = ("numerator", "denominator", "value")
RELATIVE_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def spark_build(tiny_warehouse, tmp_path_factory):
    return build_on_spark(Path(tiny_warehouse) / "warehouse.duckdb",
                          tmp_path_factory.mktemp("spark"), shuffle_partitions=1)


def _rows(con: duckdb.DuckDBPyConnection, relation: str) -> dict[tuple, tuple]:
    columns = ", ".join(GRAIN + VALUES)
    rows = con.execute(f"select {columns} from {relation}").fetchall()
    keyed = {tuple(row[:len(GRAIN)]): tuple(row[len(GRAIN):]) for row in rows}
    assert len(keyed) == len(rows), f"{relation} repeats a grain"
    return keyed


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)


def test_every_model_and_test_builds_on_spark(spark_build):
    results = json.loads((spark_build.spark_dir.parent / "dbt" / "target" /
                          "run_results.json").read_text(encoding="utf-8"))["results"]
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "seed", "test", "unit_test"} <= kinds
    # `warn` is a data test configured with severity warn (the same rows warn on DuckDB).
    not_green = [f"{r['unique_id']}: {r['status']}" for r in results
                 if r["status"] not in ("success", "pass", "warn")]
    assert not_green == []


def test_metric_values_on_spark_equal_duckdb(spark_build, tiny_warehouse):
    with connect_warehouse(Path(tiny_warehouse) / "warehouse.duckdb", read_only=True) as con:
        expected = _rows(con, "marts.metric_values")
    with duckdb.connect() as con:
        parquet = (spark_build.metric_values_path / "*.parquet").as_posix()
        actual = _rows(con, f"read_parquet('{parquet}')")
    assert expected, "the DuckDB build published no metric rows"
    assert set(actual) == set(expected)
    different = [(grain, expected[grain], actual[grain]) for grain in expected
                 if not all(_same(e, a) for e, a in zip(expected[grain], actual[grain],
                                                        strict=True))]
    assert different == [], f"{len(different)} rows differ, e.g. {different[:5]}"


def test_tolerance_tells_float_noise_from_a_real_difference():
    assert _same(0.1 + 0.2, 0.3)
    assert not _same(1.0, 1.0 + 1e-6)
    assert not _same(None, 0.0)
    assert _same(None, None)
