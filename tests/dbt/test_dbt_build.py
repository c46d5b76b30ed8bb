"""`dbt build` on the tiny district, and what metric_values must hold afterwards."""

from __future__ import annotations

import csv
from pathlib import Path

import dbt_harness
from dbt_harness import DBT_DIR, INCREMENTAL_FACTS

# The harness's fixtures, made visible to pytest in this module.
dbt_manifest = dbt_harness.dbt_manifest
tiny_copy = dbt_harness.tiny_copy

SEED = DBT_DIR / "seeds" / "metric_definitions.csv"


def seed_codes() -> set[str]:
    with SEED.open(encoding="utf-8") as handle:
        return {row["metric_code"] for row in csv.DictReader(handle)}


def test_build_is_green_on_the_tiny_district(tiny_copy):
    result = tiny_copy("build")
    kinds = {r.node.resource_type for r in result.result.results}
    assert {"model", "seed", "test", "unit_test"} <= {str(k) for k in kinds}


def test_metric_values_publishes_every_metric(tiny_copy):
    published = {code for (code,) in tiny_copy.sql(
        "select distinct metric_code from marts.metric_values")}
    assert published == seed_codes()
    assert {p for (p,) in tiny_copy.sql(
        "select distinct period_type from marts.metric_values")} == {"month", "quarter", "year"}


def test_district_scope_is_the_first_admdvs_by_file_order(tiny_copy):
    (first,) = tiny_copy.sql(
        "select admdvs from raw.ref_district order by _source_line limit 1")[0]
    codes = {c for (c,) in tiny_copy.sql(
        "select distinct scope_code from marts.metric_values where scope_type = 'district'")}
    assert codes == {first}


def test_no_rows_for_periods_without_source_rows(tiny_copy):
    # The tiny district delivers 2025-01 … 2025-03: no month after March may appear.
    late = tiny_copy.sql("select count(*) from marts.metric_values "
                         "where period_type = 'month' and period_start > date '2025-03-01'")
    assert late == [(0,)]


def test_cancelled_settlements_and_their_reversals_net_to_zero(tiny_copy):
    """A reversal carries the negated amounts of the settlement it cancels (EXTRACTS.md)."""
    (net,) = tiny_copy.sql("select coalesce(sum(medfee_sumamt), 0) from marts.fct_settlements "
                           "where settlement_status in ('cancelled', 'reversal')")[0]
    assert abs(float(net)) < 0.01
    counted = tiny_copy.sql("select count(*) from marts.fct_settlements "
                            "where settlement_status = 'orphan_reversal' and counts_in_money")
    assert counted == [(0,)]


def test_incremental_build_equals_full_refresh(tiny_copy):
    """Hold back the last deliveries, build, load them (and a re-sent row) later, build
    incrementally: the facts must equal a full refresh."""
    held = {"fct_lab_results": "lab_results", "fct_imaging_studies": "imaging_studies",
            "fct_fd_services": "fd_services", "fct_chronic_followups": "chronic_followups"}
    select = list(INCREMENTAL_FACTS)
    statements = ["create schema if not exists held"]
    for table in held.values():
        statements += [
            f"create table held.{table} as select * from raw.{table} "
            f"where _delivery_date > date '2025-03-15'",
            f"delete from raw.{table} where _delivery_date > date '2025-03-15'"]
    for statement in statements:
        tiny_copy.sql(statement)
    tiny_copy("run", "--full-refresh", "--select", *select)

    later = "timestamp '2099-01-01 00:00:00'"
    for table in held.values():
        tiny_copy.sql(f"insert into raw.{table} select * replace ({later} as _loaded_at) "
                      f"from held.{table}")
    # A lab item re-sent in a later delivery with its recognised flag flipped.
    report_id, item_seq, recognised = tiny_copy.sql(
        "select report_id, item_seq, recognised from raw.lab_results "
        "where _delivery_date <= date '2025-03-15' order by report_id, item_seq limit 1")[0]
    tiny_copy.sql(f"""
        insert into raw.lab_results
        select * replace (1 - recognised as recognised, date '2025-03-31' as _delivery_date,
                          {later} as _loaded_at)
        from raw.lab_results where report_id = '{report_id}' and item_seq = {item_seq}""")
    tiny_copy("run", "--select", *select)
    tiny_copy.sql("create schema if not exists incremental")
    for fact in select:
        tiny_copy.sql(f"create table incremental.{fact} as select * from marts.{fact}")

    tiny_copy("run", "--full-refresh", "--select", *select)
    for fact in select:
        differences = tiny_copy.sql(f"""
            select count(*) from (
                (select * from incremental.{fact} except all select * from marts.{fact})
                union all
                (select * from marts.{fact} except all select * from incremental.{fact}))""")
        assert differences == [(0,)], fact
    assert tiny_copy.sql(
        f"select recognised from marts.fct_lab_results "
        f"where report_id = '{report_id}' and item_seq = {item_seq}") == [(1 - recognised,)]


def test_profile_reads_the_warehouse_path_from_the_environment():
    profile = (DBT_DIR / "profiles.yml").read_text(encoding="utf-8")
    assert "env_var('DUCKDB_PATH')" in profile
    assert Path(DBT_DIR / "dbt_project.yml").exists()
