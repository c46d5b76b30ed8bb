"""marts.metric_values equals an independent reference computed from the raw layer.

The reference (`tests/oracle/reference_metrics.py`) is written from METRICS.md and the
decisions in docs/metrics.md only, never from the dbt models; these tests run it on districts
built by the real pipeline and compare row for row: the same set of (metric_code, period_type,
period_start, scope_type, scope_code) keys, numerator, denominator, value, target and
yoy_change equal within 1e-9 relative, metric_name_zh, target_op and meets_target equal (both
null counts as equal).

Three districts, because each seed draws its own mix of reversals, re-delivered versions,
contract ends and small scopes: the tiny one every test shares, the tiny one at another seed,
and the demo's three years (period boundaries across years, the year-over-year growth
metrics).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from consortium_dw.marts_file import connect_warehouse
from expectations.mart_suites import ALL_METRICS as CONTRACT_METRICS
from tests.oracle.reference_metrics import (
    compare,
    published_metric_values,
    reference_metric_values,
    summarise,
)


def assert_metric_values_match_the_reference(data_dir: Path) -> None:
    con = connect_warehouse(data_dir / "warehouse.duckdb", read_only=True)
    try:
        reference = reference_metric_values(con)
        published = published_metric_values(con)
    finally:
        con.close()

    # Both cover every metric of the contract (an empty build cannot pass), and nothing else.
    contract_metrics = set(CONTRACT_METRICS)
    assert set(published["metric_code"]) == contract_metrics
    assert set(reference["metric_code"]) == contract_metrics

    diff = compare(reference, published)
    if not diff.empty:
        shown = diff.drop(columns=[c for c in diff.columns if c.startswith("bad_")])
        with pd.option_context(
            "display.width", 250, "display.max_columns", 20, "display.max_rows", 200
        ):
            detail = shown.head(100).to_string(index=False)
        raise AssertionError(
            f"{len(diff)} rows of marts.metric_values differ from the reference "
            f"(side: reference_only / published_only / both with a differing column)\n"
            f"{summarise(diff, reference, published)}\n\nfirst rows:\n{detail}"
        )


def test_metric_values_match_the_reference(tiny_warehouse):
    assert_metric_values_match_the_reference(tiny_warehouse)


@pytest.mark.slow
def test_metric_values_match_the_reference_at_another_seed(other_tiny_warehouse):
    assert_metric_values_match_the_reference(other_tiny_warehouse)


@pytest.mark.slow
def test_metric_values_match_the_reference_over_three_years(demo_warehouse):
    assert_metric_values_match_the_reference(demo_warehouse)
