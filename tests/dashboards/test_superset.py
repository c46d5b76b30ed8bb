"""Superset on the tiny district, through its REST API as each role."""

from __future__ import annotations

import duckdb
import pytest

from tests.dashboards.superset_api import DASHBOARD_SLUG, SupersetSession, latest_headline_text

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def sessions(superset):
    return {user: SupersetSession(superset.base_url, user, superset.password(user))
            for user in ("admin", "committee", "analyst")}


@pytest.fixture(scope="module")
def serving_database_id(sessions) -> int:
    databases = sessions["admin"].list_all("database")
    assert [d["database_name"] for d in databases] == ["医联体数据服务库"]
    return databases[0]["id"]


def dashboard_charts(session: SupersetSession) -> list[dict]:
    response = session.get(f"/api/v1/dashboard/{DASHBOARD_SLUG}/charts")
    assert response.status_code == 200, response.text[:500]
    return response.json()["result"]


@pytest.mark.parametrize("user", ["committee", "analyst"])
def test_every_chart_of_the_dashboard_returns_rows(sessions, user):
    charts = dashboard_charts(sessions[user])
    assert len(charts) == 17
    for chart in charts:
        response = sessions[user].get(f"/api/v1/chart/{chart['id']}/data/")
        assert response.status_code == 200, (chart["slice_name"], response.text[:500])
        result = response.json()["result"][0]
        assert result["rowcount"] > 0, chart["slice_name"]


def test_headline_cards_show_the_five_headlines_of_the_newest_month(sessions, superset):
    cards = next(c for c in dashboard_charts(sessions["committee"])
                 if c["slice_name"] == "三升二降核心指标")
    response = sessions["committee"].get(f"/api/v1/chart/{cards['id']}/data/")
    rows = response.json()["result"][0]["data"]
    shown = {row["metric_code"]: row["value_display"] for row in rows}
    assert shown == latest_headline_text(superset.data_dir / "serving.duckdb")
    assert {row["as_of_label"] for row in rows} == {"最新"}
    assert all(row["status_color"] in ("#1a7f37", "#cf222e", "#57606a") for row in rows)


def test_committee_cannot_open_sql_lab(sessions, serving_database_id):
    committee = sessions["committee"]
    response = committee.run_sql(serving_database_id, "select 1")
    assert response.status_code in (401, 403), response.text[:300]
    assert committee.get("/api/v1/query/").status_code in (401, 403)
    assert committee.get("/api/v1/sqllab/").status_code in (401, 403)


def test_analyst_queries_the_marts_in_sql_lab(sessions, serving_database_id, superset):
    response = sessions["analyst"].run_sql(
        serving_database_id, "select count(*) as n from marts.metric_values")
    assert response.status_code == 200, response.text[:500]
    with duckdb.connect(str(superset.data_dir / "serving.duckdb"), read_only=True) as con:
        expected = con.execute("select count(*) from marts.metric_values").fetchone()[0]
    assert response.json()["data"][0]["n"] == expected


@pytest.mark.parametrize("sql", [
    "select * from raw.settlements limit 1",
    "select * from quarantine.rejected_files limit 1",
    "attach '{warehouse}' as wh (read_only)",
    "select * from read_parquet('{landing_glob}') limit 1",
    "select * from read_csv('{warehouse}') limit 1",
])
def test_analyst_cannot_read_raw_quarantine_or_other_files(sessions, serving_database_id,
                                                           superset, sql):
    sql = sql.format(warehouse=superset.data_dir / "warehouse.duckdb",
                     landing_glob=superset.data_dir.parent / "**" / "*.parquet")
    response = sessions["analyst"].run_sql(serving_database_id, sql)
    assert response.status_code != 200 or response.json().get("status") == "failed", \
        response.text[:300]


@pytest.mark.parametrize("sql", [
    "create table marts.scratch as select 1 as a",
    "delete from marts.metric_values",
    "update marts.dim_metric set target = 0",
    "drop table marts.metric_values",
])
def test_analyst_cannot_write(sessions, serving_database_id, superset, sql):
    with duckdb.connect(str(superset.data_dir / "serving.duckdb"), read_only=True) as con:
        before = con.execute("select count(*) from marts.metric_values").fetchone()[0]
    response = sessions["analyst"].run_sql(serving_database_id, sql)
    assert response.status_code != 200 or response.json().get("status") == "failed", \
        response.text[:300]
    with duckdb.connect(str(superset.data_dir / "serving.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.metric_values").fetchone()[0] == before
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables").fetchall()}
    assert "scratch" not in tables and "metric_values" in tables


def test_serving_does_not_need_the_warehouse(sessions, superset):
    """The pipeline holds warehouse.duckdb for writing; Superset reads only the served copy."""
    database = sessions["admin"].list_all("database")[0]
    detail = sessions["admin"].get(f"/api/v1/database/{database['id']}/connection").json()
    assert detail["result"]["sqlalchemy_uri"].endswith("/serving.duckdb")
    with duckdb.connect(str(superset.data_dir / "warehouse.duckdb")):  # an exclusive writer
        chart = dashboard_charts(sessions["committee"])[0]
        response = sessions["committee"].get(f"/api/v1/chart/{chart['id']}/data/")
        assert response.status_code == 200, response.text[:300]


def test_provisioning_twice_leaves_one_copy_of_each(sessions, superset):
    admin = sessions["admin"]
    before = {kind: sorted(item["id"] for item in admin.list_all(kind))
              for kind in ("database", "dataset", "chart", "dashboard")}
    rerun = superset.provision()
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    after = {kind: sorted(item["id"] for item in admin.list_all(kind))
             for kind in ("database", "dataset", "chart", "dashboard")}
    assert after == before
    assert {kind: len(ids) for kind, ids in after.items()} == \
        {"database": 1, "dataset": 10, "chart": 17, "dashboard": 1}
