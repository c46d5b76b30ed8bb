"""The monthly committee pack: a PDF in Chinese, rendered from the served file.

`build_report(serving, "2025-03")` reads `serving.duckdb` (read-only), renders an HTML page with
inline SVG charts and prints it with headless Chromium. See docs/report.md.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from consortium_dw.report.data import CommitteePack, ReportDataError, load_pack
from consortium_dw.report.page import render_html
from consortium_dw.report.pdf import PdfRenderError, html_to_pdf

__all__ = ["CommitteePack", "PdfRenderError", "ReportDataError", "build_report",
           "default_report_path", "load_pack", "render_html"]


def default_report_path(serving: Path, month: str) -> Path:
    return Path(serving).resolve().parent / "reports" / f"committee_{month}.pdf"


def build_report(serving: Path, month: str, out: Path | None = None,
                 keep_html: bool = False) -> Path:
    pack = load_pack(Path(serving), month)
    out = Path(out) if out else default_report_path(serving, month)
    html = render_html(pack)
    if keep_html:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".html").write_text(html, encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="report-") as tmp:
        page = Path(tmp) / "committee.html"
        page.write_text(html, encoding="utf-8")
        return html_to_pdf(page, out)
