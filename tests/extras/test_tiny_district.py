"""The pack and explain on the tiny district, after the real pipeline (tests/conftest.py)."""

from __future__ import annotations

import duckdb

from consortium_dw.explain import explain, verify
from consortium_dw.marts_file import connect_warehouse
from consortium_dw.report import build_report
from tests.extras.conftest import pdf_text

HEADLINES = ("in_district_rate", "health_literacy_level", "fd_signing_rate", "oop_ratio",
             "outflow_rate")


def _latest_month_and_headlines(serving):
    con = duckdb.connect(str(serving), read_only=True)
    try:
        month = con.execute("select max(period_start) from marts.metric_values "
                            "where period_type = 'month'").fetchone()[0]
        values = {}
        for code in HEADLINES:
            # The month's value; the yearly survey has only the year's (the pack says so).
            row = con.execute("""
                select value from marts.metric_values
                where metric_code = ? and scope_type = 'district'
                  and ((period_type = 'month' and period_start = ?)
                    or (period_type = 'year' and period_start = date_trunc('year', ?::date)))
                order by period_type = 'month' desc limit 1""", [code, month, month]).fetchone()
            values[code] = row[0] if row else None
    finally:
        con.close()
    return month, values


def test_tiny_month_pack_shows_each_headline_value(tiny_warehouse, tmp_path):
    serving = tiny_warehouse / "serving.duckdb"
    month, values = _latest_month_and_headlines(serving)
    text = pdf_text(build_report(serving, month.strftime("%Y-%m"), tmp_path / "pack.pdf"))
    assert f"{month.year}年{month.month}月" in text
    for code, value in values.items():
        assert value is not None, f"{code} has no published value for {month}"
        assert f"{value * 100:.1f}%" in text, f"{code} = {value:.4f} missing from the PDF"


def test_tiny_every_covered_value_recounts_from_its_source_rows(tiny_warehouse):
    covered, mismatches = verify(tiny_warehouse / "warehouse.duckdb")
    assert set(HEADLINES) <= set(covered)
    assert mismatches == []


def test_tiny_every_source_row_explains_a_published_value(tiny_warehouse):
    """The reverse of the recount: a contribution row whose metric × period × scope has no
    published value would show analysts the source of a number that does not exist (e.g. the
    population behind remote reads of an institution that read none: no row, not a 0)."""
    con = connect_warehouse(tiny_warehouse / "warehouse.duckdb", read_only=True)
    try:
        orphans = con.execute("""
            select metric_code, role, scope_type, count(*)
            from explain.fct_metric_contributions
            anti join marts.metric_values
                using (metric_code, period_type, period_start, scope_type, scope_code)
            group by all order by all""").fetchall()
    finally:
        con.close()
    assert orphans == []


def test_tiny_explain_traces_a_headline_to_source_lines(tiny_warehouse):
    warehouse = tiny_warehouse / "warehouse.duckdb"
    con = connect_warehouse(warehouse, read_only=True)
    month = con.execute("select max(period_start) from marts.metric_values where metric_code = "
                        "'in_district_rate' and period_type = 'month'").fetchone()[0]
    con.close()
    result = explain(warehouse, "in_district_rate", month.strftime("%Y-%m"), "district")
    assert result.recount == {"numerator": result.numerator, "denominator": result.denominator}
    assert result.rows and all(r["source_file"].startswith("insurance/")
                               and r["source_line"] >= 1 for r in result.rows)
