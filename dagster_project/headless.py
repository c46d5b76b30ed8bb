"""Run the whole code location headless over every delivery found in a landing folder.

    python -m dagster_project.headless --landing DIR --data-dir DIR

One Dagster run (job `pipeline`: every asset of the Definitions, so dbt, checks and publishing
join as they are added) over every delivery day found, in-process (one step at a time: DuckDB
has one writer). The raw tables run unpartitioned here (`history_definitions`): a partitioned
run writes two Dagster events per table per day, tens of thousands for a history, which cost
more than the load. DAGSTER_HOME is `$DATA_DIR/dagster_home`. A lock file
(`$DATA_DIR/.pipeline.lock`) makes a second pipeline on the same DATA_DIR refuse with a clear
message instead of colliding. Exit status: 0 success, 1 a step or an error-severity check
failed (e.g. a refused file), 2 another pipeline holds the lock or the input is unusable.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from consortium_dw.ingest import delivery_days
from consortium_dw.pseudonymise import load_key

LOCK_FILE = ".pipeline.lock"
DAGSTER_HOME_DIR = "dagster_home"
DAGSTER_YAML = """\
# Written by dagster_project.headless. Dagster's run and event storage live beside it.
telemetry:
  enabled: false
concurrency:
  pools:
    # Every step that writes warehouse.duckdb is in the pool `duckdb_warehouse`.
    default_limit: 1
  runs:
    tag_concurrency_limits:
      - key: consortium/warehouse
        value: write
        limit: 1
"""


class PipelineBusy(RuntimeError):
    pass


class PipelineFailed(RuntimeError):
    pass


@dataclass
class PipelineReport:
    run_id: str
    first_day: str
    last_day: str
    seconds: float
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # the steps that succeeded, in order

    def summary(self) -> str:
        lines = [f"run {self.run_id}: deliveries {self.first_day} .. {self.last_day}, "
                 f"{self.seconds:.1f} s"]
        for table, counts in sorted(self.rows.items()):
            lines.append(f"  {table:<24} read {counts.get('rows_read', 0):>10,}  loaded "
                         f"{counts.get('rows_loaded', 0):>10,}  quarantined "
                         f"{counts.get('rows_quarantined', 0):>8,}")
        lines += [f"  FAILED CHECK {c}" for c in self.failed_checks]
        return "\n".join(lines)


@contextmanager
def pipeline_lock(data_dir: Path) -> Iterator[None]:
    path = data_dir / LOCK_FILE
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise PipelineBusy(f"another pipeline is already writing {data_dir} ({holder}); "
                           f"wait for it to finish, then run again") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    handle.flush()
    try:
        yield
    finally:
        handle.truncate(0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def prepare_dagster_home(data_dir: Path) -> Path:
    home = data_dir / DAGSTER_HOME_DIR
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def run_pipeline(landing: Path, data_dir: Path, job_name: str = "pipeline",
                 definitions=None, days: tuple[date, date] | None = None) -> PipelineReport:
    """Materialise every asset over all delivery days in `landing`; raises PipelineFailed.

    `job_name` and `definitions` (default: the code location's history variant) run another
    job, as the UI, the sensors or the schedule would; `days` (first, last) narrows a
    partitioned job to those delivery days."""
    landing, data_dir = Path(landing).resolve(), Path(data_dir).resolve()
    if not landing.is_dir():
        raise PipelineFailed(f"landing folder {landing} does not exist")
    load_key()  # fail before anything runs when there is no pseudonymisation key
    days = days or _first_and_last(delivery_days(landing))
    if not days:
        raise PipelineFailed(f"no delivery folders (<system>/<YYYY-MM-DD>/) in {landing}")
    data_dir.mkdir(parents=True, exist_ok=True)
    with pipeline_lock(data_dir):
        home = prepare_dagster_home(data_dir)
        env = {"DAGSTER_HOME": str(home), "CONSORTIUM_LANDING": str(landing),
               "CONSORTIUM_DATA_DIR": str(data_dir),
               "DUCKDB_PATH": str(data_dir / "warehouse.duckdb")}
        with _environment(env):
            _fast_dagster_storage_commits()
            return _execute(days[0].isoformat(), days[-1].isoformat(), job_name, definitions)


def _first_and_last(days: list[date]) -> tuple[date, date] | None:
    return (days[0], days[-1]) if days else None


def _fast_dagster_storage_commits() -> None:
    """A history load writes two Dagster events per table per day (tens of thousands); with an
    fsync per SQLite commit that alone took minutes. WAL with synchronous=NORMAL keeps the
    storage consistent after a crash of this process and only risks the last events on power
    loss, which a re-run repairs (loads are idempotent)."""
    global _PRAGMA_LISTENER_INSTALLED
    if _PRAGMA_LISTENER_INSTALLED:
        return
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _relaxed_sync(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    _PRAGMA_LISTENER_INSTALLED = True


_PRAGMA_LISTENER_INSTALLED = False


def history_definitions(defs):
    """The code location with the raw tables unpartitioned: same keys, code and checks, one
    step per table over every delivery day found, and a `pipeline` job over all assets. The
    partitioned definitions (UI, sensor, schedule, backfills) are untouched."""
    from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

    from dagster_project.assets.ingest import TABLE_KEYS, history_table_assets
    from dagster_project.jobs import WAREHOUSE_RUN_TAGS

    raw_tables = set(TABLE_KEYS.values())
    others = [a for a in defs.assets if not (set(getattr(a, "keys", ())) & raw_tables)]
    pipeline = define_asset_job("pipeline", selection=AssetSelection.all(),
                                tags=WAREHOUSE_RUN_TAGS)
    return Definitions(assets=[*history_table_assets(), *others],
                       asset_checks=list(defs.asset_checks or []),
                       resources=dict(defs.resources or {}), jobs=[pipeline],
                       executor=in_process_executor)


def _execute(first_day: str, last_day: str, job_name: str, definitions) -> PipelineReport:
    from dagster import DagsterEventType, DagsterInstance
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    from dagster_project.definitions import defs
    from dagster_project.partitions import DELIVERY_DAYS, START_DATE_ENV

    definitions = definitions or history_definitions(defs)
    job = definitions.resolve_job_def(job_name)
    tags = {}
    if job.partitions_def is not None:
        for day in (first_day, last_day):
            if not DELIVERY_DAYS.has_partition_key(day):
                raise PipelineFailed(
                    f"delivery day {day} is not a partition (partitions start "
                    f"{DELIVERY_DAYS.start.date()} and end today): set {START_DATE_ENV} to an "
                    f"earlier date")
        tags = {ASSET_PARTITION_RANGE_START_TAG: first_day,
                ASSET_PARTITION_RANGE_END_TAG: last_day}
    started = time.monotonic()
    with DagsterInstance.get() as instance:
        _release_abandoned_runs(instance)
        result = job.execute_in_process(instance=instance, raise_on_error=False, tags=tags)
    report = PipelineReport(result.run_id, first_day, last_day, time.monotonic() - started)
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.step_materialization_data.materialization
            metadata = materialization.metadata
            if "rows_read" in metadata:
                report.rows[materialization.asset_key.to_user_string()] = {
                    k: metadata[k].value for k in ("rows_read", "rows_loaded", "rows_quarantined")}
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity.value == "ERROR":
                report.failed_checks.append(
                    f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    report.steps = [e.step_key for e in result.all_events
                    if e.event_type == DagsterEventType.STEP_SUCCESS]
    failed_steps = [e.step_key for e in result.all_events
                    if e.event_type == DagsterEventType.STEP_FAILURE]
    if not result.success or failed_steps or report.failed_checks:
        raise PipelineFailed(
            f"pipeline run {result.run_id} failed: steps {failed_steps or 'none'}, checks "
            f"{report.failed_checks or 'none'} (details in the Dagster UI with DAGSTER_HOME="
            f"{os.environ['DAGSTER_HOME']}, and in quarantine.rejected_files)\n"
            + report.summary())
    return report


def _release_abandoned_runs(instance) -> None:
    """A pipeline killed mid-run (SIGKILL, power loss) leaves its Dagster run `STARTED` and its
    steps holding or queued for the warehouse pool's one slot, so the next run would wait for
    ever. Called under the pipeline lock, when no other pipeline can be running on this
    DATA_DIR: mark such runs failed and free what they held. The warehouse itself needs no
    repair (DuckDB's WAL, and loads replace whole days)."""
    from dagster import DagsterRunStatus, RunsFilter

    unfinished = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING,
                  DagsterRunStatus.NOT_STARTED, DagsterRunStatus.QUEUED,
                  DagsterRunStatus.CANCELING]
    for run in instance.get_runs(filters=RunsFilter(statuses=unfinished)):
        instance.report_run_failed(run, message="abandoned: the process running it died; "
                                                "released by the next pipeline run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the warehouse pipeline headless.")
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--docs-only", action="store_true",
                        help="only build the documentation (dbt docs, Data Docs)")
    args = parser.parse_args(argv)
    if args.docs_only:
        return _docs_only(args.landing, args.data_dir)
    try:
        report = run_pipeline(args.landing, args.data_dir)
    except PipelineBusy as busy:
        print(f"pipeline: {busy}", file=sys.stderr)
        return 2
    except PipelineFailed as failed:
        print(f"pipeline: {failed}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def _docs_only(landing: Path, data_dir: Path) -> int:
    """The docs builders belong to the dbt and quality parts; they plug in as
    `dagster_project.docs.build_docs(landing, data_dir)`."""
    try:
        from dagster_project.docs import build_docs  # type: ignore[import-not-found]
    except ImportError:
        print("pipeline: no documentation builder yet (dagster_project.docs.build_docs)",
              file=sys.stderr)
        return 1
    build_docs(Path(landing).resolve(), Path(data_dir).resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
