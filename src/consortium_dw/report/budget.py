"""The pack's 医保总额预付 section: each group's budget position at the report month
(marts.fct_fund_budget_monthly, docs/budget.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

import duckdb

NO_BUDGET_NOTE = ("服务库中没有本月的医保总额预付数据"
                  "（未提供 ref/fund_budget.csv 或该年度无预算），本节从略。")


@dataclass(frozen=True)
class BudgetPosition:
    group_name: str
    annual_budget: float
    cumulative_spending: float
    cumulative_balance: float
    execution_rate: float | None
    projected_balance: float
    projection_method: str
    quarter_assessment: str | None


def load_budget(con: duckdb.DuckDBPyConnection, month: date) -> tuple[BudgetPosition, ...]:
    exists = con.execute("select count(*) from information_schema.tables where table_schema = "
                         "'marts' and table_name = 'fct_fund_budget_monthly'").fetchone()[0]
    if not exists:
        return ()
    rows = con.execute("""
        with groups as (
            select group_code, min(inst_name) || '医共体' as group_name
            from marts.dim_institution
            where group_code is not null and cast(is_lead as boolean)
            group by group_code)
        select coalesce(g.group_name, b.group_code), b.annual_budget, b.cumulative_spending,
               b.cumulative_balance, b.execution_rate, b.projected_balance,
               b.projection_method, b.quarter_assessment
        from marts.fct_fund_budget_monthly b
        left join groups g on g.group_code = b.group_code
        where b.month_start = ?
        order by b.group_code""", [month]).fetchall()
    return tuple(BudgetPosition(name, float(budget), float(spent), float(balance), rate,
                                float(projected), method, assessment)
                 for name, budget, spent, balance, rate, projected, method, assessment in rows)


def _wan(yuan: float) -> str:
    return f"{yuan / 10000:,.1f}"


def _signed(yuan: float, surplus: str, overrun: str) -> str:
    css = "good" if yuan >= 0 else "bad"
    return f'<span class="{css}">{surplus if yuan >= 0 else overrun} {_wan(abs(yuan))}</span>'


def budget_section(positions: tuple[BudgetPosition, ...]) -> str:
    if not positions:
        return f'<p class="note">{escape(NO_BUDGET_NOTE)}</p>'
    method_zh = {"run_rate": "按月均外推", "prior_year_seasonality": "按上年同期季节性"}
    rows = "".join(
        f"<tr><td>{escape(p.group_name)}</td>"
        f'<td class="num">{_wan(p.annual_budget)}</td>'
        f'<td class="num">{_wan(p.cumulative_spending)}</td>'
        f'<td class="num">{"—" if p.execution_rate is None else f"{p.execution_rate:.1%}"}</td>'
        f'<td class="num">{_signed(p.cumulative_balance, "结余", "超支")}</td>'
        f'<td class="num">{_signed(p.projected_balance, "结余", "超支")}</td>'
        f"<td>{escape(method_zh.get(p.projection_method, p.projection_method))}</td>"
        f"<td>{escape(p.quarter_assessment or '—')}</td></tr>"
        for p in positions)
    return ("<table><tr><th>医共体</th><th>年度预算（万元）</th><th>累计基金支出（万元）</th>"
            "<th>预算执行率</th><th>累计结余/超支（万元）</th><th>预计年终（万元）</th>"
            "<th>预测方法</th><th>季度评估</th></tr>" + rows + "</table>"
            '<p class="note">基金支出：归属本医共体的本区参保居民在任何机构（含区外）'
            "结算的统筹基金支出，冲销已抵扣；累计预算 = 年度预算 × 月数 ÷ 12；"
            "季度评估见 3、6、9、12 月。口径见 docs/budget.md。</p>")
