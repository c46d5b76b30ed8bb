"""fct_metric_drillthrough filters each source at its date (macros/explain/): it must still hold
exactly the month rows of explain.fct_metric_contributions for the latest N months."""

from __future__ import annotations

import dbt_harness
import pytest

# The harness's fixtures, made visible to pytest in this module.
dbt_manifest = dbt_harness.dbt_manifest
tiny_copy = dbt_harness.tiny_copy

DRILLTHROUGH = "model.consortium_dw.fct_metric_drillthrough"


@pytest.fixture
def drillthrough_dbt(tiny_copy):
    """tiny_copy, with the drill-through's ephemeral lineage CTEs injected again on its next
    compile: the harness reuses one parsed manifest, and dbt marks a node's CTEs as injected
    there after its first compile, so a later run of it in the session would leave them out."""
    tiny_copy.manifest.nodes[DRILLTHROUGH].extra_ctes_injected = False
    return tiny_copy


COLUMNS = ("metric_code, period_type, period_start, scope_type, scope_code, role, row_key, "
           "count_key, aggregation, person_key, contribution, source_system, source_table, "
           "source_file, source_line, delivery_date, note")


def _rows_only_on_one_side(dbt, months: int) -> tuple[int, int, int]:
    window = f"""
        select {COLUMNS} from explain.fct_metric_contributions
        where period_type = 'month'
            and period_start >= (select max(period_start) - interval ({months - 1}) month
                                 from marts.metric_values where period_type = 'month')"""
    served = f"select {COLUMNS} from marts.fct_metric_drillthrough"
    [(only_served,)] = dbt.sql(f"select count(*) from ({served} except all {window})")
    [(only_view,)] = dbt.sql(f"select count(*) from ({window} except all {served})")
    [(total,)] = dbt.sql("select count(*) from marts.fct_metric_drillthrough")
    return only_served, only_view, total


def test_drillthrough_is_the_month_rows_of_the_explain_view(drillthrough_dbt):
    # Three months: the window crosses month boundaries and every contribution family.
    drillthrough_dbt("run", "--select", "fct_metric_drillthrough",
              "--vars", "{drillthrough_months: 3}")
    only_served, only_view, total = _rows_only_on_one_side(drillthrough_dbt, 3)
    assert (only_served, only_view) == (0, 0)
    months = {m for (m,) in drillthrough_dbt.sql(
        "select distinct period_start from marts.fct_metric_drillthrough")}
    assert len(months) == 3 and total > 0
    families = {s for (s,) in drillthrough_dbt.sql(
        "select distinct source_table from marts.fct_metric_drillthrough")}
    assert {"settlements", "fd_contracts", "outpatient_visits", "chronic_followups"} <= families


def test_zero_months_serves_no_rows(drillthrough_dbt):
    drillthrough_dbt("run", "--select", "fct_metric_drillthrough",
                     "--vars", "{drillthrough_months: 0}")
    assert drillthrough_dbt.sql("select count(*) from marts.fct_metric_drillthrough") == [(0,)]
