"""How the committee pack writes numbers: the same formats as the dashboard.

Rates are percentages with one decimal (72.4%); a year-on-year change of a rate is in percentage
points, of a count or money a relative change (METRICS.md, "Year-over-year").
"""

from __future__ import annotations

MISSING = "—"

TARGET_OP_ZH = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}
UNIT_SUFFIX_ZH = {"yuan": " 元", "days": " 天", "per_10k": " /万人", "count": ""}


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return MISSING
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}{UNIT_SUFFIX_ZH.get(unit, '')}"


def format_target(target: float | None, target_op: str | None, unit: str,
                  basis: str = "value") -> str:
    if target is None or target_op is None:
        return MISSING
    op = TARGET_OP_ZH.get(target_op, target_op)
    if basis == "yoy_change":
        return f"同比 {op} {format_yoy(target, unit)}"
    if basis == "value_and_rise":
        return f"{op} {format_value(target, unit)} 且逐年上升"
    return f"{op} {format_value(target, unit)}"


def format_yoy(yoy_change: float | None, unit: str) -> str:
    if yoy_change is None:
        return MISSING
    if unit == "rate":
        return f"{yoy_change * 100:+.1f} 个百分点"
    if unit == "days":
        return f"{yoy_change:+.1f} 天"
    return f"{yoy_change * 100:+.1f}%"


def format_gap(gap: float, unit: str) -> str:
    """Distance to target: percentage points for rates, the unit otherwise."""
    if unit == "rate":
        return f"{gap * 100:.1f} 个百分点"
    return format_value(gap, unit)


def format_count(n: int | float | None) -> str:
    return MISSING if n is None else f"{n:,.0f}"


def meets_target_zh(meets_target: bool | None, has_target: bool,
                    has_value: bool = False) -> str:
    """A value that cannot be judged yet is a target on the year-on-year change (or "and
    rises") in its first year: 暂无同比, as the dashboard's status says."""
    if not has_target:
        return "无目标"
    if meets_target is None:
        return "暂无同比" if has_value else "无数据"
    return "达标" if meets_target else "未达标"
