"""metric_values suites and the atomic publish, on a hand-made mart (tests/quality/scratch.py):
three closed months (Jan–Mar 2025, deliveries up to 2025-03-31) of oop_ratio (district and
institution) and outflow_persons (district)."""

import os

import duckdb
import pytest

from consortium_dw.marts_file import connect_warehouse
from consortium_dw.publish import file_sha256, publish, temporary_path
from expectations import validate_marts
from expectations.context import get_context
from tests.quality import scratch


@pytest.fixture(scope="module")
def gx_context(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("gx_marts")
    return data_dir, get_context(data_dir)


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = connect_warehouse(path)
    scratch.create_metric_values(con)
    yield con
    con.close()


def error_columns(outcome):
    return {(s.suite, ",".join(f.columns)) for s in outcome.suites for f in s.errors}


def validate(con, gx_context):
    data_dir, context = gx_context
    return validate_marts(con, data_dir, context=context, build_docs=False)


def test_clean_mart_has_no_errors(warehouse, gx_context):
    outcome = validate(warehouse, gx_context)
    assert outcome.errors == []
    # most contract metrics are missing from this small mart: recorded, not blocking
    assert [f.columns for f in outcome.warnings] == [["metric_code"]]


def test_rate_outside_0_1_is_an_error(warehouse, gx_context):
    warehouse.execute("UPDATE marts.metric_values SET numerator = 120, value = 1.2 "
                      "WHERE metric_code = 'oop_ratio' AND scope_type = 'district' "
                      "AND period_start = DATE '2025-02-01' AND period_type = 'month'")
    outcome = validate(warehouse, gx_context)
    assert error_columns(outcome) == {("marts.metric_values", "_chk_rate_value"),
                                      ("marts.metric_values", "_chk_rate_numerator_excess")}
    rate = next(f for f in outcome.errors if f.columns == ["_chk_rate_value"])
    assert rate.sample_values == [1.2]
    assert rate.sample_rows[0]["metric_code"] == "oop_ratio"
    assert rate.sample_rows[0]["period_start"].startswith("2025-02-01")


def test_duplicate_grain_and_inconsistent_ratio(warehouse, gx_context):
    warehouse.execute("INSERT INTO marts.metric_values SELECT * FROM marts.metric_values "
                      "WHERE metric_code = 'outflow_persons' AND period_start = "
                      "DATE '2025-01-01'")
    warehouse.execute("UPDATE marts.metric_values SET value = 0.2 WHERE scope_type = "
                      "'institution' AND period_start = DATE '2025-03-01'")
    outcome = validate(warehouse, gx_context)
    assert error_columns(outcome) == {
        ("marts.metric_values", "metric_code,period_type,period_start,scope_type,scope_code"),
        ("marts.metric_values", "_chk_ratio_gap")}


def test_a_target_on_the_yearly_change_is_judged_on_yoy_change(warehouse, gx_context):
    """fd_signing_rate's target is "+0.01 a year or more": a rate of 0.40 that rose 0.02 in
    the year meets it, and saying otherwise is the inconsistency the suite warns about."""
    row = ("fd_signing_rate", "家庭医生签约率", "year", "2025-01-01", "district", "150602",
           400.0, 1000.0, 0.4, 0.01, ">=")
    warehouse.execute("INSERT INTO marts.metric_values VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true, 0.02)", row)

    def inconsistent():
        return [f.columns for f in validate(warehouse, gx_context).warnings
                if f.columns == ["_chk_meets_target_consistent"]]

    assert inconsistent() == []
    warehouse.execute("UPDATE marts.metric_values SET yoy_change = 0.005 "
                      "WHERE metric_code = 'fd_signing_rate'")
    assert inconsistent() == [["_chk_meets_target_consistent"]]


def test_missing_closed_month_is_incomplete(warehouse, gx_context):
    warehouse.execute("DELETE FROM marts.metric_values WHERE scope_type = 'district' "
                      "AND metric_code = 'oop_ratio' AND period_start = DATE '2025-02-01'")
    outcome = validate(warehouse, gx_context)
    assert error_columns(outcome) == {("marts.metric_values.completeness",
                                       "expected_district_key")}
    missing = outcome.errors[0]
    assert missing.sample_values == ["oop_ratio|district|2025-02"]
    # reported once, as the error, not again as a warning
    assert [f.columns for f in outcome.warnings] == [["metric_code"]]


def test_a_month_missing_below_the_district_is_recorded_not_blocking(warehouse, gx_context):
    """An institution with no source rows in a month publishes no row there (METRICS.md: no
    zero-filled rows), e.g. a lead hospital that referred no one: a warning, not a red gate."""
    warehouse.execute("DELETE FROM marts.metric_values WHERE scope_type = 'institution' "
                      "AND period_start = DATE '2025-02-01'")
    outcome = validate(warehouse, gx_context)
    assert outcome.errors == []
    gaps = [f for f in outcome.warnings if f.columns == ["expected_subdistrict_key"]]
    assert [f.sample_values for f in gaps] == [["oop_ratio|institution|2025-02"]]


def test_a_thin_metric_missing_a_district_month_is_not_a_gap(warehouse, gx_context):
    """Three out-of-district stays a month at the median: a month with none has no row
    (no source rows), which a small district sees by chance; neither a red gate nor a warning
    (a clean small district would warn on every build)."""
    for month in ("2025-01-01", "2025-03-01"):
        warehouse.execute(
            "INSERT INTO marts.metric_values VALUES ('outflow_referred_share', "
            f"'外转中规范转诊占比', 'month', DATE '{month}', 'district', '150602', 1, 3, 1 / 3, "
            "NULL, NULL, NULL, NULL)")
    outcome = validate(warehouse, gx_context)
    assert outcome.errors == []
    assert [f for f in outcome.warnings if f.columns == ["expected_subdistrict_key"]] == []


def test_the_open_month_is_not_required(warehouse, gx_context):
    """Deliveries end on 2025-03-20: March is open, so a metric without March rows is fine,
    while February is still required."""
    warehouse.execute("UPDATE audit.load_log SET delivery_date = DATE '2025-03-20'")
    warehouse.execute("DELETE FROM marts.metric_values WHERE metric_code = 'outflow_persons' "
                      "AND period_start = DATE '2025-03-01'")
    assert validate(warehouse, gx_context).errors == []
    warehouse.execute("DELETE FROM marts.metric_values WHERE metric_code = 'outflow_persons' "
                      "AND period_start = DATE '2025-02-01'")
    assert [f.sample_values for f in validate(warehouse, gx_context).errors] == [
        ["outflow_persons|district|2025-02"]]


# --- publish -----------------------------------------------------------------------------

def test_publish_copies_the_marts_only_and_atomically(warehouse, tmp_path):
    warehouse.execute("CREATE SCHEMA raw; CREATE TABLE raw.settlements AS SELECT 1 AS x")
    warehouse.execute("CREATE VIEW marts.v_oop AS SELECT * FROM marts.metric_values "
                      "WHERE metric_code = 'oop_ratio'")
    serving = tmp_path / "serve" / "serving.duckdb"
    # a stale temporary file from a publish killed half-way
    serving.parent.mkdir()
    temporary_path(serving).write_bytes(b"half a file")
    result = publish(warehouse, serving)
    assert result.tables == {"marts.metric_values": 10, "marts.v_oop": 7}
    assert sorted(os.listdir(serving.parent)) == ["serving.duckdb"]
    assert result.sha256 == file_sha256(serving)
    served = duckdb.connect(str(serving), read_only=True)
    try:
        relations = served.execute("SELECT table_schema, table_name, table_type FROM "
                                   "information_schema.tables ORDER BY 1, 2").fetchall()
        count, total = served.execute("SELECT count(*), sum(value) FROM marts.metric_values "
                                      "WHERE period_type = 'month'").fetchone()
        assert (count, total) == (9, pytest.approx(0.3 * 3 + 0.25 * 3 + 12.0 * 3))
    finally:
        served.close()
    assert relations == [("marts", "metric_values", "BASE TABLE"),
                         ("marts", "v_oop", "BASE TABLE"),
                         ("publication", "tables", "BASE TABLE")]


def test_publish_replaces_while_a_reader_holds_the_old_file(warehouse, tmp_path):
    serving = tmp_path / "serving.duckdb"
    publish(warehouse, serving)
    reader = duckdb.connect(str(serving), read_only=True)
    warehouse.execute("DELETE FROM marts.metric_values WHERE metric_code = 'outflow_persons'")
    try:
        publish(warehouse, serving)
        # the reader keeps its snapshot; a new reader sees the new file
        assert reader.execute("SELECT count(*) FROM marts.metric_values").fetchone()[0] == 10
    finally:
        reader.close()
    fresh = duckdb.connect(str(serving), read_only=True)
    assert fresh.execute("SELECT count(*) FROM marts.metric_values").fetchone()[0] == 7
    fresh.close()


def test_failed_publish_leaves_the_served_file_unchanged(warehouse, tmp_path):
    serving = tmp_path / "serving.duckdb"
    before = publish(warehouse, serving).sha256
    warehouse.execute("DROP TABLE marts.metric_values")
    with pytest.raises(RuntimeError, match="nothing to publish"):
        publish(warehouse, serving)
    assert file_sha256(serving) == before
    assert not temporary_path(serving).exists()


def test_publish_from_a_path(warehouse, tmp_path):
    path = warehouse.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                             "current_database()").fetchone()[0]
    warehouse.close()
    result = publish(path, tmp_path / "serving.duckdb")
    assert result.tables == {"marts.metric_values": 10}

