"""The raw-layer suites, derived from the extract contract (contract.py) so they cannot drift.

Three suites per raw table, reported together by the table's asset check:
- `raw.<table>.schema`: the table's columns and DuckDB types against the contract.
- `raw.<table>`: row rules on each delivery day's rows: nullability, code sets, ID formats,
  ranges, amount invariants and date windows. Ingestion already quarantined rows that break
  its row rules, so a failure here means a broken load or a rule that slipped through.
- `raw.<table>.daily`: one row per delivery day: volume against the previous days, the share
  of the delivery that went to quarantine, and (settlements) the day's net amount sign.

Columns named `_chk_*` are derived in SQL when the rows are read (raw_gate.py), because GX 1.x
on pandas has no per-row arithmetic across columns.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from consortium_dw.contract import LINEAGE_COLUMNS, SETTLEMENT_MONEY, TABLES, ColumnType, Table

ERROR = "critical"
WARN = "warning"

HASH_REGEX = r"^[0-9a-f]{64}$"
INSTITUTION_REGEX = r"^[A-Z][0-9A-Z]{11}$"
ICD10_REGEX = r"^[A-Z][0-9]{2}"

# The column dating a row's business event; the delivery day may not precede it.
EVENT_COLUMN = {
    "outpatient_visits": "visit_time",
    "inpatient_admissions": "updated_at",
    "referrals": "updated_at",
    "resource_allocations": "date",
    "lab_results": "reported_time",
    "imaging_studies": "exam_time",
    "discharge_abstracts": "discharge_date",
    "settlements": "setl_time",
    "fd_contracts": "updated_at",
    "fd_services": "service_date",
    "chronic_followups": "followup_date",
    "literacy_survey": "survey_date",
}
# Rows normally arrive the day they happen; later than this is recorded (WARN), not blocked.
LATE_ARRIVAL_DAYS = 45

# (column_A, column_B, severity): A >= B where both are present.
ORDERED_PAIRS = {
    "inpatient_admissions": [("discharge_time", "admit_time", ERROR),
                             ("updated_at", "admit_time", WARN)],
    "referrals": [("accepted_time", "referral_time", WARN)],
    "resource_allocations": [("outpatient_slots_total", "outpatient_slots_to_primary", ERROR),
                             ("beds_total", "beds_reserved_for_primary", ERROR)],
    "lab_results": [("reported_time", "collected_time", ERROR)],
    "imaging_studies": [("report_time", "exam_time", WARN)],
    "discharge_abstracts": [("discharge_date", "admit_date", ERROR)],
    "settlements": [("enddate", "begndate", ERROR)],
    "fd_contracts": [("end_date", "start_date", ERROR)],
    "chronic_followups": [("sbp", "dbp", WARN)],
}

# (column, min, max, severity)
RANGES = {
    "resource_allocations": [(c, 0, None, ERROR) for c in (
        "outpatient_slots_total", "outpatient_slots_to_primary", "beds_total",
        "beds_reserved_for_primary")],
    "lab_results": [("item_seq", 1, None, ERROR)],
    "outpatient_diagnoses": [("dx_seq", 1, None, ERROR)],
    "discharge_abstracts": [("los_days", 0, 3650, ERROR), ("drg_weight", 0, 30, WARN)],
    "chronic_followups": [("sbp", 40, 300, WARN), ("dbp", 20, 200, WARN),
                          ("fasting_glucose", 0.5, 50, WARN)],
    "literacy_survey": [("age", 0, 120, ERROR), ("score", 0, 100, ERROR),
                        ("knowledge_score", 0, 100, ERROR), ("behaviour_score", 0, 100, ERROR),
                        ("skill_score", 0, 100, ERROR), ("survey_year", 2000, 2100, ERROR)],
}

# Formats of non-PII identifiers (PII columns are checked as keyed hashes).
FORMATS = {
    "settlements": [("insu_admdvs", r"^[0-9]{6}$", ERROR),
                    ("fix_blng_admdvs", r"^[0-9]{6}$", ERROR)],
    "fd_contracts": [("township_code", r"^[0-9]{9}$", ERROR)],
    "literacy_survey": [("township_code", r"^[0-9]{9}$", ERROR)],
    "discharge_abstracts": [("main_dx_icd10", ICD10_REGEX, WARN)],
    "outpatient_diagnoses": [("icd10", ICD10_REGEX, WARN)],
}

BIRTH_DATE_COLUMN = {"outpatient_visits": "birth_date", "inpatient_admissions": "birth_date",
                     "settlements": "brdy", "fd_contracts": "birth_date"}


def derived_columns(table: Table) -> dict[str, str]:
    """`_chk_*` column name -> DuckDB expression over the raw row."""
    derived: dict[str, str] = {}
    event = EVENT_COLUMN.get(table.name)
    if event:
        derived["_chk_event_lag_days"] = (
            f"date_diff('day', cast({event} as date), cast(_delivery_date as date))")
    birth = BIRTH_DATE_COLUMN.get(table.name)
    if birth:
        derived["_chk_age_years"] = (
            f"date_diff('year', {birth}, cast(_delivery_date as date))")
    if table.name == "settlements":
        money = ", ".join(SETTLEMENT_MONEY)
        derived.update({
            "_chk_medfee_balance_gap":
                "abs(medfee_sumamt - fund_pay_sumamt - psn_part_amt)::double",
            "_chk_personal_part_gap": "abs(psn_part_amt - acct_pay - psn_cash_pay)::double",
            "_chk_non_reversal_min_amount":
                f"case when refd_setl_flag = 0 then least({money})::double end",
            "_chk_reversal_max_amount":
                f"case when refd_setl_flag = 1 then greatest({money})::double end",
            "_chk_reversal_has_origin":
                "case when refd_setl_flag = 1 then (coalesce(init_setl_id, '') <> '')::int end",
        })
    if table.name == "discharge_abstracts":
        derived["_chk_los_gap_days"] = (
            "los_days - date_diff('day', admit_date, discharge_date)")
    if table.name == "literacy_survey":
        derived["_chk_survey_year_gap"] = "survey_year - year(survey_date)"
    return derived


def _suite(name: str, expectations: list) -> gx.ExpectationSuite:
    # Built whole: add_expectation on a named suite writes to the store once per expectation.
    return gx.ExpectationSuite(name=name, expectations=expectations)


def schema_suite(table: Table) -> gx.ExpectationSuite:
    """Validates a frame of `column_name`, `column_type` read from information_schema."""
    from consortium_dw.contract import DUCKDB_TYPES

    expected = [f"{c.name}:{DUCKDB_TYPES[c.type]}" for c in table.columns]
    expected += [f"{c}:*" for c in LINEAGE_COLUMNS]
    expectations = []
    add = expectations.append
    add(gxe.ExpectColumnValuesToBeInSet(
        column="column_type", value_set=expected, severity=ERROR,
        notes="no column beyond the contract and the lineage columns, each typed as contracted"))
    add(gxe.ExpectColumnDistinctValuesToContainSet(
        column="column_type", value_set=expected, severity=ERROR,
        notes="every contract and lineage column is present"))
    add(gxe.ExpectColumnValuesToBeUnique(column="column_name", severity=ERROR))
    return _suite(f"raw.{table.name}.schema", expectations)


def row_suite(table: Table) -> gx.ExpectationSuite:
    expectations = []
    add = expectations.append
    columns = table.column_names + list(LINEAGE_COLUMNS) + list(derived_columns(table))
    add(gxe.ExpectTableColumnsToMatchSet(column_set=columns, exact_match=True, severity=ERROR))
    for lineage in LINEAGE_COLUMNS:
        add(gxe.ExpectColumnValuesToNotBeNull(column=lineage, severity=ERROR))
    add(gxe.ExpectCompoundColumnsToBeUnique(
        column_list=[*table.version_key, "_delivery_date"], severity=ERROR,
        notes="a key (with its version, where the table has one) appears once per delivery "
              "day (a resend replaces its day)"))
    for column in table.columns:
        if column.required:
            add(gxe.ExpectColumnValuesToNotBeNull(column=column.name, severity=ERROR))
        if column.code_pattern:
            add(gxe.ExpectColumnValuesToMatchRegex(
                column=column.name, regex=f"^{column.code_pattern}$", severity=ERROR,
                notes="an open code set: any well-formed code (EXTRACTS.md lists the known)"))
        elif column.codes:
            add(gxe.ExpectColumnValuesToBeInSet(
                column=column.name, value_set=list(column.codes), severity=ERROR))
        if column.type is ColumnType.FLAG:
            add(gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=[0, 1],
                                                severity=ERROR))
        if column.pii:
            add(gxe.ExpectColumnValuesToMatchRegex(
                column=column.name, regex=HASH_REGEX, severity=ERROR,
                notes="PII is stored only as a keyed hash (lowercase hex sha256)"))
        if column.institution:
            add(gxe.ExpectColumnValuesToMatchRegex(
                column=column.name, regex=INSTITUTION_REGEX, severity=WARN))
        if column.type is ColumnType.MONEY and table.name != "settlements":
            add(gxe.ExpectColumnValuesToBeBetween(column=column.name, min_value=0,
                                                  severity=ERROR))
    for column, regex, severity in FORMATS.get(table.name, []):
        add(gxe.ExpectColumnValuesToMatchRegex(column=column, regex=regex, severity=severity))
    for column, low, high, severity in RANGES.get(table.name, []):
        add(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high,
                                              severity=severity))
    for column_a, column_b, severity in ORDERED_PAIRS.get(table.name, []):
        add(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=column_a, column_B=column_b, or_equal=True,
            ignore_row_if="either_value_is_missing", severity=severity))
    derived = derived_columns(table)
    if "_chk_event_lag_days" in derived:
        add(gxe.ExpectColumnValuesToBeBetween(
            column="_chk_event_lag_days", min_value=0, severity=ERROR,
            notes="no event after its delivery day"))
        add(gxe.ExpectColumnValuesToBeBetween(
            column="_chk_event_lag_days", max_value=LATE_ARRIVAL_DAYS, severity=WARN,
            notes="late arrivals are recorded"))
    if "_chk_age_years" in derived:
        add(gxe.ExpectColumnValuesToBeBetween(column="_chk_age_years", min_value=0,
                                              max_value=120, severity=WARN))
    if table.name == "settlements":
        for gap in ("_chk_medfee_balance_gap", "_chk_personal_part_gap"):
            add(gxe.ExpectColumnValuesToBeBetween(column=gap, min_value=0, max_value=0.0101,
                                                  severity=ERROR))
        add(gxe.ExpectColumnValuesToBeBetween(
            column="_chk_non_reversal_min_amount", min_value=0, severity=ERROR,
            notes="a settlement that is not a reversal carries no negative amount"))
        add(gxe.ExpectColumnValuesToBeBetween(
            column="_chk_reversal_max_amount", max_value=0, severity=ERROR,
            notes="a reversal carries the negated amounts of the settlement it cancels"))
        add(gxe.ExpectColumnValuesToBeInSet(column="_chk_reversal_has_origin", value_set=[1],
                                            severity=WARN))
    if table.name == "discharge_abstracts":
        add(gxe.ExpectColumnValuesToBeBetween(column="_chk_los_gap_days", min_value=-1,
                                              max_value=1, severity=WARN))
    if table.name == "literacy_survey":
        add(gxe.ExpectColumnValuesToBeBetween(column="_chk_survey_year_gap", min_value=0,
                                              max_value=0, severity=WARN))
    return _suite(f"raw.{table.name}", expectations)


# Daily profile thresholds: see docs/quality.md.
# "A day with half the usual rows is suspicious": below 0.65 of the same weekday's usual rows,
# and beyond noise (raw_gate.VOLUME_NOISE_SIGMAS). Holiday weeks and ordinary noise in the
# generated three-year district dip to ~0.66-0.69 and must not block a history load; a day
# with 40% of its rows missing (0.6) must.
VOLUME_MIN_RATIO = 0.65
# Feeds without a steady daily volume (campaign signings, yearly surveys, referrals, scheduled
# follow-ups) dip for ordinary reasons: a drop there is recorded, not blocking.
LUMPY_TABLES = frozenset({"fd_contracts", "fd_services", "chronic_followups", "referrals",
                          "literacy_survey"})
# The feeds with a steady daily volume: what tells a district-wide quiet day (a holiday) from
# one system's partial delivery (raw_gate.district_activity_sql).
STEADY_TABLES = frozenset(name for name in TABLES if name not in LUMPY_TABLES)
VOLUME_MAX_RATIO = 3.0
MAX_QUARANTINE_SHARE = 0.25
MAX_REVERSAL_SHARE = 0.5


def daily_suite(table: Table) -> gx.ExpectationSuite:
    """Validates one row per delivery day (raw_gate.daily_profile_sql)."""
    expectations = []
    add = expectations.append
    add(gxe.ExpectColumnValuesToBeUnique(column="delivery_date", severity=ERROR))
    add(gxe.ExpectColumnValuesToBeBetween(
        column="volume_ratio_significant", min_value=VOLUME_MIN_RATIO,
        severity=WARN if table.name in LUMPY_TABLES else ERROR,
        notes="rows loaded ÷ the usual rows of the same weekday, where the drop is beyond "
              "noise: a partial delivery"))
    add(gxe.ExpectColumnValuesToBeBetween(
        column="volume_ratio_district_quiet", min_value=VOLUME_MIN_RATIO, severity=WARN,
        notes="the same drop on a day the other systems were quiet too (a holiday): recorded, "
              "not blocking"))
    add(gxe.ExpectColumnValuesToBeBetween(
        column="volume_ratio_significant", max_value=VOLUME_MAX_RATIO, severity=WARN))
    add(gxe.ExpectColumnValuesToBeBetween(
        column="quarantine_share_significant", max_value=MAX_QUARANTINE_SHARE, severity=ERROR,
        notes="a day whose delivery mostly failed the row rules is a bad batch"))
    add(gxe.ExpectColumnValuesToBeBetween(
        column="negative_amount_share_significant", max_value=MAX_QUARANTINE_SHARE,
        severity=ERROR,
        notes="a whole day of negated amounts (a flipped sign) is quarantined row by row"))
    if table.name == "settlements":
        add(gxe.ExpectColumnValuesToBeBetween(
            column="net_medfee_sumamt", min_value=0, severity=WARN,
            notes="a day's settlements usually net to a non-negative total; the reversal of an "
                  "earlier long stay can outweigh a quiet day's new ones (recorded)"))
        add(gxe.ExpectColumnValuesToBeBetween(
            column="reversal_share_significant", max_value=MAX_REVERSAL_SHARE, severity=ERROR,
            notes="most of a day's settlements (of at least 20) flagged as reversals: negated "
                  "amounts slipped through as reversals"))
    return _suite(f"raw.{table.name}.daily", expectations)
