"""marts.metric_values equals an independent reference computed from the raw layer.

The reference (`tests/oracle/reference_metrics.py`) is written from METRICS.md and the
decisions in docs/metrics.md only, never from the dbt models; this test runs it on the tiny
district built by the real pipeline (the session fixture `tiny_warehouse`) and compares row for
row: the same set of (metric_code, period_type, period_start, scope_type, scope_code) keys, and
numerator, denominator and value equal within 1e-9 relative (both null counts as equal).
"""

from __future__ import annotations

import pandas as pd

from consortium_dw.marts_file import connect_warehouse
from expectations.mart_suites import ALL_METRICS as CONTRACT_METRICS
from tests.oracle.reference_metrics import (
    compare,
    published_metric_values,
    reference_metric_values,
    summarise,
)


def test_metric_values_match_the_reference(tiny_warehouse):
    con = connect_warehouse(tiny_warehouse / "warehouse.duckdb", read_only=True)
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
