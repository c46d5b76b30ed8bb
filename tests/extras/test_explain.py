"""`explain` on a hand-made case: it lists exactly the rows each metric counted.

The raw rows are in handmade_warehouse.py; the answers below were worked out by hand from them.
"""

from __future__ import annotations

from datetime import date

import pytest

from consortium_dw.explain import ExplainError, explain, parse_period, verify
from tests.extras.conftest import run_module
from tests.extras.handmade_warehouse import build_handmade_warehouse

SETTLEMENTS_0331 = "insurance/2025-03-31/settlements.parquet"


@pytest.fixture(scope="module")
def handmade_warehouse(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("explain")
    return build_handmade_warehouse(work_dir, "+fct_metric_contributions +metric_values")


def keys(result, role):
    return sorted(r["row_key"] for r in result.rows if r["role"] == role)


def test_in_district_rate_lists_the_valid_settlements_of_each_counted_encounter(
        handmade_warehouse):
    result = explain(handmade_warehouse, "in_district_rate", "2025-03", "district")
    # M1 (S1) and M3 (S3) outpatient in district, M4 inpatient in district: S4 was reversed by
    # S5, so only S6 makes it an encounter; M2 (S2) is out of district. S7 orphan reversal, S8
    # non-resident, S9 pharmacy and S10 invalid are counted nowhere.
    assert keys(result, "numerator") == ["setl_id:S1", "setl_id:S3", "setl_id:S6"]
    assert keys(result, "denominator") == ["setl_id:S1", "setl_id:S2", "setl_id:S3",
                                           "setl_id:S6"]
    assert (result.numerator, result.denominator) == (3, 4)
    assert result.recount == {"numerator": 3, "denominator": 4}
    lineage = {r["row_key"]: (r["source_system"], r["source_file"], r["source_line"],
                              r["delivery_date"]) for r in result.rows}
    # S3 was delivered on 03-12 and resent on 03-31: the resend is the row the metric used.
    assert lineage["setl_id:S3"] == ("insurance", SETTLEMENTS_0331, 3, date(2025, 3, 31))
    assert lineage["setl_id:S6"] == ("insurance", SETTLEMENTS_0331, 6, date(2025, 3, 31))
    assert {r["person_key"] for r in result.rows} == {"p-a", "p-b"}  # pseudonymised keys only


def test_outflow_rate_counts_persons(handmade_warehouse):
    result = explain(handmade_warehouse, "outflow_rate", "2025-03", "district:150602")
    assert keys(result, "numerator") == ["setl_id:S2"]
    assert keys(result, "denominator") == ["setl_id:S2", "setl_id:S6"]
    assert result.recount == {"numerator": 1, "denominator": 2}
    assert (result.numerator, result.denominator) == (1, 2)


def test_oop_ratio_sums_net_money_of_care_settlements(handmade_warehouse):
    result = explain(handmade_warehouse, "oop_ratio", "2025-03", "district")
    expected = ["setl_id:S1", "setl_id:S2", "setl_id:S3", "setl_id:S4", "setl_id:S5",
                "setl_id:S6"]
    assert keys(result, "numerator") == expected
    assert keys(result, "denominator") == expected
    # 30 + 400 + 10 + 500 − 500 + 450 and 100 + 1000 + 50 + 2000 − 2000 + 1800
    assert result.recount == {"numerator": 890, "denominator": 2950}
    assert (result.numerator, result.denominator) == (890, 2950)


def test_fd_signing_rate_lists_contracts_held_and_population_rows(handmade_warehouse):
    result = explain(handmade_warehouse, "fd_signing_rate", "2025-03", "township:150602001")
    # C3 was 解约 on 03-15, so it is not held on 03-31.
    assert keys(result, "numerator") == ["contract_id:C1", "contract_id:C2"]
    c1 = next(r for r in result.rows if r["row_key"] == "contract_id:C1")
    assert (c1["source_file"], c1["source_line"]) == ("phs/2025-03-01/fd_contracts.csv", 1)
    population = [r for r in result.rows if r["role"] == "denominator"]
    assert len(population) == 4
    assert {r["source_file"] for r in population} == {"ref/population.csv"}
    assert result.recount == {"numerator": 2, "denominator": 310}
    assert (result.numerator, result.denominator) == (2, 310)


def test_quarter_and_year_gather_the_same_march_rows(handmade_warehouse):
    for period in ("2025-Q1", "2025"):
        result = explain(handmade_warehouse, "in_district_rate", period, "district")
        assert keys(result, "numerator") == ["setl_id:S1", "setl_id:S3", "setl_id:S6"]


def test_cli_prints_the_rows_and_the_recount(handmade_warehouse):
    result = run_module("consortium_dw.explain", "--warehouse", str(handmade_warehouse),
                        "--metric", "in_district_rate", "--period", "2025-03",
                        "--scope", "district")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("matches the published") == 2
    assert f"{SETTLEMENTS_0331}\t6" in result.stdout

    unknown = run_module("consortium_dw.explain", "--warehouse", str(handmade_warehouse),
                         "--metric", "no_such_metric", "--period", "2025-03")
    assert unknown.returncode == 1
    assert "covers: " in unknown.stderr and "in_district_rate" in unknown.stderr


def test_a_period_with_no_published_value_is_a_clear_error(handmade_warehouse):
    with pytest.raises(ExplainError, match="no published value"):
        explain(handmade_warehouse, "in_district_rate", "2024-07", "district")


def test_period_syntax():
    assert parse_period("2025-03") == parse_period("2025-3")
    assert (parse_period("2025-Q2").period_type, parse_period("2025-Q2").period_start) == (
        "quarter", date(2025, 4, 1))
    assert parse_period("2025").period_type == "year"
    with pytest.raises(ExplainError):
        parse_period("March")


def test_every_value_of_every_covered_metric_recounts(handmade_warehouse):
    covered, mismatches = verify(handmade_warehouse)
    assert {"in_district_rate", "oop_ratio", "outflow_rate", "fd_signing_rate"} <= set(covered)
    assert mismatches == []


def test_covered_list_matches_the_dbt_models():
    """Each covered code is built by a model in dbt/models/marts/explain/ (its SQL is in the
    macros of dbt/macros/explain/), and no model builds rows for a code explain would refuse."""
    import re
    from pathlib import Path

    from consortium_dw.explain import COVERED_METRICS

    dbt_dir = Path(__file__).resolve().parents[2] / "dbt"
    sql_files = [*(dbt_dir / "models" / "marts" / "explain").glob("*.sql"),
                 *(dbt_dir / "macros" / "explain").glob("*.sql")]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sql_files)
    built = set(re.findall(r"\(\s*'([a-z0-9_]+)',\s*'(?:numerator|denominator)'", text))
    built |= set(re.findall(r"\('([a-z0-9_]+)', '[^']*', '(?:standard|controlled)'\)", text))
    built |= set(re.findall(r"'([a-z0-9_]+)' as metric_code", text))
    built |= set(re.findall(r"\('([a-z0-9_]+)', '(?:true|is_elderly = 1)'\)", text))
    assert built == set(COVERED_METRICS)
