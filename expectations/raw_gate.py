"""Validate one raw table: its schema, its rows per delivery day, and its daily profile.

Rows are read day by day into pandas (GX's SQL datasource fails on DuckDB, GX #10738). Whole
delivery days are grouped into one dataframe up to a row budget, so memory stays bounded at
city scale while a tiny district needs one validation per table, not one per day.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from consortium_dw.contract import LINEAGE_COLUMNS, TABLES, Table
from consortium_dw.prefetch import prefetched
from expectations import raw_suites
from expectations.context import (
    build_data_docs,
    data_docs_index,
    defer_data_docs,
    get_context,
)
from expectations.gate import GateOutcome, SuiteRunner

# GX rebuilds its metric graph for every batch (0.6 s for the settlements suite), so fewer,
# larger batches are faster: on the city year the checks took 20 s less than at 250,000 rows,
# and peaked at 5.1-5.4 GB, below the dbt step's 6.2-6.4 GB (docs/performance.md).
ROW_BUDGET = int(os.environ.get("CONSORTIUM_GX_BATCH_ROWS", "500000"))
# A volume change is significant beyond this many robust standard deviations of the feed.
VOLUME_NOISE_SIGMAS = 5.0
# Days with fewer usual rows than this are too small to judge by volume.
VOLUME_MIN_BASELINE = 10
# Quarantine shares are judged on days with at least this many quarantined rows (one bad row
# out of three on a quiet day is not a bad batch).
MIN_FLAGGED_ROWS = 5
# A day's reversal share is judged on days with at least this many settlements: on a quiet day
# of a small district, two reversals of last week's stays among three rows are ordinary.
MIN_JUDGED_SETTLEMENTS = 20
# The other systems' steady feeds delivering under this share of their usual volume (their
# median) make the day a district-wide quiet day (a holiday), where a drop does not block.
DISTRICT_QUIET_RATIO = 0.75
INDEX_COLUMNS = ["_delivery_date", "_source_file", "_source_line"]


NULLABLE_INTS = {pa.int64(): pd.Int64Dtype()}


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """The dataframe DuckDB's `.df()` would give (decimals as float, dates as datetime64,
    integers nullable only where nulls occur), built column by column from Arrow: about three
    times faster than `.df()`, which goes through Python objects for strings. Integers are
    widened to 64 bits: GX compares a column with a range in one vectorised step only for
    int64 and float64 columns, and calls Python once per value for any other width."""
    # One chunk per column: DuckDB hands over ~2k-row chunks, and pandas' arrow-backed columns
    # pay per chunk on every take and filter GX makes.
    table = table.combine_chunks()
    columns = {}
    for arrow_field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_decimal(arrow_field.type):
            column = column.cast(pa.float64())
        elif pa.types.is_signed_integer(arrow_field.type):
            column = column.cast(pa.int64())
        nullable = pa.types.is_integer(arrow_field.type) and column.null_count > 0
        columns[arrow_field.name] = column.to_pandas(
            date_as_object=False, types_mapper=NULLABLE_INTS.get if nullable else None)
    return pd.DataFrame(columns)


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and "
        "table_name = ?", [schema, table]).fetchone()[0] > 0


def day_batches(con, table: Table, days: list[date] | None = None,
                row_budget: int = ROW_BUDGET) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield (label, rows of whole delivery days) with at most `row_budget` rows each (a day
    larger than the budget is its own batch)."""
    counts = con.execute(
        f"select cast(_delivery_date as date) as d, count(*) from raw.{table.name} "
        "group by 1 order by 1").fetchall()
    if days is not None:
        wanted = set(days)
        counts = [(d, n) for d, n in counts if d in wanted]
    derived = raw_suites.derived_columns(table)
    select = ", ".join(["*", *(f"{expr} as {name}" for name, expr in derived.items())])
    group: list[date] = []
    size = 0
    for day, rows in [*counts, (None, 0)]:
        if group and (day is None or size + rows > row_budget):
            frame = arrow_to_frame(con.execute(
                f"select {select} from raw.{table.name} where cast(_delivery_date as date) "
                "between ? and ? order by _delivery_date, _source_file, _source_line",
                [group[0], group[-1]]).to_arrow_table())
            yield f"{group[0]}..{group[-1]}", frame
            group, size = [], 0
        if day is not None:
            group.append(day)
            size += rows


def schema_frame(con, table: Table) -> pd.DataFrame:
    lineage = ", ".join(f"'{c}'" for c in LINEAGE_COLUMNS)
    return con.execute(
        "select column_name, case when column_name in (" + lineage + ") "
        "then column_name || ':*' else column_name || ':' || data_type end as column_type "
        "from information_schema.columns where table_schema = 'raw' and table_name = ? "
        "order by ordinal_position", [table.name]).df()


def district_activity_sql(feeds: list[str]) -> str:
    """One row per day: the median, over `feeds` (raw tables of the other systems), of each
    feed's rows ÷ its usual rows for that weekday (as below; feeds too small or too new to
    judge left out). A holiday quiets every system at once; a partial delivery only its own."""
    if not feeds:
        return "select null::date as d, null::double as district_ratio where false"
    loaded = " union all ".join(
        f"select '{feed}' as feed, cast(_delivery_date as date) as d, count(*) as n "
        f"from raw.{feed} group by 2" for feed in feeds)
    return f"""
with feed_days as ({loaded}),
usual as (
    select d, n,
        median(n) over (partition by feed, dayofweek(d) order by d
                        rows between 4 preceding and 1 preceding) as usual_rows,
        count(*) over (partition by feed, dayofweek(d) order by d
                       rows between 4 preceding and 1 preceding) as usual_days
    from feed_days
)
select d, median(n / usual_rows) as district_ratio
from usual
where usual_days >= 3 and usual_rows >= {VOLUME_MIN_BASELINE}
group by d
"""


def daily_profile_sql(table: Table, has_quarantine: bool) -> str:
    """One row per delivery day: rows loaded and quarantined, and the day's volume against the
    usual one. Usual = median of the same weekday over the previous four weeks with a delivery
    (at least three of them: feeds are weekly-seasonal). Noise = 1.4826 × the median absolute
    deviation of the previous 28 days from their own usual volume (a robust standard
    deviation, judged once at least 14 such days exist), so a bursty feed is judged by its own
    variability and a steady one (a daily snapshot) by its steadiness.

    `daily_profile` then sets apart the drops of district-wide quiet days
    (`_split_by_district_activity`)."""
    quarantine = (
        f"select cast(_delivery_date as date) as d, count(*) as n, "
        f"count(*) filter (where _reason = 'negative_amount') as neg "
        f"from quarantine.{table.name} group by 1"
        if has_quarantine else "select null::date as d, 0 as n, 0 as neg where false")
    settlement_columns = ""
    settlement_join = ""
    if table.name == "settlements":
        settlement_columns = ", s.net_medfee_sumamt, s.reversal_share_significant"
        settlement_join = (
            "left join (select cast(_delivery_date as date) as d, "
            "sum(medfee_sumamt)::double as net_medfee_sumamt, "
            f"case when count(*) >= {MIN_JUDGED_SETTLEMENTS} "
            "then avg(refd_setl_flag)::double end as reversal_share_significant "
            "from raw.settlements group by 1) s using (d)")
    return f"""
with loaded as (
    select cast(_delivery_date as date) as d, count(*) as n from raw.{table.name} group by 1
), quarantined as ({quarantine}),
days as (select d from loaded union select d from quarantined where d is not null),
profile as (
    select days.d, coalesce(loaded.n, 0) as rows_loaded,
           coalesce(quarantined.n, 0) as rows_quarantined,
           coalesce(quarantined.neg, 0) as rows_negative_amount
    from days left join loaded using (d) left join quarantined using (d)
), history as (
    select *,
        median(rows_loaded) over (partition by dayofweek(d) order by d
                                  rows between 4 preceding and 1 preceding) as same_weekday,
        count(*) over (partition by dayofweek(d) order by d
                       rows between 4 preceding and 1 preceding) as same_weekday_days
    from profile
), baseline as (
    select *, case when same_weekday_days >= 3 then same_weekday end::double as baseline_rows
    from history
), residuals as (
    select *,
        median(abs(rows_loaded - baseline_rows))
            over (order by d rows between 28 preceding and 1 preceding) as previous_mad,
        count(baseline_rows)
            over (order by d rows between 28 preceding and 1 preceding) as previous_judged
    from baseline
), noise as (
    select *, case when previous_judged >= 14
                   then greatest(1.0, 1.4826 * previous_mad) end as noise_rows
    from residuals
)
select d as delivery_date, rows_loaded, rows_quarantined, rows_negative_amount,
       rows_quarantined / nullif(rows_loaded + rows_quarantined, 0) as quarantine_share,
       case when rows_quarantined >= {MIN_FLAGGED_ROWS}
            then rows_quarantined / (rows_loaded + rows_quarantined) end
           as quarantine_share_significant,
       case when rows_negative_amount >= {MIN_FLAGGED_ROWS}
            then rows_negative_amount / (rows_loaded + rows_quarantined) end
           as negative_amount_share_significant,
       baseline_rows, noise_rows,
       rows_loaded / nullif(baseline_rows, 0) as volume_ratio,
       case when baseline_rows >= {VOLUME_MIN_BASELINE}
             and abs(rows_loaded - baseline_rows) > {VOLUME_NOISE_SIGMAS} * noise_rows
            then rows_loaded / baseline_rows end as volume_ratio_significant
       {settlement_columns}
from noise {settlement_join}
order by d
"""


def _split_by_district_activity(profile_sql: str, other_feeds: list[str]) -> str:
    """A drop on a day when the other systems' steady feeds were quiet too (their median below
    DISTRICT_QUIET_RATIO of usual: Spring Festival, National Day) is the district's calendar,
    not a partial delivery: it moves from `volume_ratio_significant` to
    `volume_ratio_district_quiet`."""
    return f"""
with profile as ({profile_sql}),
district as ({district_activity_sql(other_feeds)})
select profile.* exclude (volume_ratio_significant),
    case when coalesce(district.district_ratio, 1) >= {DISTRICT_QUIET_RATIO}
         then profile.volume_ratio_significant end as volume_ratio_significant,
    case when district.district_ratio < {DISTRICT_QUIET_RATIO}
         then profile.volume_ratio_significant end as volume_ratio_district_quiet,
    district.district_ratio
from profile
left join district on profile.delivery_date = district.d
order by profile.delivery_date
"""


def other_steady_feeds(con, table: Table) -> list[str]:
    """The steady feeds (raw_suites.STEADY_TABLES) of the other systems that are loaded."""
    return [name for name in sorted(raw_suites.STEADY_TABLES)
            if TABLES[name].system != table.system and _exists(con, "raw", name)]


def daily_profile(con, table: Table) -> pd.DataFrame:
    sql = daily_profile_sql(table, _exists(con, "quarantine", table.name))
    return con.execute(_split_by_district_activity(sql, other_steady_feeds(con, table))).df()


def validate_raw_table(con: duckdb.DuckDBPyConnection, table_name: str, data_dir: Path,
                       days: list[date] | None = None, context=None,
                       build_docs: bool = True) -> GateOutcome:
    """Run the three suites of `raw.<table_name>`; `days` limits the row suite to those
    delivery days (the daily profile always looks at the whole history)."""
    table = TABLES[table_name]
    context = context or get_context(data_dir)
    runner = SuiteRunner(context)
    outcome = GateOutcome(name=f"raw.{table.name}")
    pii = [c.name for c in table.pii_columns]
    outcome.suites.append(runner.run(
        raw_suites.schema_suite(table), [("schema", schema_frame(con, table))]))
    # The next batch is read on a cursor of its own while GX validates the current one.
    with con.cursor() as reader:
        batches = prefetched(day_batches(reader, table, days), name="gx-reader")
        outcome.suites.append(runner.run(raw_suites.row_suite(table), batches,
                                         index_columns=INDEX_COLUMNS, pii_columns=pii))
    outcome.suites.append(runner.run(
        raw_suites.daily_suite(table), [("daily profile", daily_profile(con, table))],
        index_columns=["delivery_date"]))
    if build_docs and outcome.passed:
        # Its pages and the index wait for the build's metric_values gate
        # (expectations/context.py).
        defer_data_docs(data_dir, runner.pages())
    elif build_docs:
        build_data_docs(context, data_dir, [runner.pages()])
    outcome.data_docs = str(data_docs_index(data_dir))
    return outcome


__all__ = ["validate_raw_table", "day_batches", "daily_profile"]
