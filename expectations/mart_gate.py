"""Validate the marts: `marts.metric_values` and its completeness per closed month."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from expectations import mart_suites
from expectations.context import build_data_docs, data_docs_index, get_context
from expectations.gate import GateOutcome, SuiteRunner

INDEX_COLUMNS = ["metric_code", "period_type", "period_start", "scope_type", "scope_code"]
MONTH_ROWS = 200_000


def _exists(con, schema: str, table: str) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and "
        "table_name = ?", [schema, table]).fetchone()[0] > 0


def metric_values_batches(con, rows_per_batch: int = MONTH_ROWS):
    """The mart in batches of whole period starts (small at district scale: one batch)."""
    derived = ", ".join(f"{expr} as {name}" for name, expr in mart_suites.DERIVED.items())
    counts = con.execute("select period_start, count(*) from marts.metric_values "
                         "group by 1 order by 1").fetchall()
    group: list = []
    size = 0
    for start, rows in [*counts, (None, 0)]:
        if group and (start is None or size + rows > rows_per_batch):
            frame = con.execute(
                f"select *, {derived} from marts.metric_values where period_start between ? "
                "and ? order by all", [group[0], group[-1]]).df()
            yield f"{group[0]}..{group[-1]}", frame
            group, size = [], 0
        if start is not None:
            group.append(start)
            size += rows
    if not counts:
        yield "empty", con.execute(
            f"select *, {derived} from marts.metric_values limit 0").df()


def data_as_of(con) -> date | None:
    """The last delivery day in the warehouse: months ending on or before it are closed."""
    if _exists(con, "audit", "load_log"):
        value = con.execute("select max(cast(delivery_date as date)) from audit.load_log"
                            ).fetchone()[0]
        if value is not None:
            return value
    return None


def completeness_frames(con, as_of: date | None) -> tuple[pd.DataFrame, list[str]]:
    """(expected keys, present keys): `metric|scope_type|YYYY-MM` for each metric × scope
    type from its first published month to the last closed month, split in two: the
    district's keys (blocking, mart_suites.py) and the others'. A thin metric (median monthly
    volume at the district under THIN_DISTRICT_MONTHLY: see `volume`) is not expected in every
    month at any scope: a small district lacks one in a month by chance, with no loss of
    data."""
    sparse = ", ".join(f"'{m}'" for m in mart_suites.SPARSE_MONTHLY_METRICS)
    growth = ", ".join(f"'{m}'" for m in mart_suites.GROWTH_METRICS)
    # How many rows a month's value is over: a ratio's denominator, a count's value, a growth
    # rate's current count (its numerator; a month without any has no row).
    volume = (f"case when metric_code in ({growth}) then numerator "
              "else coalesce(denominator, value) end")
    closed = ("(select max(period_start) - interval 1 month from months)" if as_of is None
              else f"(select date_trunc('month', date '{as_of}' + interval 1 day) "
                   "- interval 1 month)")
    expected = con.execute(f"""
        with months as (
            select metric_code, scope_type, period_start from marts.metric_values
            where period_type = 'month'
        ), thin as (
            select metric_code
            from marts.metric_values
            where period_type = 'month' and scope_type = 'district'
            group by metric_code
            having median({volume}) < {mart_suites.THIN_DISTRICT_MONTHLY}
        ), spans as (
            select metric_code, scope_type, min(period_start) as first_month,
                scope_type = 'district' as blocking
            from months
            where metric_code not in ({sparse})
                and metric_code not in (select metric_code from thin)
            group by all
        ), last_closed as (select cast({closed} as date) as m)
        select s.metric_code || '|' || s.scope_type || '|' || strftime(g.m, '%Y-%m')
            as expected_key,
            case when s.blocking then expected_key end as expected_district_key,
            case when not s.blocking then expected_key end as expected_subdistrict_key
        from spans s, last_closed l,
             lateral (select cast(unnest(generate_series(s.first_month, l.m,
                                                         interval 1 month)) as date) as m) g
        order by 1""").df()
    present = [r[0] for r in con.execute("""
        select distinct metric_code || '|' || scope_type || '|' || strftime(period_start, '%Y-%m')
        from marts.metric_values where period_type = 'month'""").fetchall()]
    return expected, present


def validate_marts(con: duckdb.DuckDBPyConnection, data_dir: Path, as_of: date | None = None,
                   context=None, build_docs: bool = True) -> GateOutcome:
    context = context or get_context(data_dir)
    runner = SuiteRunner(context)
    outcome = GateOutcome(name="marts.metric_values")
    outcome.suites.append(runner.run(mart_suites.metric_values_suite(),
                                     metric_values_batches(con), index_columns=INDEX_COLUMNS))
    expected, present = completeness_frames(con, as_of or data_as_of(con))
    outcome.suites.append(runner.run(mart_suites.completeness_suite(present),
                                     [("closed months", expected)]))
    if build_docs:
        build_data_docs(context, data_dir, [runner.pages()])
    outcome.data_docs = str(data_docs_index(data_dir))
    return outcome
