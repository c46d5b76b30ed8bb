"""`make bench`: a city-sized year through the real pipeline, measured, printed as one table.

    python -m consortium_dw.bench --landing DIR --data-dir DIR [--skip-spark] [--size city]

What it measures (docs/performance.md explains each choice):
- generation: the generator in its own process, or its recorded time when the landing folder
  is reused (`<landing>.generated.json` exists);
- bare scan: DuckDB reading every landing file once with count(*), the floor for any pipeline;
- before the pipeline, unmeasured: one process imports what the measured ones import, so they
  read compiled bytecode as every daily run does (a machine's first run compiles it), and the
  dbt project is parsed if it changed;
- the pipeline (`python -m dagster_project.headless`, one Dagster run) in its own process, with
  the memory of its process tree (dbt's subprocess included; proportional set sizes, so pages
  a forked child shares with its parent count once) sampled every second; the
  run's step events split its time into ingest, dbt build, checks, publish and the rest, and
  each stage's peak memory is the highest sample inside its steps;
- one extra day: the last delivery day re-sent by every system (generator `resend_day`), then
  the pipeline job over that one partition, end to end; the landing folder is restored after;
- dashboard: every chart of dashboards/ as the SQL Superset sends for it, 20 runs each,
  against serving.duckdb opened read-only (p50, p95);
- Spark: the raw tables exported to Parquet and `dbt build --target spark` (Spark local).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from consortium_dw.contract import SYSTEM_FORMATS, SYSTEMS, TABLES
from consortium_dw.dashboard_queries import chart_queries
from consortium_dw.marts_file import connect_warehouse

REPO = Path(__file__).resolve().parents[2]
# Reading a process's Pss makes the kernel walk its page tables under its memory lock: ~37 ms
# for a 5 GB process. Every 0.2 s that slowed the city dbt build it measured by ~9 %
# (docs/performance.md); once a second it takes ~4 % of one core and the build measured no
# slower than unsampled. The largest single process's exact high-water mark still comes from
# the kernel (ru_maxrss), whatever the interval.
SAMPLE_SECONDS = 1.0
DASHBOARD_RUNS = 20
GIGABYTE = 1024 ** 3

TARGETS = {
    "full build": "≤ 600 s",
    "pipeline ÷ bare scan": "≤ 4",
    "one extra day": "≤ 60 s",
    "dashboard p95": "≤ 300 ms",
    "peak memory": "≤ 8 GB",
}


# --- measuring a process tree ---------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(stat[1]) == pid:
            found.append(int(entry.name))
    return found


def _process_memory(pid: int) -> int:
    """What one process adds to the machine's memory: its proportional set size (each page
    shared with other processes counted as a share), else its resident set. RSS alone counts a
    page once per process that maps it, so a forked child (the generator's month writers) would
    count the parent's whole heap again."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _tree_memory(root: int) -> int:
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += _process_memory(pid)
        pending.extend(_children(pid))
    return total


@dataclass
class Measured:
    seconds: float
    peak_rss: int
    returncode: int
    stdout: str = ""
    stderr: str = ""
    samples: list[tuple[float, int]] = field(default_factory=list)  # (epoch seconds, bytes)
    timed_out: bool = False

    def peak_between(self, start: float, end: float) -> int:
        inside = [rss for at, rss in self.samples if start <= at <= end]
        return max(inside, default=0)


def measure(command: list[str], env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float | None = None) -> Measured:
    """Run `command`, sampling the resident memory of its whole process tree; after `timeout`
    seconds the tree (its own process group) is terminated."""
    samples: list[tuple[float, int]] = []
    timed_out = threading.Event()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err, text=True,
                                   start_new_session=True)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append((time.time(), _tree_memory(process.pid)))
                if timeout and not timed_out.is_set() and time.monotonic() - started > timeout:
                    timed_out.set()
                    os.killpg(process.pid, signal.SIGTERM)
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss (KiB) is the largest single process; the samples see the tree's sum.
        peak = max([usage.ru_maxrss * 1024] + [memory for _, memory in samples])
        return Measured(seconds, peak, process.returncode, out.read(), err.read(), samples,
                        timed_out.is_set())


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


def _step(*args: str) -> list[str]:
    return _python("-m", "consortium_dw.bench_steps", *args)


def _step_result(result: Measured, what: str) -> dict:
    """The JSON line a bench step prints last; its absence means the step did not run."""
    lines = result.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise RuntimeError(f"{what} exited {result.returncode} without its result line; "
                           f"stderr ends:\n{result.stderr[-2000:]}") from None


def _environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO),
                                         env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # As in the Makefile: with PYTHONDONTWRITEBYTECODE set (some machines set it), every
    # measured process compiled everything it imported again, about 7 s of an extra day: the
    # code location's import 8.2-8.8 s instead of 3.9 s, a dbt command 5.1-5.3 s instead of
    # 3.0 s. `make bench` never had it; run as `python -m consortium_dw.bench` it measured that.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


# What the pipeline's processes import: the code location (Dagster, dagster-dbt, GX) and dbt's
# command with its DuckDB adapter.
WARM_IMPORTS = "import dagster_project.definitions, dbt.cli.main, dbt.adapters.duckdb"


def warm_bytecode(data_dir: Path) -> float:
    """Import what the measured processes import, once, unmeasured. A machine's first run
    compiles every module it imports into __pycache__ (figures at _environment); every later
    run reads the bytecode. The code location's import also parses the dbt project when it
    changed since the last parse, with the warehouse path the pipeline's dbt commands will use
    (dbt keys its partial parse on it). The table is about the daily runs, not those one-offs
    after a new machine or a new version of the project."""
    started = time.monotonic()
    _require(measure(_python("-c", WARM_IMPORTS),
                     env=_environment(DUCKDB_PATH=str(data_dir / "warehouse.duckdb"))),
             "warm-up imports")
    return time.monotonic() - started


def _require(result: Measured, what: str) -> Measured:
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {result.returncode}):\n"
                           f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


# --- the stages -----------------------------------------------------------------------------

@dataclass
class Row:
    stage: str
    seconds: float | None
    peak_rss: int | None = None
    note: str = ""


def generation(landing: Path, size: str, seed: int) -> Row:
    stamp = landing.with_name(landing.name + ".generated.json")
    if stamp.exists():
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        return Row("generation", recorded.get("seconds"), None,
                   f"reused ({recorded.get('size')}, {recorded.get('total_rows', 0):,} rows, "
                   f"{recorded.get('megabytes', 0):,.0f} MB; time as recorded)")
    result = _require(measure(_python("-m", "consortium_dw.generator", "--size", size,
                                      "--seed", str(seed), "--landing", str(landing)),
                              env=_environment()), "generation")
    recorded = json.loads(stamp.read_text(encoding="utf-8"))
    return Row("generation", result.seconds, result.peak_rss,
               f"{size}, {recorded.get('total_rows', 0):,} rows")


def landing_files(landing: Path) -> dict[str, list[Path]]:
    """Every delivered data file, grouped by table (the reference files as `ref`)."""
    files: dict[str, list[Path]] = {}
    for table in TABLES.values():
        fmt, _ = SYSTEM_FORMATS[table.system]
        found = sorted(landing.glob(f"{table.system}/*/{table.name}.{fmt}"))
        if found:
            files[table.name] = found
    refs = sorted((landing / "ref").glob("*.csv"))
    if refs:
        files["ref"] = refs
    return files


def bare_scan(landing: Path) -> tuple[Row, int]:
    """DuckDB's own reader over every file once: the floor under any load of these files.
    GB 18030 files are read as latin-1 (DuckDB decodes only UTF-8/16 and latin-1 without a
    downloadable extension): every byte is one character, and no GB 18030 byte sequence holds
    a comma, quote or newline, so the fields and rows counted are the same."""
    groups = []
    for name, files in landing_files(landing).items():
        if name == "ref":
            groups += [("csv", "utf-8", [str(f)]) for f in files]  # one schema per file
            continue
        fmt, encoding = SYSTEM_FORMATS[TABLES[name].system]
        duck_encoding = "utf-8" if encoding in (None, "utf-8", "utf-8-sig") else "latin-1"
        groups.append((fmt, duck_encoding, [str(f) for f in files]))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as listing:
        json.dump(groups, listing)
    try:
        result = _require(measure(_step("bare-scan", listing.name), env=_environment()),
                          "bare scan")
    finally:
        os.unlink(listing.name)
    scanned = _step_result(result, "bare scan")
    file_count = sum(len(g[2]) for g in groups)
    return Row("bare scan (DuckDB count(*))", result.seconds, result.peak_rss,
               f"{file_count:,} files, {scanned['rows']:,} rows; scan alone "
               f"{scanned['seconds']:.1f} s"), scanned["rows"]


STAGE_OF_STEP = (
    # (test on the step key, stage); the first match wins.
    (lambda key: key.endswith("gx_quality"), "checks"),
    (lambda key: key.startswith("raw__") or key.startswith("raw_"), "ingest"),
    (lambda key: key.startswith("dbt"), "dbt build"),
    (lambda key: key == "serving", "publish"),
)


def stage_of(step_key: str) -> str:
    for test, stage in STAGE_OF_STEP:
        if test(step_key):
            return stage
    return "other steps"


def step_windows(data_dir: Path) -> dict[str, list[tuple[float, float]]]:
    """(start, end) epoch seconds of each step of the latest run in DATA_DIR's Dagster home."""
    from dagster import DagsterEventType, DagsterInstance

    home = data_dir / "dagster_home"
    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with DagsterInstance.get() as instance:
            run = instance.get_runs(limit=1)[0]
            starts: dict[str, float] = {}
            windows: dict[str, list[tuple[float, float]]] = {}
            for record in instance.all_logs(run.run_id):
                event = record.dagster_event
                if event is None or not record.step_key:
                    continue
                if event.event_type == DagsterEventType.STEP_START:
                    starts[record.step_key] = record.timestamp
                elif event.event_type in (DagsterEventType.STEP_SUCCESS,
                                          DagsterEventType.STEP_FAILURE,
                                          DagsterEventType.STEP_SKIPPED):
                    begun = starts.pop(record.step_key, record.timestamp)
                    windows.setdefault(record.step_key, []).append((begun, record.timestamp))
            return windows
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = saved


def pipeline_rows(result: Measured, data_dir: Path) -> list[Row]:
    by_stage: dict[str, list[tuple[float, float]]] = {}
    for step, windows in step_windows(data_dir).items():
        by_stage.setdefault(stage_of(step), []).extend(windows)
    rows = []
    in_steps = 0.0
    for stage in ("ingest", "dbt build", "checks", "publish", "other steps"):
        windows = by_stage.get(stage, [])
        seconds = sum(end - start for start, end in windows)
        in_steps += seconds
        peak = max((result.peak_between(s, e) for s, e in windows), default=0)
        note = {"other steps": "committee pack (report asset)",
                "checks": "GX gates (raw tables, metric_values)"}.get(stage, "")
        rows.append(Row(stage, seconds, peak, note))
    rows.append(Row("Dagster start-up and between steps", result.seconds - in_steps, None,
                    "process start, imports, run storage"))
    return rows


def warehouse_counts(data_dir: Path) -> dict[str, int]:
    with connect_warehouse(data_dir / "warehouse.duckdb", read_only=True) as con:
        read, loaded, quarantined = con.execute(
            "select sum(rows_read), sum(rows_loaded), sum(rows_quarantined) from ("
            "select arg_max(rows_read, loaded_at) as rows_read, "
            "arg_max(rows_loaded, loaded_at) as rows_loaded, "
            "arg_max(rows_quarantined, loaded_at) as rows_quarantined "
            "from audit.load_log group by system, delivery_date, table_name)").fetchone()
        metric_rows = con.execute("select count(*) from marts.metric_values").fetchone()[0]
    return {"rows_read": int(read or 0), "rows_loaded": int(loaded or 0),
            "rows_quarantined": int(quarantined or 0), "metric_values": metric_rows}


# --- one extra day --------------------------------------------------------------------------

def one_extra_day(landing: Path, data_dir: Path) -> Row:
    """Re-send the last delivery day of every system, run that partition end to end, and put
    the landing folder (and its side files) back as they were."""
    from consortium_dw.generator import resend_day
    from consortium_dw.ingest import delivery_days

    day = delivery_days(landing)[-1].isoformat()
    backup = Path(tempfile.mkdtemp(prefix="bench_day_", dir=data_dir))
    folders = [landing / system / day for system in SYSTEMS if (landing / system / day).is_dir()]
    side_files = [p for p in landing.parent.glob(landing.name + ".*") if p.is_file()]
    for folder in folders:
        shutil.copytree(folder, backup / folder.parent.name)
    for side in side_files:
        shutil.copy2(side, backup / side.name)
    resent, not_resent = [], []
    try:
        for folder in folders:
            try:
                resend_day(landing, folder.parent.name, day)
                resent.append(folder.parent.name)
            except ValueError:  # too few clean rows to correct (tiny districts): keep as is
                not_resent.append(folder.parent.name)
        result = _require(measure(_step("one-day", str(landing), str(data_dir), day),
                                  env=_environment()), "one extra day")
        ran = _step_result(result, "one extra day")["steps"]
    finally:
        for folder in folders:
            shutil.rmtree(folder)
            shutil.copytree(backup / folder.parent.name, folder)
        for side in side_files:
            shutil.copy2(backup / side.name, side)
        shutil.rmtree(backup)
    skipped = f" ({', '.join(not_resent)} too small to correct)" if not_resent else ""
    stages = list(dict.fromkeys(stage_of(step) for step in ran))
    return Row("one extra day, end to end", result.seconds, result.peak_rss,
               f"{len(resent)} systems re-sent {day}{skipped}; {len(ran)} steps: "
               + " + ".join(stages))


# --- dashboard ------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def dashboard_timings(serving: Path, runs: int = DASHBOARD_RUNS) -> list[tuple[str, float, float,
                                                                             int]]:
    """(chart, p50 ms, p95 ms, rows) for every chart, on one read-only connection."""
    timings = []
    with duckdb.connect(str(serving), read_only=True) as con:
        for name, sql in chart_queries():
            rows = len(con.execute(sql).fetchall())  # warm-up, as Superset's pool would be
            elapsed = []
            for _ in range(runs):
                started = time.perf_counter()
                con.execute(sql).fetchall()
                elapsed.append((time.perf_counter() - started) * 1000)
            timings.append((name, statistics.median(elapsed), percentile(elapsed, 0.95), rows))
    return timings


# --- Spark ----------------------------------------------------------------------------------

def spark_row(data_dir: Path, driver_memory: str,
              timeout: float | None) -> tuple[Row, Row] | Row:
    """The Spark rows, or one row saying it did not finish within `timeout`."""
    work = data_dir / "spark_bench"
    shutil.rmtree(work, ignore_errors=True)
    result = measure(_step("spark", str(data_dir / "warehouse.duckdb"), str(work), driver_memory),
                     env=_environment(), timeout=timeout)
    if result.timed_out:
        return Row("Spark: export + dbt build (local)", None, result.peak_rss,
                   f"stopped after {timeout:.0f} s (--spark-timeout), not finished")
    _require(result, "dbt build on Spark")
    times = _step_result(result, "dbt build on Spark")
    return (Row("Spark: export raw to Parquet", times["export"], None, ""),
            Row("Spark: dbt build (local)", times["build"], result.peak_rss,
                f"driver memory {driver_memory}; peak covers export and build"))


# --- the table ------------------------------------------------------------------------------

def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} s"


def _memory(value: int | None) -> str:
    return "—" if not value else f"{value / GIGABYTE:,.2f} GB"


def render(rows: list[Row], extras: list[tuple[str, str, str, str]],
           dashboard: list[tuple[str, float, float, int]]) -> str:
    lines = ["| stage | time | peak memory | note |", "|---|---:|---:|---|"]
    lines += [f"| {r.stage} | {_seconds(r.seconds)} | {_memory(r.peak_rss)} | {r.note} |"
              for r in rows]
    lines += ["", "| measure | value | target | met |", "|---|---:|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in extras]
    if dashboard:
        lines += ["", f"| dashboard chart (served file, read-only, {DASHBOARD_RUNS} runs) "
                      "| p50 | p95 | rows |", "|---|---:|---:|---:|"]
        lines += [f"| {name} | {p50:.1f} ms | {p95:.1f} ms | {rows:,} |"
                  for name, p50, p95, rows in dashboard]
    return "\n".join(lines)


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def run_bench(landing: Path, data_dir: Path, size: str, seed: int, skip_spark: bool,
              driver_memory: str, spark_timeout: float | None = None) -> str:
    landing, data_dir = landing.resolve(), data_dir.resolve()
    rows = [generation(landing, size, seed)]
    print(f"[bench] {time.strftime('%H:%M:%S')} generation: {rows[0].note}", flush=True)
    scan, _ = bare_scan(landing)
    print(f"[bench] {time.strftime('%H:%M:%S')} bare scan {scan.seconds:.1f} s", flush=True)

    warm = warm_bytecode(data_dir)
    print(f"[bench] {time.strftime('%H:%M:%S')} warm-up imports {warm:.1f} s (not measured)",
          flush=True)
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    pipeline = _require(measure(_python("-m", "dagster_project.headless", "--landing",
                                        str(landing), "--data-dir", str(data_dir)),
                                env=_environment()), "pipeline")
    print(f"[bench] {time.strftime('%H:%M:%S')} pipeline {pipeline.seconds:.1f} s", flush=True)
    stage_rows = pipeline_rows(pipeline, data_dir)
    counts = warehouse_counts(data_dir)
    rows += stage_rows
    rows.append(Row("whole pipeline (make pipeline)", pipeline.seconds, pipeline.peak_rss,
                    f"{counts['rows_read']:,} rows read, {counts['rows_loaded']:,} loaded, "
                    f"{counts['rows_quarantined']:,} quarantined; "
                    f"{counts['metric_values']:,} metric_values rows"))
    rows.append(scan)
    # The full build's rows now, in case a later step (the extra day, Spark) is interrupted.
    print(render(rows, [], []), flush=True)

    dashboard = dashboard_timings(data_dir / "serving.duckdb")
    print(f"[bench] {time.strftime('%H:%M:%S')} dashboard timed", flush=True)
    day = one_extra_day(landing, data_dir)
    rows.append(day)
    print(f"[bench] {time.strftime('%H:%M:%S')} one extra day {day.seconds:.1f} s", flush=True)

    dbt_seconds = next(r.seconds for r in stage_rows if r.stage == "dbt build")
    spark_build = None
    if not skip_spark:
        spark = spark_row(data_dir, driver_memory, spark_timeout)
        if isinstance(spark, Row):
            rows.append(spark)
        else:
            rows += list(spark)
            spark_build = spark[1]
        print(f"[bench] {time.strftime('%H:%M:%S')} spark done", flush=True)

    ratio = pipeline.seconds / scan.seconds
    worst_p95 = max((p95 for _, _, p95, _ in dashboard), default=0.0)
    peak = max(r.peak_rss or 0 for r in rows if not r.stage.startswith("Spark"))
    extras = [
        ("rows per second (rows read ÷ whole pipeline)",
         f"{counts['rows_read'] / pipeline.seconds:,.0f}", "", ""),
        ("full build (whole pipeline)", _seconds(pipeline.seconds), TARGETS["full build"],
         _met(pipeline.seconds <= 600)),
        ("pipeline ÷ bare scan", f"{ratio:.1f}", TARGETS["pipeline ÷ bare scan"],
         _met(ratio <= 4)),
        ("one extra day", _seconds(day.seconds), TARGETS["one extra day"],
         _met(day.seconds <= 60)),
        ("dashboard p95 (slowest chart)", f"{worst_p95:.1f} ms", TARGETS["dashboard p95"],
         _met(worst_p95 <= 300)),
        ("peak memory (any pipeline stage)", _memory(peak), TARGETS["peak memory"],
         _met(peak <= 8 * GIGABYTE)),
    ]
    if spark_build is not None:
        extras.append(("dbt build: Spark local ÷ DuckDB",
                       f"{spark_build.seconds / dbt_seconds:.1f}"
                       f" ({_seconds(spark_build.seconds)} vs {_seconds(dbt_seconds)})", "", ""))
    header = (f"make bench on {os.cpu_count()} cores, {date.today().isoformat()}: "
              f"landing {landing}")
    return header + "\n\n" + render(rows, extras, dashboard)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark a city-sized year.")
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--size", default="city", help="generator size when LANDING is empty")
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--spark-driver-memory", default="4g")
    parser.add_argument("--spark-timeout", type=float, default=None,
                        help="stop the Spark build after this many seconds (reported as such)")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    table = run_bench(args.landing, args.data_dir, args.size, args.seed, args.skip_spark,
                      args.spark_driver_memory, args.spark_timeout)
    print(table)
    if args.output:
        args.output.write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
