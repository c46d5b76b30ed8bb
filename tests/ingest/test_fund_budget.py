"""ref/fund_budget.csv: optional, checked row by row, replaced whole (docs/budget.md)."""

from __future__ import annotations

from decimal import Decimal

from consortium_dw.ingest import load_reference
from tests.ingest.handmade import csv_bytes

COLUMNS = ["year", "group_code", "annual_budget", "monthly_prepayment"]


def _write_budget(landing, rows):
    (landing / "ref" / "fund_budget.csv").write_bytes(csv_bytes(COLUMNS, rows, "utf-8"))


def _loads(warehouse, landing):
    return {loaded.name: loaded for loaded in load_reference(warehouse, landing)}


def test_an_absent_budget_file_is_no_error_and_leaves_the_table_empty(warehouse, landing):
    loads = _loads(warehouse, landing)
    assert loads["fund_budget"].absent and loads["fund_budget"].refused is None
    assert warehouse.execute("SELECT count(*) FROM raw.ref_fund_budget").fetchone() == (0,)
    assert warehouse.execute("SELECT count(*) FROM quarantine.rejected_files").fetchone() == (0,)
    assert loads["institutions"].rows > 0


def test_invalid_rows_are_quarantined_with_their_reason_and_the_rest_load(warehouse, landing):
    _write_budget(landing, [
        {"year": "2025", "group_code": "G1", "annual_budget": "1200000.00",
         "monthly_prepayment": "90000.00"},
        {"year": "2025", "group_code": "G2", "annual_budget": "12O0000",
         "monthly_prepayment": "90000.00"},
        {"year": "2025", "group_code": "G3", "annual_budget": "-5.00",
         "monthly_prepayment": "0"},
        {"year": "2025", "group_code": "", "annual_budget": "100.00", "monthly_prepayment": ""},
        {"year": "2025", "group_code": "G1", "annual_budget": "1300000.00",
         "monthly_prepayment": "97500.00"},
        {"year": "2024", "group_code": "G1", "annual_budget": "1000000.5",
         "monthly_prepayment": ""},
    ])
    loads = _loads(warehouse, landing)
    assert (loads["fund_budget"].rows, loads["fund_budget"].quarantined) == (2, 4)
    assert warehouse.execute(
        "SELECT year, group_code, annual_budget, monthly_prepayment, _source_line "
        "FROM raw.ref_fund_budget ORDER BY _source_line").fetchall() == [
        (2025, "G1", Decimal("1200000.00"), Decimal("90000.00"), 1),
        (2024, "G1", Decimal("1000000.50"), None, 6)]
    assert warehouse.execute(
        "SELECT _source_line, _reason, annual_budget FROM quarantine.ref_fund_budget "
        "ORDER BY _source_line").fetchall() == [
        (2, "malformed_number", "12O0000"), (3, "negative_amount", "-5.00"),
        (4, "missing_required", "100.00"), (5, "duplicate_row", "1300000.00")]


def test_a_new_version_replaces_the_old_one_whole(warehouse, landing):
    _write_budget(landing, [
        {"year": "2025", "group_code": "G1", "annual_budget": "x", "monthly_prepayment": ""},
        {"year": "2025", "group_code": "G2", "annual_budget": "10.00", "monthly_prepayment": ""},
    ])
    load_reference(warehouse, landing)
    _write_budget(landing, [
        {"year": "2025", "group_code": "G1", "annual_budget": "20.00", "monthly_prepayment": ""},
    ])
    load_reference(warehouse, landing)
    load_reference(warehouse, landing)
    assert warehouse.execute(
        "SELECT group_code, annual_budget FROM raw.ref_fund_budget").fetchall() == [
        ("G1", Decimal("20.00"))]
    assert warehouse.execute("SELECT count(*) FROM quarantine.ref_fund_budget").fetchone() == (0,)
