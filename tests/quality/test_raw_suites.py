"""The raw suites on hand-made settlements (tests/quality/scratch.py): 56 days of
about 60 rows, each day with one legitimate reversal."""

import json
from datetime import date, timedelta

import duckdb
import pytest

from expectations import validate_raw_table
from expectations.context import data_docs_dir, data_docs_index, deferred_requests, get_context
from expectations.dagster_adapter import to_check_result
from expectations.gate import REDACTED
from tests.quality import scratch

BAD_DAY = date(2025, 2, 19)  # a Wednesday with four weeks of judged history


@pytest.fixture(scope="module")
def gx_context(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("gx")
    return data_dir, get_context(data_dir)


@pytest.fixture
def warehouse(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    scratch.create_raw_settlements(con)
    yield con
    con.close()


def validate(con, gx_context):
    data_dir, context = gx_context
    return validate_raw_table(con, "settlements", data_dir, context=context, build_docs=False)


def failures(outcome, severity="ERROR"):
    """{(suite, expectation, column)} of the failed expectations of one severity."""
    return {(s.suite, f.expectation, ",".join(f.columns)) for s in outcome.suites
            for f in s.failed if f.severity == severity}


def failure(outcome, suite, column):
    return next(f for s in outcome.suites if s.suite == suite for f in s.failed
                if f.columns == [column])


def test_clean_month_passes_every_suite(warehouse, gx_context):
    outcome = validate(warehouse, gx_context)
    assert outcome.errors == [] and outcome.warnings == [], outcome.failed_expectation_names()
    suites = {s.suite: s for s in outcome.suites}
    assert set(suites) == {"raw.settlements.schema", "raw.settlements", "raw.settlements.daily"}
    assert suites["raw.settlements"].rows == sum(
        scratch.DAILY_ROWS[i % len(scratch.DAILY_ROWS)] for i in range(scratch.DAYS))
    assert suites["raw.settlements.daily"].rows == scratch.DAYS
    assert to_check_result(outcome).passed


def test_day_with_40_percent_missing_fails_the_volume_expectation(warehouse, gx_context):
    left = scratch.delete_day_share(warehouse, BAD_DAY, 0.4)
    outcome = validate(warehouse, gx_context)
    assert failures(outcome) == {
        ("raw.settlements.daily", "expect_column_values_to_be_between",
         "volume_ratio_significant")}
    volume = failure(outcome, "raw.settlements.daily", "volume_ratio_significant")
    assert volume.unexpected_count == 1
    # 2025-02-19 (59 rows) is a Wednesday; the previous four Wednesdays had 62, 61, 58 and 60
    # rows: median 60.5
    assert left == 35
    assert volume.sample_values == [pytest.approx(35 / 60.5)]
    assert volume.sample_rows[0]["delivery_date"].startswith("2025-02-19")
    result = to_check_result(outcome)
    assert not result.passed and result.severity.value == "ERROR"


def _lab_feed_like_settlements(con, quiet_share: float = 0.0) -> None:
    """Another system's steady feed with the settlements' daily volumes (all the district
    measure reads of it: rows per delivery day), `quiet_share` of BAD_DAY's rows missing."""
    con.execute("CREATE TABLE raw.lab_results AS "
                "SELECT _delivery_date, _source_line FROM raw.settlements")
    total = con.execute("SELECT count(*) FROM raw.lab_results WHERE _delivery_date = ?",
                        [BAD_DAY]).fetchone()[0]
    con.execute("DELETE FROM raw.lab_results WHERE _delivery_date = ? AND _source_line > ?",
                [BAD_DAY, round(total * (1 - quiet_share))])


def test_a_drop_on_a_day_every_system_was_quiet_is_a_holiday_not_a_block(warehouse,
                                                                          gx_context):
    """Spring Festival: the labs are down 40 % too, so the settlements' drop is the district's
    calendar (recorded as a WARN), not a partial delivery."""
    _lab_feed_like_settlements(warehouse, quiet_share=0.4)
    scratch.delete_day_share(warehouse, BAD_DAY, 0.4)
    outcome = validate(warehouse, gx_context)
    assert failures(outcome) == set()
    assert failures(outcome, "WARN") == {
        ("raw.settlements.daily", "expect_column_values_to_be_between",
         "volume_ratio_district_quiet")}
    assert failure(outcome, "raw.settlements.daily",
                   "volume_ratio_district_quiet").sample_values == [pytest.approx(35 / 60.5)]
    assert to_check_result(outcome).severity.value == "WARN"  # recorded, not blocking


def test_a_drop_while_the_other_systems_delivered_as_usual_still_blocks(warehouse, gx_context):
    _lab_feed_like_settlements(warehouse)
    scratch.delete_day_share(warehouse, BAD_DAY, 0.4)
    outcome = validate(warehouse, gx_context)
    assert failures(outcome) == {
        ("raw.settlements.daily", "expect_column_values_to_be_between",
         "volume_ratio_significant")}


def test_day_with_10_percent_missing_is_within_noise_or_passes(warehouse, gx_context):
    scratch.delete_day_share(warehouse, BAD_DAY, 0.1)
    assert validate(warehouse, gx_context).errors == []


def test_flipped_sign_day_that_ingestion_quarantined(warehouse, gx_context):
    """Every non-reversal amount negated: ingestion quarantines each row as negative_amount,
    so raw holds nothing for the day; the daily suite sees the quarantine share and the
    volume drop."""
    rows = warehouse.execute("SELECT * EXCLUDE (_source_file, _source_line, _delivery_date, "
                             "_loaded_at, _batch_id) FROM raw.settlements WHERE "
                             "_delivery_date = ?", [BAD_DAY]).df().to_dict("records")
    warehouse.execute("DELETE FROM raw.settlements WHERE _delivery_date = ?", [BAD_DAY])
    scratch.insert_day(warehouse, BAD_DAY, rows, schema="quarantine", reason="negative_amount")
    outcome = validate(warehouse, gx_context)
    assert failures(outcome) == {
        ("raw.settlements.daily", "expect_column_values_to_be_between", column)
        for column in ("volume_ratio_significant", "quarantine_share_significant",
                       "negative_amount_share_significant")}
    assert failure(outcome, "raw.settlements.daily",
                   "quarantine_share_significant").sample_values == [1.0]


def test_flipped_sign_day_that_slipped_through_as_reversals(warehouse, gx_context):
    """Negated amounts on rows flagged as reversals pass ingestion's per-row rule; the day's
    net amount and its reversal share give it away (and the reversals have no origin)."""
    money = ", ".join(f"{m} = -{m}" for m in scratch.SETTLEMENT_MONEY)
    warehouse.execute(f"UPDATE raw.settlements SET {money}, refd_setl_flag = 1 - refd_setl_flag "
                      "WHERE _delivery_date = ?", [BAD_DAY])
    outcome = validate(warehouse, gx_context)
    daily = {f[2] for f in failures(outcome) if f[0] == "raw.settlements.daily"}
    assert daily == {"reversal_share_significant"}
    assert ("raw.settlements.daily", "expect_column_values_to_be_between",
            "net_medfee_sumamt") in failures(outcome, "WARN")
    # Row by row each looks plausible: a negative "reversal" or a positive settlement. Only the
    # reversals' missing origin is recorded (WARN: orphan reversals exist in real feeds).
    assert {f for f in failures(outcome) if f[0] == "raw.settlements"} == set()
    assert ("raw.settlements", "expect_column_values_to_be_in_set",
            "_chk_reversal_has_origin") in failures(outcome, "WARN")
    net = failure(outcome, "raw.settlements.daily", "net_medfee_sumamt")
    expected_rows = scratch.DAILY_ROWS[(BAD_DAY - scratch.FIRST_DAY).days % len(scratch.DAILY_ROWS)]
    assert net.sample_values == [-100.0 * (expected_rows - 2)]


def test_a_quiet_day_of_reversals_in_a_small_district_does_not_block(gx_context, tmp_path):
    """Five settlements a day (too few to judge the volume); on BAD_DAY three of them reverse
    earlier days' settlements: a reversal share of 0.6 and a net of −100 yuan, ordinary at this
    size, so recorded (net, WARN) but not blocking (the share is judged from 20 rows on)."""
    con = duckdb.connect(str(tmp_path / "small.duckdb"))
    scratch.create_raw_settlements(con, days=0)
    earlier = []
    for offset in range(scratch.DAYS):
        day = scratch.FIRST_DAY + timedelta(days=offset)
        if day == BAD_DAY:
            rows = scratch.settlement_rows(day, 3)[:2]  # two new settlements
            rows += [scratch._reversal_of(original, 3 + i) for i, original in
                     enumerate(earlier[-3:])]
        else:
            rows = scratch.settlement_rows(day, 5)
            earlier.append(rows[1])
        scratch.insert_day(con, day, rows)
    outcome = validate(con, gx_context)
    con.close()
    assert failures(outcome) == set()
    assert failures(outcome, "WARN") >= {
        ("raw.settlements.daily", "expect_column_values_to_be_between", "net_medfee_sumamt")}


def test_unhashed_pii_fails_and_never_reaches_the_metadata(warehouse, gx_context):
    warehouse.execute("UPDATE raw.settlements SET certno = '150602196005010018' "
                      "WHERE _delivery_date = ? AND _source_line = 3", [BAD_DAY])
    outcome = validate(warehouse, gx_context)
    assert failures(outcome) == {("raw.settlements", "expect_column_values_to_match_regex",
                                  "certno")}
    certno = failure(outcome, "raw.settlements", "certno")
    assert certno.unexpected_count == 1
    assert certno.sample_values == [REDACTED]
    assert certno.sample_rows == [{"certno": REDACTED, "_delivery_date": "2025-02-19T00:00:00",
                                   "_source_file": scratch.RAW_FILE, "_source_line": 3}]
    metadata = to_check_result(outcome).metadata
    dumped = json.dumps({k: getattr(v, "value", v) for k, v in metadata.items()},
                        default=str, ensure_ascii=False)
    assert "150602196005010018" not in dumped


def test_amount_invariant_and_schema_drift(warehouse, gx_context):
    warehouse.execute("UPDATE raw.settlements SET psn_part_amt = 31 "
                      "WHERE _delivery_date = ? AND _source_line = 5", [BAD_DAY])
    warehouse.execute("ALTER TABLE raw.settlements ADD COLUMN stray VARCHAR")
    outcome = validate(warehouse, gx_context)
    errors = failures(outcome)
    assert ("raw.settlements", "expect_column_values_to_be_between",
            "_chk_medfee_balance_gap") in errors
    assert ("raw.settlements", "expect_column_values_to_be_between",
            "_chk_personal_part_gap") in errors
    assert ("raw.settlements.schema", "expect_column_values_to_be_in_set",
            "column_type") in errors
    assert ("raw.settlements", "expect_table_columns_to_match_set", "") in errors


def test_rows_are_read_in_whole_days_within_the_row_budget(warehouse):
    from consortium_dw.contract import TABLES
    from expectations.raw_gate import day_batches

    batches = list(day_batches(warehouse, TABLES["settlements"], row_budget=200))
    # 58 + 62 + 60 and 61 + 59 + 58 rows fit in 200; a fourth day would not
    assert [len(frame) for _, frame in batches][:2] == [180, 178]
    assert all(frame["_delivery_date"].nunique() <= 3 for _, frame in batches)
    assert sum(len(frame) for _, frame in batches) == warehouse.execute(
        "SELECT count(*) FROM raw.settlements").fetchone()[0]
    only = list(day_batches(warehouse, TABLES["settlements"], days=[BAD_DAY]))
    assert [label for label, _ in only] == ["2025-02-19..2025-02-19"]


def test_a_passing_gate_defers_its_pages_and_a_failing_gate_renders_them_at_once(warehouse,
                                                                                  tmp_path):
    """Each build of the site pays a fixed cost (5.5 s of the city extra day's 13 raw gates):
    a raw gate that passed leaves its pages and the index to the metric_values gate at the end
    of the build; a raw gate that failed renders them at once, with the deferred ones."""
    data_dir = tmp_path / "docs"
    context = get_context(data_dir)
    index = data_docs_index(data_dir)
    validations = data_docs_dir(data_dir) / "validations"
    assert validate_raw_table(warehouse, "settlements", data_dir, context=context).passed
    assert not list(validations.rglob("*.html"))
    assert not index.exists()
    assert [r.suites for r in deferred_requests(data_dir)] == [
        ["raw.settlements.schema", "raw.settlements", "raw.settlements.daily"]]

    scratch.delete_day_share(warehouse, BAD_DAY, 0.4)
    assert not validate_raw_table(warehouse, "settlements", data_dir, context=context).passed
    assert index.exists()
    # schema, the rows (one batch) and the daily profile, of both gates
    assert len(list(validations.rglob("*.html"))) == 6
    assert deferred_requests(data_dir) == []
