"""The build sensor: after the loads, one build; never two for the same load, never while a
load or a build is under way. The plan by hand, the sensor on a real Dagster instance, and a
re-sent day of the tiny district carried to the served file by the load job, the sensor and
the build job, as the daemon runs them."""

import os
import time
from datetime import date

import duckdb
import pytest
from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    RunRequest,
    SkipReason,
    build_sensor_context,
    instance_for_test,
    job,
    op,
)

from consortium_dw.generator import resend_day
from consortium_dw.incremental_builds import LOADS_SINCE_ENV, take_previous_state
from consortium_dw.publish import file_sha256
from dagster_project.definitions import defs
from dagster_project.headless import DAGSTER_HOME_DIR, run_pipeline
from dagster_project.sensors import RunSeen, build_after_loads, plan_build
from tests.quality.test_gates_pipeline import copy_state, metric_values

SUCCESS, FAILURE = DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE


def load(run_id, created, ended, status=SUCCESS, job_name="ingest"):
    return RunSeen(run_id=run_id, job_name=job_name, status=status, created=created,
                   ended=ended)


def build(run_id, created, status=SUCCESS, job_name="build"):
    return RunSeen(run_id=run_id, job_name=job_name, status=status, created=created,
                   ended=None if status == DagsterRunStatus.STARTED else created + 200)


def test_a_finished_load_is_built_once_after_all_loads():
    # Six systems' loads of one day, the last one (lis) ending at 160.
    loads = [load(f"{system}-run", created=100, ended=110 + 10 * i)
             for i, system in enumerate(["his", "phs", "pacs", "emr", "insurance", "lis"])]
    decision = plan_build(loads, builds=[])
    assert isinstance(decision, RunRequest)
    assert decision.job_name == "build"
    assert decision.run_key == "build-after:lis-run"
    assert decision.tags == {"consortium/warehouse": "write"}

    # Built from 170 on: nothing to do, whatever became of that build.
    for status in (SUCCESS, FAILURE, DagsterRunStatus.CANCELED):
        assert isinstance(plan_build(loads, [build("b1", created=170, status=status)]),
                          SkipReason)
    # A build created before the last load ended did not read all of it.
    assert plan_build(loads, [build("b0", created=150)]).run_key == "build-after:lis-run"


def test_nothing_starts_while_a_load_or_a_build_is_under_way():
    done = load("done", created=100, ended=110)
    for status in (DagsterRunStatus.QUEUED, DagsterRunStatus.STARTED,
                   DagsterRunStatus.NOT_STARTED):
        waiting = load("waiting", created=105, ended=None, status=status)
        assert plan_build([done, waiting], []).skip_message == (
            f"loads are still queued or running: ingest waiting ({status.value})")
    running = build("b", created=50, status=DagsterRunStatus.STARTED)
    assert "already queued or running" in plan_build([done], [running]).skip_message


def test_only_a_load_that_succeeded_starts_a_build():
    assert "no load has succeeded" in plan_build([], []).skip_message
    failed = load("failed", created=100, ended=110, status=FAILURE)
    assert "no load has succeeded" in plan_build([failed], []).skip_message
    # A reference load counts, and so does the headless pipeline as a build.
    ref = load("ref", created=300, ended=310, job_name="reference")
    assert plan_build([failed, ref], [build("p", 120, job_name="pipeline")]).run_key == \
        "build-after:ref"
    assert isinstance(plan_build([failed, ref], [build("p", 320, job_name="pipeline")]),
                      SkipReason)


@op
def nothing():
    return None


@job(name="ingest")
def fake_named_ingest():
    nothing()


@job(name="build")
def fake_named_build():
    nothing()


@op
def refused():
    raise ValueError("a refused file")


@job(name="ingest")
def fake_named_failing_ingest():
    refused()


def tick(instance):
    return build_after_loads(build_sensor_context(instance=instance))


def test_the_sensor_reads_the_runs_of_the_instance():
    """Real runs of two one-op jobs named like the load and build jobs (the sensor goes by job
    name and status only)."""
    with instance_for_test() as instance:  # SQLite run storage, as the daemon's
        assert "no load has succeeded" in tick(instance).skip_message

        first = fake_named_ingest.execute_in_process(instance=instance).run_id
        [request] = tick(instance)
        assert request.run_key == f"build-after:{first}" and request.job_name == "build"

        time.sleep(0.01)
        fake_named_build.execute_in_process(instance=instance)
        assert "built after the latest load" in tick(instance).skip_message

        time.sleep(0.01)
        second = fake_named_ingest.execute_in_process(instance=instance).run_id
        # Another system's load, failing after it, does not hide it.
        time.sleep(0.01)
        failing = fake_named_failing_ingest.execute_in_process(instance=instance,
                                                               raise_on_error=False)
        assert not failing.success
        [request] = tick(instance)
        assert request.run_key == f"build-after:{second}"

        instance.create_run_for_job(fake_named_ingest)  # queued, not started
        assert "loads are still" in tick(instance).skip_message


def _served(data_dir, sql):
    con = duckdb.connect(str(data_dir / "serving.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_a_resent_day_reaches_the_served_file_through_the_build_sensor(
        tiny_landing, tiny_warehouse, tmp_path):
    landing, data = copy_state(tiny_landing, tiny_warehouse, tmp_path)
    day = max(p.name for p in (landing / "insurance").iterdir())
    change = resend_day(landing, "insurance", day)
    assert change["table"] == "settlements"
    dropped = change["dropped"]["key"]
    in_served = f"select count(*) from marts.fct_settlements where setl_id = '{dropped}'"
    assert _served(data, in_served) == [(1,)]
    served_before = file_sha256(data / "serving.duckdb")

    # What the landing sensor starts for the re-sent folder: the partitioned load of that day.
    run_pipeline(landing, data, "ingest", defs,
                 days=(date.fromisoformat(day), date.fromisoformat(day)))
    assert file_sha256(data / "serving.duckdb") == served_before

    with DagsterInstance.from_config(str(data / DAGSTER_HOME_DIR)) as instance:
        [request] = tick(instance)
    assert request.job_name == "build"
    run_pipeline(landing, data, request.job_name, defs)

    assert _served(data, in_served) == [(0,)]
    assert metric_values(data / "serving.duckdb") == metric_values(data / "warehouse.duckdb")
    # It continued the history run's build: the settlement chain rebuilt only the re-sent
    # day's netting groups, and the build left its state for the next one.
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        affected = con.execute("select count(distinct setl_id), count(*) filter (where "
                               f"setl_id = '{dropped}') from intermediate.int_settlements_affected"
                               ).fetchone()
    finally:
        con.close()
    assert affected[1] >= 1 and affected[0] < 100  # of 3,031 settlements
    # loads_since reached that dbt command alone: nothing later in this process inherits it.
    assert LOADS_SINCE_ENV not in os.environ
    assert take_previous_state(data / "warehouse.duckdb") is not None
    with DagsterInstance.from_config(str(data / DAGSTER_HOME_DIR)) as instance:
        assert "built after the latest load" in tick(instance).skip_message
