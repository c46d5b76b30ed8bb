"""The steps `make bench` measures in a child process of their own (so each has its own peak
memory): `python -m consortium_dw.bench_steps <step> ...`. Each prints one JSON line last,
which bench.py requires: a step that exits without it did not run.

They run as a module, never as `python -c`: pyspark (imported by GX) calls sys.exit(0) on
import when `__main__` has no file, taking the process for a doctest run, so a `-c` child
that loads the pipeline exits 0 having done nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def bare_scan(listing: Path) -> dict:
    """count(*) over every landing file, grouped by (format, encoding) as bench.py lists them."""
    import duckdb

    groups = json.loads(listing.read_text())
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    rows = 0
    started = time.monotonic()
    for fmt, encoding, files in groups:
        if fmt == "parquet":
            rows += con.execute("select count(*) from read_parquet(?)", [files]).fetchone()[0]
        else:
            rows += con.execute(
                "select count(*) from read_csv(?, encoding = ?, header = true, "
                "all_varchar = true, strict_mode = false, null_padding = true)",
                [files, encoding]).fetchone()[0]
    return {"rows": rows, "seconds": time.monotonic() - started}


def one_day(landing: Path, data_dir: Path, day: str) -> dict:
    """The pipeline job over one delivery-day partition (what the landing sensor's load plus
    the build after it do for a new day), with the same lock and Dagster home as `make
    pipeline`."""
    from datetime import date

    from dagster_project.definitions import defs
    from dagster_project.headless import run_pipeline

    # The partitioned code location (what the sensor and the schedule run), not the headless
    # history variant: the raw steps and their checks cover that day only.
    report = run_pipeline(landing, data_dir, "pipeline", defs,
                          days=(date.fromisoformat(day), date.fromisoformat(day)))
    print(report.summary(), file=sys.stderr)
    return {"steps": report.steps}


def spark(warehouse: Path, work: Path, driver_memory: str) -> dict:
    from consortium_dw.spark_build import build_on_spark

    build = build_on_spark(str(warehouse), str(work), driver_memory=driver_memory)
    return {"export": build.export_seconds, "build": build.build_seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("bare-scan").add_argument("listing", type=Path)
    day = steps.add_parser("one-day")
    day.add_argument("landing", type=Path)
    day.add_argument("data_dir", type=Path)
    day.add_argument("day")
    build = steps.add_parser("spark")
    build.add_argument("warehouse", type=Path)
    build.add_argument("work", type=Path)
    build.add_argument("driver_memory")
    args = parser.parse_args(argv)
    if args.step == "bare-scan":
        result = bare_scan(args.listing)
    elif args.step == "one-day":
        result = one_day(args.landing, args.data_dir, args.day)
    else:
        result = spark(args.warehouse, args.work, args.driver_memory)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
