"""Charts as inline SVG, drawn here: the PDF needs no JavaScript, no network and no plot library."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from consortium_dw.report.formatting import format_count, format_value

GOOD = "#2e7d32"
BAD = "#c62828"
LINE = "#1f5fa8"
GRID = "#d9d9d9"
MUTED = "#777777"


def _period_label(period_start: date, period_type: str) -> str:
    if period_type == "year":
        return f"{period_start.year}"
    if period_type == "quarter":
        return f"{period_start.year % 100:02d}Q{(period_start.month - 1) // 3 + 1}"
    return f"{period_start.year % 100:02d}-{period_start.month:02d}"


def trend_chart(points: Sequence[tuple[date, float | None]], period_type: str, unit: str,
                target: float | None, width: int = 320, height: int = 150) -> str:
    """A line of the metric over its periods, with the target as a dashed line."""
    values = [v for _, v in points if v is not None]
    if not values:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
                f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{MUTED}" '
                f'font-size="11">暂无趋势数据</text></svg>')
    left, right, top, bottom = 46, 10, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    scale_values = values + ([target] if target is not None else [])
    low, high = min(scale_values), max(scale_values)
    if high - low < 1e-9:
        low, high = low - abs(low) * 0.1 - 0.01, high + abs(high) * 0.1 + 0.01
    pad = (high - low) * 0.1
    low, high = low - pad, high + pad
    if unit == "rate":
        low, high = max(low, 0.0), min(high, 1.0)

    def x(i: int) -> float:
        return left + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - low) / (high - low))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" font-family="Noto Sans CJK SC, sans-serif" font-size="9">']
    for tick in (low, (low + high) / 2, high):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="{GRID}" stroke-width="0.6"/>')
        parts.append(f'<text x="{left - 4}" y="{y(tick) + 3:.1f}" text-anchor="end" '
                     f'fill="{MUTED}">{escape(format_value(tick, unit))}</text>')
    if target is not None and low <= target <= high:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(target):.1f}" '
                     f'y2="{y(target):.1f}" stroke="{BAD}" stroke-width="1" '
                     f'stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{width - right}" y="{y(target) - 3:.1f}" text-anchor="end" '
                     f'fill="{BAD}">目标</text>')
    # Gaps (periods without a value) break the line rather than being drawn as zero.
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, (_, v) in enumerate(points):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append(f"{x(i):.1f},{y(v):.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{LINE}" '
                     f'stroke-width="1.6"/>')
    last_index = max(i for i, (_, v) in enumerate(points) if v is not None)
    parts.append(f'<circle cx="{x(last_index):.1f}" cy="{y(points[last_index][1]):.1f}" r="2.5" '
                 f'fill="{LINE}"/>')
    label_every = max(1, (len(points) + 5) // 6)
    for i, (start, _) in enumerate(points):
        if i % label_every == 0 or i == len(points) - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 6}" text-anchor="middle" '
                         f'fill="{MUTED}">{_period_label(start, period_type)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(bars: Sequence[tuple[str, float]], width: int = 520, bar_height: int = 16,
              colour: str = BAD) -> str:
    """Horizontal bars (e.g. rows quarantined by system), each labelled with its count."""
    label_w, value_w, gap = 90, 70, 6
    height = max(1, len(bars)) * (bar_height + gap) + gap
    high = max((v for _, v in bars), default=0) or 1
    plot_w = width - label_w - value_w
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="Noto Sans CJK SC, sans-serif" font-size="10">']
    for i, (label, value) in enumerate(bars):
        top = gap + i * (bar_height + gap)
        length = plot_w * value / high
        parts.append(f'<text x="{label_w - 6}" y="{top + bar_height * 0.75:.1f}" '
                     f'text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{top}" width="{length:.1f}" '
                     f'height="{bar_height}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + length + 4:.1f}" y="{top + bar_height * 0.75:.1f}">'
                     f'{format_count(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)
