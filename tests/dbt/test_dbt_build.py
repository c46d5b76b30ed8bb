"""`dbt build` on the tiny district, and what metric_values must hold afterwards."""

from __future__ import annotations

import csv
from pathlib import Path

import dbt_harness
from dbt_harness import DBT_DIR, REBUILT_FACTS

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


def test_a_resent_day_replaces_its_rows_in_the_facts(tiny_copy):
    """A day re-sent without a row, after a build: the row leaves the facts, and a key whose
    newer version was in that row falls back to its earlier version. (The former incremental
    facts kept both stale rows.) The rebuilt facts equal a full refresh."""
    select = list(REBUILT_FACTS)
    later = "timestamp '2099-01-01 00:00:00'"
    # Lab item A gets a newer version, recognised flipped, in a delivery of its own.
    report_a, seq_a, recognised_a = tiny_copy.sql(
        "select report_id, item_seq, recognised from raw.lab_results "
        "order by report_id, item_seq limit 1")[0]
    tiny_copy.sql(f"""
        insert into raw.lab_results
        select * replace (1 - recognised as recognised, date '2099-01-01' as _delivery_date,
                          {later} as _loaded_at)
        from raw.lab_results where report_id = '{report_a}' and item_seq = {seq_a}""")
    # Imaging study B: delivered once, on a day that is re-sent without it below.
    accession_b, day_b = tiny_copy.sql(
        "select accession_no, _delivery_date from raw.imaging_studies "
        "qualify count(*) over (partition by accession_no) = 1 "
        "order by accession_no limit 1")[0]
    tiny_copy("run", "--select", *select)
    assert tiny_copy.sql(f"select recognised from marts.fct_lab_results where report_id = "
                         f"'{report_a}' and item_seq = {seq_a}") == [(1 - recognised_a,)]
    assert tiny_copy.sql(f"select count(*) from marts.fct_imaging_studies "
                         f"where accession_no = '{accession_b}'") == [(1,)]

    # The re-sends, as ingestion applies them: the day's rows replaced by the new delivery.
    tiny_copy.sql("delete from raw.lab_results where _delivery_date = date '2099-01-01'")
    tiny_copy.sql(f"delete from raw.imaging_studies where accession_no = '{accession_b}'")
    tiny_copy.sql(f"update raw.imaging_studies set _loaded_at = {later} "
                  f"where _delivery_date = date '{day_b}'")
    tiny_copy("run", "--select", *select)
    assert tiny_copy.sql(f"select recognised from marts.fct_lab_results where report_id = "
                         f"'{report_a}' and item_seq = {seq_a}") == [(recognised_a,)]
    assert tiny_copy.sql(f"select count(*) from marts.fct_imaging_studies "
                         f"where accession_no = '{accession_b}'") == [(0,)]

    tiny_copy.sql("create schema if not exists rebuilt")
    for fact in select:
        tiny_copy.sql(f"create table rebuilt.{fact} as select * from marts.{fact}")
    tiny_copy("run", "--full-refresh", "--select", *select)
    for fact in select:
        differences = tiny_copy.sql(f"""
            select count(*) from (
                (select * from rebuilt.{fact} except all select * from marts.{fact})
                union all
                (select * from marts.{fact} except all select * from rebuilt.{fact}))""")
        assert differences == [(0,)], fact


def test_profile_reads_the_warehouse_path_from_the_environment():
    profile = (DBT_DIR / "profiles.yml").read_text(encoding="utf-8")
    assert "env_var('DUCKDB_PATH')" in profile
    assert Path(DBT_DIR / "dbt_project.yml").exists()
