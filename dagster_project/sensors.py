"""The sensors: loads start when folders land, and the build follows the loads.

`landing_sensor`: a new or re-delivered day folder (a new manifest hash) starts a load.

The cursor maps `<system>/<day>` to the short hash of its manifest (and `ref` to the hash of the
reference files), so each folder content is requested once; the run_key repeats the hashes, so
even a lost cursor cannot load the same content twice. Folders changed since the last tick are
grouped per system: one run over the partition range from the first to the last changed day
(the loader skips unchanged files inside it), so a first load of years of history is a handful
of runs, not thousands.

`build_after_loads`: once every load is done, a load that succeeded since the last build starts
the `build` job (dbt, the metric gate, the publish, the committee pack), so a day delivered to
the landing folder reaches the dashboard with no one at the keyboard. One build covers all the
loads before it (a delivery day is six systems' loads); it waits while a load or a build is
queued or running, and its run_key names the latest load, so no load is built twice.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)
from dagster._core.storage.dagster_run import NOT_FINISHED_STATUSES
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from consortium_dw.ingest import manifest_hashes, reference_hash
from dagster_project.assets.ingest import REF_KEYS, SYSTEM_KEYS
from dagster_project.jobs import (
    WAREHOUSE_RUN_TAGS,
    build_job,
    ingest_job,
    pipeline_job,
    reference_job,
)
from dagster_project.partitions import DELIVERY_DAYS
from dagster_project.resources import LandingResource

HASH_CHARS = 16


def _short(digest: str) -> str:
    return digest[:HASH_CHARS]


def plan_runs(current: dict[str, str], ref_digest: str | None, cursor: dict,
              valid_day) -> tuple[list[RunRequest], dict, list[str]]:
    """(run requests, new cursor, folders left for later). Pure, so tests can call it too."""
    seen = dict(cursor.get("folders", {}))
    requests: list[RunRequest] = []
    if ref_digest and _short(ref_digest) != cursor.get("ref"):
        requests.append(RunRequest(run_key=f"ref:{_short(ref_digest)}", job_name=reference_job.name,
                                   asset_selection=list(REF_KEYS.values()),
                                   tags=dict(WAREHOUSE_RUN_TAGS)))
    changed: dict[str, list[tuple[str, str]]] = defaultdict(list)
    later = []
    for folder, digest in sorted(current.items()):
        if seen.get(folder) == _short(digest):
            continue
        system, day = folder.split("/")
        if not valid_day(day):
            later.append(folder)  # before the partitions start or not yet a partition
            continue
        changed[system].append((day, _short(digest)))
    for system, items in sorted(changed.items()):
        days = [day for day, _ in items]
        fingerprint = hashlib.sha256("\n".join(f"{d}={h}" for d, h in items).encode()).hexdigest()
        tags = dict(WAREHOUSE_RUN_TAGS)
        if len(days) == 1:
            request = RunRequest(run_key=f"{system}:{days[0]}:{items[0][1]}",
                                 job_name=ingest_job.name, partition_key=days[0],
                                 asset_selection=SYSTEM_KEYS[system], tags=tags)
        else:
            tags[ASSET_PARTITION_RANGE_START_TAG] = days[0]
            tags[ASSET_PARTITION_RANGE_END_TAG] = days[-1]
            request = RunRequest(
                run_key=f"{system}:{days[0]}..{days[-1]}:{_short(fingerprint)}",
                job_name=ingest_job.name, asset_selection=SYSTEM_KEYS[system], tags=tags)
        requests.append(request)
        seen.update({f"{system}/{day}": digest for day, digest in items})
    new_cursor = {"folders": seen, "ref": _short(ref_digest) if ref_digest else cursor.get("ref")}
    return requests, new_cursor, later


@sensor(jobs=[ingest_job, reference_job], minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="Starts a load when a day folder (or ref/) appears or is re-delivered.")
def landing_sensor(context: SensorEvaluationContext, landing: LandingResource):
    if not landing.path.is_dir():
        return SkipReason(f"landing folder {landing.path} does not exist")
    cursor = json.loads(context.cursor) if context.cursor else {}
    requests, new_cursor, later = plan_runs(
        manifest_hashes(landing.path), reference_hash(landing.path), cursor,
        DELIVERY_DAYS.has_partition_key)
    if later:
        context.log.warning(f"{len(later)} folders are not delivery-day partitions yet "
                            f"(first: {later[0]}); set CONSORTIUM_START_DATE to include them")
    if not requests:
        return SensorResult(skip_reason=SkipReason("no new or re-delivered folders"),
                            cursor=json.dumps(new_cursor, sort_keys=True))
    return SensorResult(run_requests=requests, cursor=json.dumps(new_cursor, sort_keys=True))


LOAD_JOBS = (ingest_job.name, reference_job.name)
# The headless `pipeline` job builds too (it loads, then builds).
BUILD_JOBS = (build_job.name, pipeline_job.name)


@dataclass(frozen=True)
class RunSeen:
    """What the build sensor reads of a run: when it was created and ended, and how."""

    run_id: str
    job_name: str
    status: DagsterRunStatus
    created: float
    ended: float | None = None


def plan_build(loads: list[RunSeen], builds: list[RunSeen]) -> RunRequest | SkipReason:
    """The build to start after `loads`, given the `builds` so far. Pure, so tests can call it."""
    waiting = [run for run in loads if run.status in NOT_FINISHED_STATUSES]
    if waiting:
        return SkipReason(f"loads are still queued or running: {_named(waiting)}")
    building = [run for run in builds if run.status in NOT_FINISHED_STATUSES]
    if building:
        return SkipReason(f"a build is already queued or running: {_named(building)}")
    succeeded = [run for run in loads if run.status == DagsterRunStatus.SUCCESS and run.ended]
    if not succeeded:
        return SkipReason("no load has succeeded yet")
    latest_load = max(succeeded, key=lambda run: (run.ended, run.run_id))
    # A build created after a load ended read what that load wrote, whatever became of it: a
    # failed build (a red gate) waits for the next load rather than retrying every tick.
    if any(build.created >= latest_load.ended for build in builds):
        return SkipReason(f"the warehouse was built after the latest load "
                          f"({latest_load.run_id[:8]})")
    return RunRequest(run_key=f"build-after:{latest_load.run_id}", job_name=build_job.name,
                      tags=dict(WAREHOUSE_RUN_TAGS))


def _named(runs: list[RunSeen]) -> str:
    """The runs a skip waits for, as the UI shows them (a run stuck unstarted is found here)."""
    return ", ".join(f"{run.job_name} {run.run_id[:8]} ({run.status.value})"
                     for run in sorted(runs, key=lambda run: run.created))


FINISHED_STATUSES = [s for s in DagsterRunStatus if s not in NOT_FINISHED_STATUSES]


def _runs_seen(instance, job_names: tuple[str, ...]) -> list[RunSeen]:
    """Every unfinished run of `job_names`, the latest one that succeeded (by end) and the
    latest finished one (by creation): all plan_build needs, however long the history. The
    latest success is asked for on its own: a load that failed after it must not hide it."""
    records = []
    for job_name in job_names:
        records += instance.get_run_records(
            RunsFilter(job_name=job_name, statuses=NOT_FINISHED_STATUSES))
        records += instance.get_run_records(
            RunsFilter(job_name=job_name, statuses=[DagsterRunStatus.SUCCESS]),
            limit=1, order_by="end_time")
        records += instance.get_run_records(
            RunsFilter(job_name=job_name, statuses=FINISHED_STATUSES),
            limit=1, order_by="create_timestamp")
    seen = {record.dagster_run.run_id: RunSeen(
        run_id=record.dagster_run.run_id, job_name=record.dagster_run.job_name,
        status=record.dagster_run.status, created=record.create_timestamp.timestamp(),
        ended=record.end_time) for record in records}
    return list(seen.values())


@sensor(jobs=[build_job], minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="Starts the build (dbt, gates, publish, pack) once the loads are done.")
def build_after_loads(context: SensorEvaluationContext):
    decision = plan_build(_runs_seen(context.instance, LOAD_JOBS),
                          _runs_seen(context.instance, BUILD_JOBS))
    if isinstance(decision, SkipReason):
        return decision
    return [decision]


SENSORS = [landing_sensor, build_after_loads]
