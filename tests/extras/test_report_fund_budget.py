"""The pack's 医保总额预付 section, read from a hand-made served file."""

from __future__ import annotations

from datetime import date

import duckdb

from consortium_dw.report.budget import NO_BUDGET_NOTE, budget_section, load_budget


def _serving(path, with_budget: bool = True):
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.dim_institution as select * from (values "
                "('H1', '示例市人民医院', 'G1', true), ('H2', '示例卫生院', 'G1', false)) "
                "t(inst_code, inst_name, group_code, is_lead)")
    if with_budget:
        con.execute("""
            create table marts.fct_fund_budget_monthly as select * from (values
              ('G1', date '2025-03-01', 1200000.00, 310000.00, -10000.00, 0.2583, -40000.0,
               'run_rate', '超支'),
              ('G2', date '2025-03-01', 800000.00, 150000.00, 50000.00, 0.1875, 200000.0,
               'run_rate', '正常'),
              ('G1', date '2025-02-01', 1200000.00, 200000.00, 0.00, 0.1667, 0.0,
               'run_rate', null))
            t(group_code, month_start, annual_budget, cumulative_spending, cumulative_balance,
              execution_rate, projected_balance, projection_method, quarter_assessment)""")
    return con


def test_the_section_shows_each_groups_position_in_the_month(tmp_path):
    with _serving(tmp_path / "serving.duckdb") as con:
        positions = load_budget(con, date(2025, 3, 1))
    assert [(p.group_name, p.cumulative_spending) for p in positions] == [
        ("示例市人民医院医共体", 310000.0), ("G2", 150000.0)]
    html = budget_section(positions)
    for shown in ("示例市人民医院医共体", "120.0", "31.0", "25.8%", "超支 1.0", "超支 4.0",
                  "结余 5.0", "结余 20.0", "按月均外推", "正常"):
        assert shown in html, shown


def test_without_a_budget_the_section_says_so(tmp_path):
    with _serving(tmp_path / "serving.duckdb", with_budget=False) as con:
        positions = load_budget(con, date(2025, 3, 1))
    assert positions == ()
    assert NO_BUDGET_NOTE in budget_section(positions)
