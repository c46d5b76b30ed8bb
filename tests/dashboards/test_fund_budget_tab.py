"""The 医保总额预付 tab and the analysts' drill-through dataset, on the tiny district."""

from __future__ import annotations

import duckdb
import pytest

from tests.dashboards.superset_api import DASHBOARD_SLUG, SupersetSession

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sessions(superset):
    return {user: SupersetSession(superset.base_url, user, superset.password(user))
            for user in ("committee", "analyst")}


def _served(superset, sql: str):
    with duckdb.connect(str(superset.data_dir / "serving.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _chart_rows(session: SupersetSession, slice_name: str) -> list[dict]:
    response = session.get(f"/api/v1/dashboard/{DASHBOARD_SLUG}/charts")
    chart = next(c for c in response.json()["result"] if c["slice_name"] == slice_name)
    data = session.get(f"/api/v1/chart/{chart['id']}/data/")
    assert data.status_code == 200, data.text[:500]
    return data.json()["result"][0]["data"]


def test_the_budget_tab_shows_every_group_and_month_to_the_committee(sessions, superset):
    groups_months = _served(superset, "select count(distinct group_code), count(*) "
                                      "from marts.fct_fund_budget_monthly")[0]
    assert groups_months[0] > 0, "the tiny district must carry ref/fund_budget.csv"
    table = _chart_rows(sessions["committee"], "医保总额预付·医共体×月明细")
    assert len(table) == groups_months[1]
    cards = _chart_rows(sessions["committee"], "医保总额预付·执行概况")
    assert len(cards) == groups_months[0]
    latest = _served(superset, """
        select round(sum(cumulative_spending) / sum(annual_budget) * 100, 1)
        from marts.fct_fund_budget_monthly
        where month_start = (select max(month_start) from marts.fct_fund_budget_monthly)
        group by group_code order by group_code""")
    shown = sorted(float(card["execution_rate_display"].rstrip("%")) for card in cards)
    assert shown == sorted(value for (value,) in latest)


def test_the_drillthrough_lists_the_rows_of_one_value_with_file_and_line(sessions, superset):
    analyst = sessions["analyst"]
    datasets = analyst.get("/api/v1/dataset/", q="(page_size:100)").json()["result"]
    dataset = next(d for d in datasets if d["table_name"] == "fct_metric_drillthrough")
    metric, month, scope_type, scope_code = _served(superset, """
        select metric_code, period_label, scope_type, scope_code
        from marts.fct_metric_drillthrough
        where metric_code = 'oop_ratio' and scope_type = 'district' limit 1""")[0]
    filters = [{"col": "metric_code", "op": "==", "val": metric},
               {"col": "period_label", "op": "==", "val": month},
               {"col": "scope_type", "op": "==", "val": scope_type},
               {"col": "scope_code", "op": "==", "val": scope_code}]
    response = analyst.post("/api/v1/chart/data", {
        "datasource": {"id": dataset["id"], "type": "table"},
        "queries": [{"columns": ["role", "row_key", "source_system", "source_file",
                                 "source_line"],
                     "metrics": None, "filters": filters, "row_limit": 100000,
                     "orderby": [["row_key", True], ["role", True]]}],
        "result_format": "json", "result_type": "full"})
    assert response.status_code == 200, response.text[:500]
    rows = response.json()["result"][0]["data"]
    expected = _served(superset, f"""
        select role, row_key, source_system, source_file, source_line
        from marts.fct_metric_drillthrough
        where metric_code = '{metric}' and period_label = '{month}'
          and scope_type = '{scope_type}' and scope_code = '{scope_code}'""")
    assert rows and sorted(tuple(r.values()) for r in rows) == sorted(expected)
    assert all(r["source_system"] == "insurance" and r["source_line"] >= 1 for r in rows)
    # The numerator is the sum of what its rows contribute: the published value's numerator.
    (numerator, contributed) = _served(superset, f"""
        select v.numerator, (select sum(contribution) from marts.fct_metric_drillthrough d
                             where d.metric_code = v.metric_code and d.role = 'numerator'
                               and d.period_label = '{month}' and d.scope_type = v.scope_type
                               and d.scope_code = v.scope_code)
        from marts.metric_values v
        where v.metric_code = '{metric}' and v.period_type = 'month'
          and strftime(v.period_start, '%Y-%m') = '{month}'
          and v.scope_type = '{scope_type}' and v.scope_code = '{scope_code}'""")[0]
    assert contributed == pytest.approx(numerator)


def test_only_analysts_read_the_drillthrough(sessions):
    analyst_datasets = sessions["analyst"].get("/api/v1/dataset/", q="(page_size:100)")
    dataset = next(d for d in analyst_datasets.json()["result"]
                   if d["table_name"] == "fct_metric_drillthrough")
    query = {"datasource": {"id": dataset["id"], "type": "table"},
             "queries": [{"columns": ["row_key"], "metrics": None, "row_limit": 1}],
             "result_format": "json", "result_type": "full"}
    assert sessions["analyst"].post("/api/v1/chart/data", query).status_code == 200
    assert sessions["committee"].post("/api/v1/chart/data", query).status_code in (401, 403)
