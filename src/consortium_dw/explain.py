"""Why this number: the rows a published metric counted, traced back to the extract.

    python -m consortium_dw.explain --warehouse $DATA_DIR/warehouse.duckdb \\
        --metric in_district_rate --period 2025-03 --scope district

Reads `explain.fct_metric_contributions` in the WAREHOUSE (the served file has no lineage): one
row per metric × period × scope × role (numerator/denominator) × source row, built by dbt from
the same intermediate models the metric uses (dbt/models/marts/explain/). Persons appear only as
their pseudonymised key. PERIOD is `2025-03` (month), `2025-Q1` (quarter) or `2025` (year);
SCOPE is `district`, or `<scope_type>:<code>` (district, group, institution, township), or a bare
code.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from consortium_dw.marts_file import connect_warehouse

CONTRIBUTIONS = "explain.fct_metric_contributions"
# The metrics dbt/models/marts/explain/ builds contribution rows for (tests keep the two in
# step). A covered metric may have no rows in a period: then nothing was counted.
COVERED_METRICS = (
    "in_district_rate", "in_district_rate_inpatient", "in_district_rate_outpatient",
    "outflow_rate", "outflow_persons", "outflow_encounters", "outflow_referred_share",
    "oop_ratio", "oop_ratio_inpatient", "oop_per_inpatient_encounter",
    "oop_per_outpatient_encounter", "ownpay_ratio", "reimbursement_ratio",
    "in_district_fund_share", "primary_fund_share",
    "fd_signing_rate", "fd_elderly_signing_rate", "fd_fulfilment_rate",
    "fd_contracted_primary_visit_share",
    "health_literacy_level", "health_literacy_level_unweighted",
    "htn_standard_mgmt_rate", "dm_standard_mgmt_rate", "htn_control_rate", "dm_control_rate",
    "primary_visit_share", "downward_referrals", "upward_referrals", "outward_referrals",
    "slot_sinking_share", "bed_sinking_share", "remote_read_share", "remote_reads_per_10k",
    "imaging_recognition_rate", "lab_recognition_rate", "alos", "op_level34_share",
    "low_weight_case_share",
)
SCOPE_TYPES = ("district", "group", "institution", "township")
ROLE_ZH = {"numerator": "分子", "denominator": "分母"}
# count_key: what the metric counts distinct (an encounter, a person, a contract); several
# source rows may share one.
OUTPUT_COLUMNS = ("role", "row_key", "count_key", "person_key", "contribution", "source_system",
                  "source_table", "source_file", "source_line", "delivery_date", "note")


class ExplainError(RuntimeError):
    """A question explain cannot answer; the message says why."""


@dataclass(frozen=True)
class Period:
    period_type: str
    period_start: date


@dataclass(frozen=True)
class Scope:
    scope_type: str
    scope_code: str


@dataclass(frozen=True)
class Explanation:
    metric_code: str
    metric_name_zh: str
    period: Period
    scope: Scope
    numerator: float | None
    denominator: float | None
    value: float | None
    rows: list[dict]
    recount: dict[str, float]  # role -> the published figure recomputed from the rows


def parse_period(text: str) -> Period:
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        return Period("month", date(int(m[1]), int(m[2]), 1))
    if m := re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text):
        return Period("quarter", date(int(m[1]), 3 * int(m[2]) - 2, 1))
    if m := re.fullmatch(r"(\d{4})", text):
        return Period("year", date(int(m[1]), 1, 1))
    raise ExplainError(f"period {text!r}: use YYYY-MM (month), YYYY-Qn (quarter) or YYYY (year)")


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not Path(warehouse).exists():
        raise ExplainError(f"warehouse not found: {warehouse}")
    try:
        return connect_warehouse(warehouse, read_only=True)
    except duckdb.IOException as exc:
        raise ExplainError(f"cannot open {warehouse} read-only ({exc}); the pipeline may be "
                           "writing it: retry when the run ends") from exc


def resolve_scope(con, text: str) -> Scope:
    text = text.strip()
    scope_type, _, code = text.partition(":")
    if scope_type == "district" and not code:
        row = con.execute("select scope_code from marts.metric_values where scope_type = "
                          "'district' group by 1 order by count(*) desc limit 1").fetchone()
        if row is None:
            raise ExplainError("marts.metric_values has no district rows")
        return Scope("district", row[0])
    if code:
        if scope_type not in SCOPE_TYPES:
            raise ExplainError(f"scope type {scope_type!r}: one of {', '.join(SCOPE_TYPES)}")
        return Scope(scope_type, code)
    types = [r[0] for r in con.execute(
        "select distinct scope_type from marts.metric_values where scope_code = ? order by 1",
        [text]).fetchall()]
    if len(types) != 1:
        found = f"it is a code of {', '.join(types)}" if types else "no scope has that code"
        raise ExplainError(f"scope {text!r} is ambiguous or unknown ({found}): "
                           "write it as <scope_type>:<code>")
    return Scope(types[0], text)


def recount(rows: list[dict], role: str) -> float:
    """The role's figure as the metric computes it from these rows: a sum of contributions, or
    a count of distinct keys (encounters, persons, contracts)."""
    mine = [r for r in rows if r["role"] == role]
    if any(r["aggregation"] == "sum" for r in mine):
        return float(sum(r["contribution"] or 0 for r in mine))
    return float(len({r["count_key"] for r in mine}))


def explain(warehouse: Path, metric_code: str, period_text: str, scope_text: str
            ) -> Explanation:
    period = parse_period(period_text)
    con = _connect(warehouse)
    try:
        for schema, table in (("marts", "metric_values"), ("explain", "fct_metric_contributions")):
            if not con.execute("select count(*) from information_schema.tables where "
                               "table_schema = ? and table_name = ?", [schema, table]
                               ).fetchone()[0]:
                raise ExplainError(f"{warehouse} has no {schema}.{table}: run `make pipeline` "
                                   "first")
        if metric_code not in COVERED_METRICS:
            raise ExplainError(f"explain does not cover {metric_code!r}; it covers: "
                               f"{', '.join(sorted(COVERED_METRICS))}")
        scope = resolve_scope(con, scope_text)
        published = con.execute("""
            select metric_name_zh, numerator, denominator, value from marts.metric_values
            where metric_code = ? and period_type = ? and period_start = ?
              and scope_type = ? and scope_code = ?""",
                                [metric_code, period.period_type, period.period_start,
                                 scope.scope_type, scope.scope_code]).fetchone()
        if published is None:
            raise ExplainError(f"no published value of {metric_code} for {period_text} at "
                               f"{scope.scope_type}:{scope.scope_code}")
        cursor = con.execute(f"""
            select role, row_key, person_key, contribution, count_key, aggregation,
                   source_system, source_table, source_file, source_line, delivery_date, note
            from {CONTRIBUTIONS}
            where metric_code = ? and period_type = ? and period_start = ?
              and scope_type = ? and scope_code = ?
            order by role desc, source_system, source_file, source_line, row_key""",
                              [metric_code, period.period_type, period.period_start,
                               scope.scope_type, scope.scope_code])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    recounts = {role: recount(rows, role) for role in ("numerator", "denominator")}
    name, numerator, denominator, value = published
    if numerator is None and denominator is None:
        numerator = value  # a plain count: its rows are its numerator
    return Explanation(metric_code, name, period, scope, numerator, denominator, value, rows,
                       recounts)


# Every published numerator and denominator of a covered metric, recomputed from the
# contributions the way the metric aggregates them; a row here is a disagreement.
MISMATCHES_SQL = f"""
with recounted as (
    select metric_code, period_type, period_start, scope_type, scope_code, role,
           case when bool_or(aggregation = 'sum') then sum(contribution)
                else count(distinct count_key) end as recounted,
           count(*) as source_rows
    from {CONTRIBUTIONS}
    group by metric_code, period_type, period_start, scope_type, scope_code, role
),
published as (
    select m.metric_code, m.period_type, m.period_start, m.scope_type, m.scope_code, r.role,
           case when r.role = 'denominator' then m.denominator
                -- a plain count publishes no numerator: its value is what its rows add up to
                when m.numerator is null and m.denominator is null then m.value
                else m.numerator end as published
    from marts.metric_values as m
    cross join (select 'numerator' as role union all select 'denominator' as role) as r
    where m.metric_code in ({", ".join(f"'{code}'" for code in COVERED_METRICS)})
)
select p.metric_code, p.period_type, p.period_start, p.scope_type, p.scope_code, p.role,
       p.published, coalesce(r.recounted, 0) as recounted
from published as p
left join recounted as r
    on p.metric_code = r.metric_code and p.period_type = r.period_type
    and p.period_start = r.period_start and p.scope_type = r.scope_type
    and p.scope_code = r.scope_code and p.role = r.role
where p.published is not null
  and abs(p.published - coalesce(r.recounted, 0)) > 1e-6 * greatest(1, abs(p.published))
order by 1, 2, 3, 4, 5, 6
"""


def verify(warehouse: Path) -> tuple[list[str], list[tuple]]:
    """(metric codes with contribution rows, mismatches): every published numerator and
    denominator of every covered metric, in every period and scope, against its recount from
    the source rows."""
    con = _connect(warehouse)
    try:
        covered = [r[0] for r in con.execute(
            f"select distinct metric_code from {CONTRIBUTIONS} order by 1").fetchall()]
        mismatches = con.execute(MISMATCHES_SQL).fetchall()
    finally:
        con.close()
    return covered, mismatches


def _short(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}" if value != int(value) else f"{value:,.0f}"
    return str(value)


def print_explanation(result: Explanation, out=sys.stdout, limit: int | None = None) -> None:
    p, s = result.period, result.scope
    print(f"{result.metric_code} {result.metric_name_zh} · {p.period_type} "
          f"{p.period_start:%Y-%m-%d} · {s.scope_type}:{s.scope_code}", file=out)
    print(f"published: numerator={_short(result.numerator)} "
          f"denominator={_short(result.denominator)} "
          f"value={'' if result.value is None else format(result.value, '.6g')}", file=out)
    for role in ("numerator", "denominator"):
        published = result.numerator if role == "numerator" else result.denominator
        if published is None and not any(r["role"] == role for r in result.rows):
            continue
        recounted = result.recount[role]
        agree = published is not None and abs(recounted - published) < 0.005
        mark = "matches" if agree else "DIFFERS from"
        count = sum(1 for r in result.rows if r["role"] == role)
        print(f"{role} ({ROLE_ZH[role]}): {count} source rows, recounted {_short(recounted)} "
              f"{mark} the published {_short(published)}", file=out)
    print(file=out)
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(OUTPUT_COLUMNS)
    for i, row in enumerate(result.rows):
        if limit is not None and i >= limit:
            print(f"… {len(result.rows) - limit} more rows (use --limit 0 for all)", file=out)
            break
        writer.writerow([_short(row[c]) for c in OUTPUT_COLUMNS])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m consortium_dw.explain",
                                     description="List the source rows behind a published "
                                                 "metric value.")
    parser.add_argument("--warehouse", required=True, type=Path,
                        help="$DATA_DIR/warehouse.duckdb (not the served file)")
    parser.add_argument("--metric", help="metric code, e.g. in_district_rate")
    parser.add_argument("--period", help="YYYY-MM, YYYY-Qn or YYYY")
    parser.add_argument("--scope", default="district",
                        help="district | <scope_type>:<code> | <code>")
    parser.add_argument("--limit", type=int, default=200,
                        help="rows to print (0 = all; default 200)")
    parser.add_argument("--verify", action="store_true",
                        help="instead: recount every published value of every covered metric "
                             "from its source rows; exit 1 on any disagreement")
    args = parser.parse_args(argv)
    if args.verify:
        return _main_verify(args.warehouse)
    if not (args.metric and args.period):
        parser.error("--metric and --period are required (or --verify)")
    try:
        result = explain(args.warehouse, args.metric, args.period, args.scope)
    except ExplainError as exc:
        print(f"explain: {exc}", file=sys.stderr)
        return 1
    print_explanation(result, limit=args.limit or None)
    return 0


def _main_verify(warehouse: Path) -> int:
    try:
        covered, mismatches = verify(warehouse)
    except ExplainError as exc:
        print(f"explain: {exc}", file=sys.stderr)
        return 1
    print(f"explain covers {len(COVERED_METRICS)} metrics; {len(covered)} have source rows "
          f"here: {', '.join(covered)}")
    for row in mismatches:
        print("DIFFERS", *row, sep="\t")
    print(f"{len(mismatches)} published numerators/denominators differ from their recount")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
