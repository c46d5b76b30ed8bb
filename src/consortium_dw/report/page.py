"""The committee pack as one self-contained HTML page (Chinese), ready for print to PDF."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape

from consortium_dw.report.budget import budget_section
from consortium_dw.report.charts import BAD, GOOD, bar_chart, trend_chart
from consortium_dw.report.data import (
    CommitteePack,
    Headline,
    Laggard,
    MetricDefinition,
    MetricReading,
)
from consortium_dw.report.formatting import (
    MISSING,
    format_count,
    format_gap,
    format_target,
    format_value,
    format_yoy,
    meets_target_zh,
)

SCOPE_TYPE_ZH = {"district": "全区", "group": "医疗集团", "institution": "机构",
                 "township": "乡镇/街道"}
SYSTEM_ZH = {"his": "HIS 医院信息系统", "lis": "LIS 检验", "pacs": "PACS 影像", "emr": "EMR 病案",
             "insurance": "医保结算", "phs": "公卫/家庭医生"}
DIRECTION_ZH = {"up": "越高越好", "down": "越低越好", "none": "—"}

STYLE = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 10pt;
       color: #222; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; border-bottom: 1.5px solid #1f5fa8; padding-bottom: 1mm;
     margin: 6mm 0 3mm; page-break-after: avoid; }
h3 { font-size: 10.5pt; margin: 3mm 0 1mm; }
.sub { color: #666; font-size: 9pt; }
.cards { display: grid; grid-template-columns: 1fr 1fr; gap: 3mm; }
.card { border: 1px solid #ccc; border-radius: 2mm; padding: 2.5mm; page-break-inside: avoid; }
.card .name { font-weight: bold; }
.card .value { font-size: 20pt; font-weight: bold; margin: 1mm 0; }
.good { color: """ + GOOD + """; } .bad { color: """ + BAD + """; } .none { color: #666; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2mm; }
th, td { border: 0.5px solid #bbb; padding: 1mm 1.5mm; text-align: left; font-size: 8.5pt; }
th { background: #eef3fa; }
td.num { text-align: right; white-space: nowrap; }
table.definitions td:last-child { white-space: nowrap; }
tr { page-break-inside: avoid; }
.note { color: #666; font-size: 8.5pt; }
section { page-break-inside: auto; }
"""


def _target(metric: MetricDefinition) -> str:
    return format_target(metric.target, metric.target_op, metric.unit, metric.target_basis)


def _month_zh(month: date) -> str:
    return f"{month.year}年{month.month}月"


def _period_zh(period_type: str | None, period_start: date | None) -> str:
    if period_start is None:
        return MISSING
    if period_type == "year":
        return f"{period_start.year}年度"
    if period_type == "quarter":
        return f"{period_start.year}年第{(period_start.month - 1) // 3 + 1}季度"
    return _month_zh(period_start)


def _status_class(reading: MetricReading) -> str:
    if reading.meets_target is None:
        return "none"
    return "good" if reading.meets_target else "bad"


def _headline_card(headline: Headline, month: date) -> str:
    r = headline.reading
    m = r.metric
    status = meets_target_zh(r.meets_target, m.target is not None, r.value is not None)
    period_note = ""
    if r.period_type and r.period_type != "month":
        shown = _period_zh(r.period_type, r.period_start)
        period_note = f'<div class="sub">本月无月度值，显示{shown}</div>'
    chart = trend_chart([(p.period_start, p.value) for p in headline.trend],
                        r.period_type or "month", m.unit,
                        m.target if m.target_basis != "yoy_change" else None)
    return f"""
<div class="card">
  <div class="name">{escape(m.name_zh)}</div>
  <div class="value {_status_class(r)}">{escape(format_value(r.value, m.unit))}</div>
  {period_note}
  <div class="sub">目标 {escape(_target(m))} · {status}
    · 同比 {escape(format_yoy(r.yoy_change, m.unit))}</div>
  {chart}
</div>"""


def _supporting_table(readings: tuple[MetricReading, ...]) -> str:
    rows = []
    theme = None
    for r in readings:
        m = r.metric
        if m.theme_zh != theme:
            theme = m.theme_zh
            rows.append(f'<tr><th colspan="7">{escape(theme)}</th></tr>')
        ratio = MISSING
        if r.numerator is not None and r.denominator is not None:
            ratio = f"{format_count(r.numerator)} / {format_count(r.denominator)}"
        rows.append(
            f"<tr><td>{escape(m.name_zh)}</td>"
            f'<td class="num {_status_class(r)}">{escape(format_value(r.value, m.unit))}</td>'
            f'<td class="num">{escape(ratio)}</td>'
            f'<td class="num">{escape(_target(m))}</td>'
            f"<td>{meets_target_zh(r.meets_target, m.target is not None, r.value is not None)}</td>"
            f'<td class="num">{escape(format_yoy(r.yoy_change, m.unit))}</td>'
            f"<td>{escape(_period_zh(r.period_type, r.period_start))}</td></tr>")
    return ("<table><tr><th>指标</th><th>数值</th><th>分子 / 分母</th><th>目标</th>"
            "<th>达标</th><th>同比</th><th>统计期</th></tr>" + "".join(rows) + "</table>")


def _laggard_target(lag: Laggard) -> str:
    m = lag.metric
    target = _target(m)
    if m.target_basis == "yoy_change":
        return f"{target}（实际 {format_yoy(lag.yoy_change, m.unit)}）"
    return target


def _laggard_table(pack: CommitteePack) -> str:
    if not pack.laggards:
        return '<p class="note">本月各医疗集团、机构和乡镇/街道的指标均已达标（或无目标）。</p>'
    rows = "".join(
        f"<tr><td>{escape(lag.metric.name_zh)}</td>"
        f"<td>{SCOPE_TYPE_ZH.get(lag.scope_type, lag.scope_type)}</td>"
        f"<td>{escape(lag.scope_name)}</td>"
        f'<td class="num bad">{escape(format_value(lag.value, lag.metric.unit))}</td>'
        f'<td class="num">{escape(_laggard_target(lag))}</td>'
        f'<td class="num">{escape(format_gap(lag.gap, lag.metric.unit))}</td></tr>'
        for lag in pack.laggards)
    more = ""
    if pack.laggards_left_out:
        more = (f'<p class="note">另有 {pack.laggards_left_out} 项未达标未列出'
                f"（按指标和差距排序，仅列前 {len(pack.laggards)} 项）。</p>")
    return ("<table><tr><th>指标</th><th>层级</th><th>单位</th><th>本月值</th><th>目标</th>"
            "<th>差距</th></tr>" + rows + "</table>" + more)


def _quality_section(pack: CommitteePack) -> str:
    if pack.quality is None or not pack.quality:
        return f'<p class="note">{escape(pack.quality_note)}</p>'
    rows = "".join(
        f"<tr><td>{escape(SYSTEM_ZH.get(q.system, q.system))}</td>"
        f'<td class="num">{format_count(q.files_loaded)}</td>'
        f'<td class="num {"bad" if q.files_refused else ""}">{format_count(q.files_refused)}</td>'
        f'<td class="num">{format_count(q.rows_read)}</td>'
        f'<td class="num">{format_count(q.rows_loaded)}</td>'
        f'<td class="num {"bad" if q.rows_quarantined else ""}">'
        f"{format_count(q.rows_quarantined)}</td></tr>"
        for q in pack.quality)
    total = [sum(getattr(q, f) for q in pack.quality) for f in
             ("files_loaded", "files_refused", "rows_read", "rows_loaded", "rows_quarantined")]
    rows += ("<tr><th>合计</th>" + "".join(f'<th class="num">{format_count(t)}</th>'
                                            for t in total) + "</tr>")
    chart = bar_chart([(SYSTEM_ZH.get(q.system, q.system), q.rows_quarantined)
                       for q in pack.quality])
    return ("<table><tr><th>来源系统</th><th>装载文件</th><th>拒收文件</th><th>读取行数</th>"
            "<th>入库行数</th><th>隔离行数</th></tr>" + rows + "</table>"
            "<h3>隔离行数（按来源系统）</h3>" + chart +
            '<p class="note">按交付日期统计本月各系统交付的文件；重发的文件以最后一次装载为准。'
            "拒收文件：清单不符、无法解码或表头不符，整文件未入库；隔离行：未通过逐行校验，"
            "原因见仓库 quarantine 模式。</p>")


def _definitions_table(pack: CommitteePack) -> str:
    rows = "".join(
        f"<tr><td>{escape(d.name_zh)}<br><span class='sub'>{escape(d.code)}</span></td>"
        f"<td>{escape(d.definition_zh)}</td>"
        f'<td class="num">{escape(_target(d))}</td>'
        f"<td>{DIRECTION_ZH.get(d.better_direction, d.better_direction)}</td></tr>"
        for d in pack.definitions)
    return ('<table class="definitions">'
            "<tr><th>指标</th><th>口径</th><th>目标</th><th>方向</th></tr>"
            + rows + "</table>")


def render_html(pack: CommitteePack, generated_at: datetime | None = None) -> str:
    generated_at = generated_at or datetime.now(UTC)
    cards = "".join(_headline_card(h, pack.month) for h in pack.headlines)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>医疗集团“三升二降”监测月报 {_month_zh(pack.month)}</title>
<style>{STYLE}</style></head>
<body>
<h1>医疗集团“三升二降”监测月报 · {_month_zh(pack.month)}</h1>
<div class="sub">区划 {escape(pack.district_code)} · 数据来源：服务库 marts.metric_values ·
  生成于 {generated_at:%Y-%m-%d %H:%M} UTC</div>

<h2>一、五项核心指标（三升二降）</h2>
<div class="cards">{cards}</div>

<h2>二、支撑指标</h2>
{_supporting_table(pack.supporting)}

<h2>三、未达标单位（解剖分析）</h2>
{_laggard_table(pack)}

<h2>四、本月数据质量</h2>
{_quality_section(pack)}

<h2>五、医保总额预付</h2>
{budget_section(pack.budget)}

<h2>六、指标口径</h2>
{_definitions_table(pack)}
</body></html>
"""
