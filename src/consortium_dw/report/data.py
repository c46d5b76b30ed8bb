"""What the committee pack shows, read from the served file (never the warehouse).

Everything here comes from `marts.metric_values`, `marts.dim_metric`, the dims and
`marts.fct_load_quality`; the pack computes no metric itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from consortium_dw.report.budget import load_budget

HEADLINE_ORDER = ("in_district_rate", "health_literacy_level", "fd_signing_rate", "oop_ratio",
                  "outflow_rate")
THEME_ORDER = ("就诊格局", "费用负担", "家庭医生", "健康素养", "资源下沉与协同")
LAGGARD_SCOPES = ("group", "institution", "township")
# The laggard table is printed, so it is capped; the pack says how many rows it left out.
LAGGARD_LIMIT = 60


class ReportDataError(RuntimeError):
    """The served file cannot give the pack it was asked for (missing table, month, metric)."""


@dataclass(frozen=True)
class MetricDefinition:
    code: str
    name_zh: str
    name_en: str
    definition_zh: str
    theme_zh: str
    is_headline: bool
    unit: str
    better_direction: str
    target: float | None
    target_op: str | None
    # `value`: the target applies to the value; `yoy_change`: to the change on a year earlier.
    target_basis: str = "value"
    sort_order: int | None = None


@dataclass(frozen=True)
class MetricReading:
    """One metric's published value for the district in the period the pack shows for it."""

    metric: MetricDefinition
    period_type: str | None
    period_start: date | None
    numerator: float | None
    denominator: float | None
    value: float | None
    meets_target: bool | None
    yoy_change: float | None


@dataclass(frozen=True)
class TrendPoint:
    period_start: date
    value: float | None


@dataclass(frozen=True)
class Headline:
    reading: MetricReading
    trend: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class Laggard:
    metric: MetricDefinition
    scope_type: str
    scope_code: str
    scope_name: str
    value: float | None
    yoy_change: float | None
    gap: float


@dataclass(frozen=True)
class SystemQuality:
    system: str
    files_loaded: int
    files_refused: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int


@dataclass(frozen=True)
class CommitteePack:
    month: date
    district_code: str
    headlines: tuple[Headline, ...]
    supporting: tuple[MetricReading, ...]
    laggards: tuple[Laggard, ...]
    laggards_left_out: int
    quality: tuple[SystemQuality, ...] | None
    quality_note: str
    definitions: tuple[MetricDefinition, ...]
    budget: tuple = ()  # report.budget.BudgetPosition per group; empty without a budget file


def parse_month(text: str) -> date:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise ReportDataError(f"month must be YYYY-MM, got {text!r}") from exc


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _table_exists(con, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table]).fetchone()[0])


def _columns(con, schema: str, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? "
        "and table_name = ?", [schema, table]).fetchall()}


def _definitions(con) -> list[MetricDefinition]:
    # target_basis and sort_order are optional: older served files do not have them.
    optional = _columns(con, "marts", "dim_metric")
    basis = "target_basis" if "target_basis" in optional else "'value'"
    sort = "sort_order" if "sort_order" in optional else "null"
    rows = _rows(con, f"""
        select metric_code, metric_name_zh, metric_name_en, definition_zh, theme_zh,
               is_headline, unit, better_direction, target, target_op,
               {basis} as target_basis, {sort} as sort_order
        from marts.dim_metric""")
    defs = [MetricDefinition(r["metric_code"], r["metric_name_zh"], r["metric_name_en"] or "",
                             r["definition_zh"] or "", r["theme_zh"] or "其他",
                             bool(r["is_headline"]), r["unit"] or "rate",
                             r["better_direction"] or "none",
                             None if r["target"] is None else float(r["target"]), r["target_op"],
                             r["target_basis"] or "value", r["sort_order"])
            for r in rows]

    def order(d: MetricDefinition):
        headline_rank = (HEADLINE_ORDER.index(d.code) if d.code in HEADLINE_ORDER
                         else len(HEADLINE_ORDER))
        theme_rank = (THEME_ORDER.index(d.theme_zh) if d.theme_zh in THEME_ORDER
                      else len(THEME_ORDER))
        sort_rank = d.sort_order if d.sort_order is not None else 10**6
        return (not d.is_headline, headline_rank, theme_rank, sort_rank, d.code)

    return sorted(defs, key=order)


def _district_code(con) -> str:
    row = con.execute("""
        select scope_code from marts.metric_values where scope_type = 'district'
        group by scope_code order by count(*) desc limit 1""").fetchone()
    if row is None:
        raise ReportDataError("marts.metric_values has no district rows")
    return row[0]


def _reading(con, metric: MetricDefinition, district: str, month: date) -> MetricReading:
    """The month's value; for metrics not published monthly (the yearly literacy survey), the
    quarter, then the year holding the month, then the latest earlier year."""
    row = con.execute("""
        select period_type, period_start, numerator, denominator, value, meets_target, yoy_change
        from marts.metric_values
        where metric_code = ? and scope_type = 'district' and scope_code = ?
          and ((period_type = 'month' and period_start = ?)
            or (period_type = 'quarter' and period_start = date_trunc('quarter', ?::date))
            or (period_type = 'year' and period_start <= ?::date))
        order by case period_type when 'month' then 0 when 'quarter' then 1 else 2 end,
                 period_start desc
        limit 1""", [metric.code, district, month, month, month]).fetchone()
    if row is None:
        return MetricReading(metric, None, None, None, None, None, None, None)
    return MetricReading(metric, row[0], row[1], row[2], row[3], row[4], row[5], row[6])


def _trend(con, reading: MetricReading, district: str, month: date) -> tuple[TrendPoint, ...]:
    period_type = reading.period_type or "month"
    rows = con.execute("""
        select period_start, value from marts.metric_values
        where metric_code = ? and scope_type = 'district' and scope_code = ?
          and period_type = ? and period_start <= ?
        order by period_start""",
                       [reading.metric.code, district, period_type, month]).fetchall()
    return tuple(TrendPoint(r[0], r[1]) for r in rows)


def _scope_names(con) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    if _table_exists(con, "marts", "dim_institution"):
        for code, name in con.execute(
                "select inst_code, inst_name from marts.dim_institution").fetchall():
            names[("institution", code)] = name
    if _table_exists(con, "marts", "dim_township"):
        for code, name in con.execute(
                "select township_code, township_name from marts.dim_township").fetchall():
            names[("township", code)] = name
    return names


def _laggards(con, definitions: dict[str, MetricDefinition], month: date
              ) -> tuple[list[Laggard], int]:
    rows = _rows(con, f"""
        select metric_code, scope_type, scope_code, value, yoy_change
        from marts.metric_values
        where period_type = 'month' and period_start = ? and meets_target = false
          and scope_type in {LAGGARD_SCOPES}""", [month])
    names = _scope_names(con)
    order = {code: i for i, code in enumerate(definitions)}
    laggards = []
    for r in rows:
        metric = definitions.get(r["metric_code"])
        if metric is None or metric.target is None:
            continue
        measured = r["yoy_change"] if metric.target_basis == "yoy_change" else r["value"]
        gap = abs(measured - metric.target) if measured is not None else 0.0
        laggards.append(Laggard(metric, r["scope_type"], r["scope_code"],
                                names.get((r["scope_type"], r["scope_code"]), r["scope_code"]),
                                r["value"], r["yoy_change"], gap))
    laggards.sort(key=lambda lag: (order[lag.metric.code], -lag.gap, lag.scope_code))
    return laggards[:LAGGARD_LIMIT], max(0, len(laggards) - LAGGARD_LIMIT)


def _quality(con, month: date) -> tuple[tuple[SystemQuality, ...] | None, str]:
    if not _table_exists(con, "marts", "fct_load_quality"):
        return None, "服务库中没有 marts.fct_load_quality（装载核算未发布），本月数据质量汇总从略。"
    rows = con.execute("""
        select system, sum(files_loaded), sum(files_refused), sum(rows_read), sum(rows_loaded),
               sum(rows_quarantined)
        from marts.fct_load_quality
        where delivery_date >= ? and delivery_date < ?::date + interval 1 month
        group by system order by system""", [month, month]).fetchall()
    quality = tuple(SystemQuality(r[0], *(int(x or 0) for x in r[1:])) for r in rows)
    note = "" if quality else "本月没有任何交付批次的装载记录。"
    return quality, note


def load_pack(serving: Path, month_text: str) -> CommitteePack:
    month = parse_month(month_text)
    if not Path(serving).exists():
        raise ReportDataError(f"served file not found: {serving}")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        for table in ("metric_values", "dim_metric"):
            if not _table_exists(con, "marts", table):
                raise ReportDataError(f"{serving} has no marts.{table}")
        has_month = con.execute(
            "select count(*) from marts.metric_values where period_type = 'month' "
            "and period_start = ?", [month]).fetchone()[0]
        if not has_month:
            available = [r[0].strftime("%Y-%m") for r in con.execute(
                "select distinct period_start from marts.metric_values "
                "where period_type = 'month' order by 1").fetchall()]
            span = f"{available[0]} … {available[-1]}" if available else "none"
            raise ReportDataError(f"no monthly metric values for {month_text} in {serving} "
                                  f"(months published: {span})")
        definitions = _definitions(con)
        by_code = {d.code: d for d in definitions}
        district = _district_code(con)
        readings = [_reading(con, d, district, month) for d in definitions]
        headlines = tuple(Headline(r, _trend(con, r, district, month))
                          for r in readings if r.metric.is_headline)
        supporting = tuple(r for r in readings if not r.metric.is_headline)
        laggards, left_out = _laggards(con, by_code, month)
        quality, quality_note = _quality(con, month)
        budget = load_budget(con, month)
    finally:
        con.close()
    return CommitteePack(month, district, headlines, supporting, tuple(laggards), left_out,
                         quality, quality_note, tuple(definitions), budget)
