"""Suites on the marts: `marts.metric_values` (grain, ranges, consistency) and its
completeness (every metric × scope type present for each closed month).

The metric codes and which of them are ratios in [0, 1] come from ../shared/METRICS.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe

ERROR = "critical"
WARN = "warning"

METRIC_VALUES_COLUMNS = [
    "metric_code", "metric_name_zh", "period_type", "period_start", "scope_type", "scope_code",
    "numerator", "denominator", "value", "target", "target_op", "meets_target", "yoy_change",
]
GRAIN = ["metric_code", "period_type", "period_start", "scope_type", "scope_code"]

# "Rates are ratios in [0, 1]" (METRICS.md): value = numerator ÷ denominator.
RATE_METRICS = (
    "in_district_rate_inpatient", "in_district_rate_outpatient", "in_district_rate",
    "health_literacy_level", "health_literacy_level_unweighted", "fd_signing_rate",
    "fd_elderly_signing_rate", "fd_fulfilment_rate", "fd_contracted_primary_visit_share",
    "oop_ratio", "oop_ratio_inpatient", "ownpay_ratio", "outflow_rate", "outflow_referred_share",
    "primary_visit_share", "slot_sinking_share", "bed_sinking_share", "remote_read_share",
    "lab_recognition_rate", "imaging_recognition_rate", "op_level34_share",
    "low_weight_case_share", "in_district_fund_share", "primary_fund_share",
    "reimbursement_ratio", "htn_standard_mgmt_rate", "dm_standard_mgmt_rate",
    "htn_control_rate", "dm_control_rate",
)
COUNT_METRICS = ("outflow_persons", "outflow_encounters", "downward_referrals",
                 "upward_referrals", "outward_referrals")
# Non-negative quantities that are not ratios in [0, 1].
AMOUNT_METRICS = ("oop_per_inpatient_encounter", "oop_per_outpatient_encounter",
                  "remote_reads_per_10k", "alos")
GROWTH_METRICS = ("downward_referral_growth", "medical_cost_growth")
ALL_METRICS = RATE_METRICS + COUNT_METRICS + AMOUNT_METRICS + GROWTH_METRICS
METRIC_DEFINITIONS = (Path(__file__).resolve().parents[1] / "dbt" / "seeds"
                      / "metric_definitions.csv")


def _metrics_judged_on(basis: str) -> tuple[str, ...]:
    """The metrics of the seed dbt uses whose target_basis is `basis` (docs/metrics.md
    "Targets"): `yoy_change` compares the year-over-year change (fd_signing_rate's "+0.01 a
    year or more"); `value_and_rise` the value, and requires a rise on the year before
    (health_literacy_level's "≥ 0.25 and rises")."""
    with open(METRIC_DEFINITIONS, encoding="utf-8", newline="") as seed:
        return tuple(row["metric_code"] for row in csv.DictReader(seed)
                     if row["target_basis"] == basis)


YOY_TARGET_METRICS = _metrics_judged_on("yoy_change")
RISE_TARGET_METRICS = _metrics_judged_on("value_and_rise")

# Published only where their source has rows in the month (a yearly survey), so a missing
# month is not a gap.
SPARSE_MONTHLY_METRICS = ("health_literacy_level", "health_literacy_level_unweighted")


def _in(codes) -> str:
    """A SQL list of `codes`; no code is '' (an empty list is not valid SQL)."""
    return "(" + (", ".join(f"'{c}'" for c in codes) or "''") + ")"


# What a row's target is compared with, at the 12 decimals metric_values.sql judges it at.
_TARGETED = (f"round(case when metric_code in {_in(YOY_TARGET_METRICS)} then yoy_change "
             "else value end, 12)")
# ... and the target, rounded alike (30 / 90 meets "≥ 1/3").
_TARGET = "round(target, 12)"

# `_chk_*` columns derived in SQL over marts.metric_values (mart_gate.py).
DERIVED = {
    "_chk_rate_value": f"case when metric_code in {_in(RATE_METRICS)} then value end",
    "_chk_rate_numerator_excess":
        f"case when metric_code in {_in(RATE_METRICS)} then numerator - denominator end",
    "_chk_ratio_gap": (
        f"case when metric_code in {_in(RATE_METRICS)} and denominator <> 0 "
        "then abs(value - numerator / denominator) end"),
    "_chk_zero_denominator_value": (
        f"case when metric_code in {_in(RATE_METRICS)} and denominator = 0 "
        "then value end"),
    "_chk_nonnegative_value":
        f"case when metric_code in {_in(COUNT_METRICS + AMOUNT_METRICS)} then value end",
    "_chk_growth_value": f"case when metric_code in {_in(GROWTH_METRICS)} then value end",
    "_chk_period_start_aligned": (
        "(period_start = case period_type when 'month' then date_trunc('month', period_start) "
        "when 'quarter' then date_trunc('quarter', period_start) "
        "when 'year' then date_trunc('year', period_start) end)::int"),
    "_chk_meets_target_consistent": (
        f"case when target is null or {_TARGETED} is null or target_op is null "
        "then (meets_target is null)::int "
        f"else (meets_target is not distinct from (case target_op "
        f"when '>=' then {_TARGETED} >= {_TARGET} when '<=' then {_TARGETED} <= {_TARGET} "
        f"when '>' then {_TARGETED} > {_TARGET} when '<' then {_TARGETED} < {_TARGET} end "
        f"and (metric_code not in {_in(RISE_TARGET_METRICS)} "
        "or round(yoy_change, 12) > 0)))::int end"),
}


def metric_values_suite() -> gx.ExpectationSuite:
    expectations = []
    add = expectations.append
    add(gxe.ExpectTableColumnsToMatchSet(column_set=METRIC_VALUES_COLUMNS + list(DERIVED),
                                         exact_match=True, severity=ERROR))
    add(gxe.ExpectCompoundColumnsToBeUnique(column_list=GRAIN, severity=ERROR,
                                            notes="one row per metric × period × scope"))
    for column in GRAIN + ["metric_name_zh"]:
        add(gxe.ExpectColumnValuesToNotBeNull(column=column, severity=ERROR))
    add(gxe.ExpectColumnValuesToBeInSet(column="metric_code", value_set=list(ALL_METRICS),
                                        severity=ERROR))
    add(gxe.ExpectColumnDistinctValuesToContainSet(
        column="metric_code", value_set=list(ALL_METRICS), severity=WARN,
        notes="every metric of METRICS.md is published"))
    add(gxe.ExpectColumnValuesToBeInSet(column="period_type",
                                        value_set=["month", "quarter", "year"], severity=ERROR))
    add(gxe.ExpectColumnValuesToBeInSet(
        column="scope_type", value_set=["district", "group", "institution", "township"],
        severity=ERROR))
    add(gxe.ExpectColumnValuesToBeInSet(column="target_op", value_set=[">=", "<=", "<", ">"],
                                        severity=ERROR))
    add(gxe.ExpectColumnValuesToBeBetween(column="_chk_rate_value", min_value=0, max_value=1,
                                          severity=ERROR, notes="rates are ratios in [0, 1]"))
    add(gxe.ExpectColumnValuesToBeBetween(column="_chk_rate_numerator_excess", max_value=1e-9,
                                          severity=ERROR))
    add(gxe.ExpectColumnValuesToBeBetween(column="_chk_ratio_gap", max_value=1e-9,
                                          severity=ERROR, notes="value = numerator ÷ denominator"))
    add(gxe.ExpectColumnValuesToBeNull(column="_chk_zero_denominator_value", severity=ERROR,
                                       notes="a zero denominator gives null, never 0"))
    add(gxe.ExpectColumnValuesToBeBetween(column="_chk_nonnegative_value", min_value=0,
                                          severity=ERROR))
    add(gxe.ExpectColumnValuesToBeBetween(column="_chk_growth_value", min_value=-1,
                                          severity=ERROR))
    add(gxe.ExpectColumnValuesToBeInSet(column="_chk_period_start_aligned", value_set=[1],
                                        severity=ERROR))
    add(gxe.ExpectColumnValuesToBeInSet(column="_chk_meets_target_consistent", value_set=[1],
                                        severity=WARN))
    # Built whole: add_expectation on a named suite writes to the store each time.
    return gx.ExpectationSuite(name="marts.metric_values", expectations=expectations)


# A metric whose district denominator (or count) is under this many a month, at the median,
# may have a month without source rows by chance (Poisson: 0.7 % of months at 5, 4.5e-5 at 10):
# its district gaps are recorded, not blocking.
THIN_DISTRICT_MONTHLY = 10


def completeness_suite(present_keys: list[str]) -> gx.ExpectationSuite:
    """Validates the frame of expected `metric|scope_type|month` keys (mart_gate.py) against
    the keys present in the mart.

    A month missing at the district scope blocks: the whole district had source rows for the
    metric every month before, so a gap is lost data. At the group, institution and township
    scopes a gap is recorded (WARN), not blocking: METRICS.md publishes rows only where the
    period has source rows, and one lead hospital may refer no one in a month of a small
    district; a lost delivery shows in the raw suites' volume expectations. A thin metric
    (THIN_DISTRICT_MONTHLY) is not expected every month at any scope (mart_gate.py)."""
    return gx.ExpectationSuite(name="marts.metric_values.completeness", expectations=[
        gxe.ExpectColumnValuesToBeInSet(
            column="expected_district_key", value_set=present_keys, severity=ERROR,
            notes="every metric has district rows in each closed month"),
        gxe.ExpectColumnValuesToBeInSet(
            column="expected_subdistrict_key", value_set=present_keys, severity=WARN,
            notes="every metric × group, institution and township scope has rows in each "
                  "closed month")])
