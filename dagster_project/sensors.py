"""The landing sensor: a new or re-delivered day folder (a new manifest hash) starts a run.

The cursor maps `<system>/<day>` to the short hash of its manifest (and `ref` to the hash of the
reference files), so each folder content is requested once; the run_key repeats the hashes, so
even a lost cursor cannot load the same content twice. Folders changed since the last tick are
grouped per system: one run over the partition range from the first to the last changed day
(the loader skips unchanged files inside it), so a first load of years of history is a handful
of runs, not thousands.
"""

import hashlib
import json
from collections import defaultdict

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from consortium_dw.ingest import manifest_hashes, reference_hash
from dagster_project.assets.ingest import REF_KEYS, SYSTEM_KEYS
from dagster_project.jobs import WAREHOUSE_RUN_TAGS, ingest_job, reference_job
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


SENSORS = [landing_sensor]
