"""The committee pack: numbers in the PDF are the served file's, formatted like the dashboard."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from consortium_dw.report import ReportDataError, build_report, load_pack
from tests.extras.conftest import pdf_text, run_module
from tests.extras.handmade_serving import HEADLINE_TEXT_MARCH


def test_pdf_of_a_handmade_month_shows_each_headline_value(handmade_serving, tmp_path):
    pdf = build_report(handmade_serving, "2025-03", tmp_path / "pack.pdf")
    text = pdf_text(pdf)
    for code, shown in HEADLINE_TEXT_MARCH.items():
        assert shown in text, f"{code}: {shown} not in the PDF"
    for title in ("五项核心指标", "支撑指标", "未达标单位", "本月数据质量", "指标口径"):
        assert title in text
    # The literacy survey is yearly: the pack says which period it shows instead of the month.
    assert "2025年度" in text
    assert "62.0%" in text  # a supporting indicator
    assert "示例市人民医院" in text  # a laggard, by name


def test_pack_reads_the_months_values_laggards_and_load_accounting(handmade_serving):
    pack = load_pack(handmade_serving, "2025-03")
    values = {h.reading.metric.code: h.reading.value for h in pack.headlines}
    assert values["in_district_rate"] == pytest.approx(0.7243)
    literacy = next(h.reading for h in pack.headlines
                    if h.reading.metric.code == "health_literacy_level")
    assert (literacy.period_type, literacy.period_start) == ("year", date(2025, 1, 1))
    trend = next(h.trend for h in pack.headlines if h.reading.metric.code == "in_district_rate")
    assert [p.value for p in trend] == pytest.approx([0.70, 0.71, 0.7243])  # months only

    # Failing scopes only, worst gap first; the one that meets its target is not a laggard.
    assert [(lag.scope_code, round(lag.gap, 2)) for lag in pack.laggards] == [
        ("H001", 0.45), ("150602001", 0.15), ("H002", 0.04)]

    # March deliveries only: the February lab file (100 quarantined rows) is not counted.
    by_system = {q.system: q for q in pack.quality}
    assert set(by_system) == {"his", "insurance", "phs"}
    his = by_system["his"]
    assert (his.files_loaded, his.files_refused, his.rows_read, his.rows_loaded,
            his.rows_quarantined) == (1, 1, 120, 118, 2)
    assert sum(q.rows_quarantined for q in pack.quality) == 5


def test_a_month_without_values_is_a_clear_error(handmade_serving, tmp_path):
    with pytest.raises(ReportDataError, match="2024-12"):
        load_pack(handmade_serving, "2024-12")
    result = run_module("consortium_dw.report", "--serving", str(handmade_serving),
                        "--month", "2024-12", "--out", str(tmp_path / "x.pdf"))
    assert result.returncode == 1
    assert "months published: 2025-01 … 2025-03" in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_pack_without_load_accounting_still_renders(handmade_serving, tmp_path):
    con = duckdb.connect(str(handmade_serving))
    con.execute("drop table marts.fct_load_quality")
    con.close()
    pack = load_pack(handmade_serving, "2025-03")
    assert pack.quality is None and "fct_load_quality" in pack.quality_note
    text = pdf_text(build_report(handmade_serving, "2025-03", tmp_path / "pack.pdf"))
    assert "72.4%" in text


def test_the_literacy_target_and_a_first_year_read_as_on_the_dashboard():
    from consortium_dw.report.formatting import format_target, meets_target_zh

    assert format_target(0.25, ">=", "rate", "value_and_rise") == "≥ 25.0% 且逐年上升"
    assert format_target(0.01, ">=", "rate", "yoy_change") == "同比 ≥ +1.0 个百分点"
    # A value with a target it cannot be judged against yet (no year before to rise from).
    assert meets_target_zh(None, True, True) == "暂无同比"
    assert meets_target_zh(None, True, False) == "无数据"
    assert meets_target_zh(False, True, True) == "未达标"


def test_a_year_on_year_change_reads_in_the_metrics_unit():
    """Rates move in percentage points, counts and money by a relative change, days (alos)
    by days: METRICS.md's value − the year-earlier value, which is neither a count nor money."""
    from consortium_dw.report.formatting import format_yoy

    assert format_yoy(0.021, "rate") == "+2.1 个百分点"
    assert format_yoy(-0.05, "yuan") == "-5.0%"
    assert format_yoy(-0.5, "days") == "-0.5 天"
