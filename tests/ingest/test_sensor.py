"""The landing sensor, evaluated with build_sensor_context."""

import json
from datetime import date

from dagster import DagsterInstance, build_sensor_context
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from dagster_project.assets.ingest import SYSTEM_KEYS
from dagster_project.resources import LandingResource
from dagster_project.sensors import landing_sensor
from tests.ingest.conftest import DAY
from tests.ingest.handmade import full_delivery, valid_row, write_delivery


def tick(landing, cursor=None):
    instance = DagsterInstance.ephemeral()
    context = build_sensor_context(instance=instance, cursor=cursor,
                                   resources={"landing": LandingResource(root=str(landing))})
    result = landing_sensor(context)
    return result.run_requests or [], result.cursor


def test_new_folders_then_nothing_then_a_resend(landing):
    full_delivery(landing, "phs", DAY, n=1)
    full_delivery(landing, "phs", date(2025, 1, 5), n=1)
    full_delivery(landing, "lis", DAY, n=1)

    requests, cursor = tick(landing)
    by_job = {}
    for request in requests:
        by_job.setdefault(request.job_name, []).append(request)
    assert len(by_job["reference"]) == 1
    ingest = {tuple(r.asset_selection): r for r in by_job["ingest"]}
    assert set(ingest) == {tuple(SYSTEM_KEYS["phs"]), tuple(SYSTEM_KEYS["lis"])}
    phs = ingest[tuple(SYSTEM_KEYS["phs"])]
    assert (phs.tags[ASSET_PARTITION_RANGE_START_TAG],
            phs.tags[ASSET_PARTITION_RANGE_END_TAG]) == ("2025-01-02", "2025-01-05")
    assert ingest[tuple(SYSTEM_KEYS["lis"])].partition_key == "2025-01-02"
    assert set(json.loads(cursor)["folders"]) == {"phs/2025-01-02", "phs/2025-01-05",
                                                  "lis/2025-01-02"}

    again, cursor_again = tick(landing, cursor)
    assert again == [] and json.loads(cursor_again) == json.loads(cursor)

    write_delivery(landing, "phs", DAY, {"fd_services": [valid_row("fd_services", 7, DAY)]})
    resend, _ = tick(landing, cursor_again)
    assert len(resend) == 1
    assert resend[0].partition_key == "2025-01-02"
    assert resend[0].run_key not in {r.run_key for r in requests}
    assert resend[0].asset_selection == SYSTEM_KEYS["phs"]


def test_the_same_content_gets_the_same_run_key(landing):
    full_delivery(landing, "pacs", DAY, n=1)
    first, _ = tick(landing)
    second, _ = tick(landing)  # a lost cursor: Dagster drops requests whose run_key exists
    assert sorted(r.run_key for r in first) == sorted(r.run_key for r in second)


def test_folders_outside_the_partitions_wait(landing):
    full_delivery(landing, "pacs", date(2000, 1, 1), n=1)
    requests, cursor = tick(landing)
    assert [r.job_name for r in requests] == ["reference"]
    assert json.loads(cursor)["folders"] == {}
