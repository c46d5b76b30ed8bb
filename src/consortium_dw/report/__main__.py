"""python -m consortium_dw.report --serving FILE --month YYYY-MM [--out FILE] [--keep-html]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from consortium_dw.report import PdfRenderError, ReportDataError, build_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m consortium_dw.report",
                                     description="Render the monthly committee pack (PDF).")
    parser.add_argument("--serving", required=True, type=Path, help="the served DuckDB file")
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--out", type=Path, help="PDF path (default: <serving dir>/reports/"
                                                  "committee_<month>.pdf)")
    parser.add_argument("--keep-html", action="store_true", help="also write the HTML beside it")
    args = parser.parse_args(argv)
    if not args.month:
        parser.error("--month is empty: make report MONTH=YYYY-MM")
    try:
        pdf = build_report(args.serving, args.month, args.out, keep_html=args.keep_html)
    except (ReportDataError, PdfRenderError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    print(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
