"""The SQL the committee dashboard sends when it opens, rebuilt from dashboards/assets YAML.

For `make bench` (timing against serving.duckdb) without a running Superset. Each chart becomes
the statement Superset 6 generates for its params: the dataset (its `sql` as a subquery, or
`schema.table`), the chart's adhoc WHERE filters, the dashboard's native filters at their
default values (where the chart is in their scope), then
- raw-mode tables: the listed columns, `order_by_cols`, `row_limit`;
- time-series charts: the x axis truncated to its time grain, the group-by columns, the saved
  metrics' expressions, grouped, ordered by the first metric descending, `row_limit`.
Each native filter also loads its choices: `select distinct <column>` from its dataset.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ASSETS_DIR = Path(__file__).resolve().parents[2] / "dashboards" / "assets"
TIME_GRAINS = {"P1D": "day", "P1W": "week", "P1M": "month", "P3M": "quarter", "P1Y": "year"}


def _load(kind: str, assets_dir: Path) -> dict[str, dict]:
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in sorted((assets_dir / kind).rglob("*.yaml"))}


def _source(dataset: dict) -> str:
    if dataset.get("sql"):
        return f"(\n{dataset['sql']}\n) as virtual_table"
    return f"{dataset['schema']}.{dataset['table_name']}"


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _native_filter_conditions(dashboards: dict[str, dict], chart: str) -> list[str]:
    conditions = []
    for dashboard in dashboards.values():
        for native in (dashboard.get("metadata") or {}).get("native_filter_configuration", []):
            if chart in native.get("scope", {}).get("excluded", []):
                continue
            for default in native.get("defaultDataMask", {}).get("extraFormData", {}).get(
                    "filters", []):
                if default.get("op") == "IN" and default.get("val"):
                    values = ", ".join(_literal(v) for v in default["val"])
                    conditions.append(f"{default['col']} in ({values})")
    return conditions


def _metric_expression(metric, dataset: dict) -> tuple[str, str]:
    if isinstance(metric, str):
        saved = {m["metric_name"]: m["expression"] for m in dataset.get("metrics", [])}
        return saved[metric], metric
    if metric.get("expressionType") == "SQL":
        return metric["sqlExpression"], metric.get("label", "metric")
    column = metric["column"]["column_name"]
    return f"{metric['aggregate']}({column})", metric.get("label", column)


def chart_sql(chart: dict, dataset: dict, extra_conditions: list[str]) -> str:
    params = chart["params"]
    conditions = [f"({f['sqlExpression']})" for f in params.get("adhoc_filters", [])
                  if f.get("expressionType") == "SQL" and f.get("clause", "WHERE") == "WHERE"]
    conditions += [f"({c})" for c in extra_conditions]
    where = f"\nwhere {' and '.join(conditions)}" if conditions else ""
    limit = int(params.get("row_limit") or 10000)
    if params.get("query_mode") == "raw":
        columns = ", ".join(params["all_columns"])
        orders = [json.loads(o) for o in params.get("order_by_cols", [])]
        order = ", ".join(f"{col} {'asc' if ascending else 'desc'}" for col, ascending in orders)
        order_by = f"\norder by {order}" if order else ""
        return f"select {columns}\nfrom {_source(dataset)}{where}{order_by}\nlimit {limit}"
    if params["viz_type"].startswith("echarts_timeseries"):
        grain = TIME_GRAINS[params.get("time_grain_sqla", "P1M")]
        x_axis = params["x_axis"]
        groupby = list(params.get("groupby", []))
        metrics = [_metric_expression(m, dataset) for m in params["metrics"]]
        selected = [f"date_trunc('{grain}', {x_axis}) as {x_axis}", *groupby,
                    *(f"{expression} as {label}" for expression, label in metrics)]
        group = ", ".join(str(i + 1) for i in range(1 + len(groupby)))
        return (f"select {', '.join(selected)}\nfrom {_source(dataset)}{where}\n"
                f"group by {group}\norder by {metrics[0][1]} desc\nlimit {limit}")
    raise ValueError(f"no SQL recipe for viz_type {params['viz_type']!r}")


def chart_queries(assets_dir: Path = ASSETS_DIR) -> list[tuple[str, str]]:
    """(name, sql) for every chart and every native filter's choices."""
    datasets = {d["uuid"]: d for d in _load("datasets", assets_dir).values()}
    dashboards = _load("dashboards", assets_dir)
    queries = []
    for name, chart in _load("charts", assets_dir).items():
        dataset = datasets[chart["dataset_uuid"]]
        queries.append((name, chart_sql(chart, dataset,
                                        _native_filter_conditions(dashboards, name))))
    for dashboard in dashboards.values():
        for native in (dashboard.get("metadata") or {}).get("native_filter_configuration", []):
            for target in native.get("targets", []):
                dataset = datasets[target["datasetUuid"]]
                column = target["column"]["name"]
                queries.append((f"filter choices: {native['name']}",
                                f"select distinct {column}\nfrom {_source(dataset)}\n"
                                f"order by {column}\nlimit 1000"))
    return queries
