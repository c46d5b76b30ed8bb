"""The daily schedule: at 02:00 load yesterday's delivery folders (partition = yesterday)."""

from datetime import timedelta

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from dagster_project.jobs import ingest_job
from dagster_project.partitions import DELIVERY_DAYS


@schedule(job=ingest_job, cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai",
          default_status=DefaultScheduleStatus.STOPPED)
def daily_ingest(context: ScheduleEvaluationContext):
    day = (context.scheduled_execution_time.date() - timedelta(days=1)).isoformat()
    if not DELIVERY_DAYS.has_partition_key(day):
        return SkipReason(f"{day} is outside the delivery-day partitions")
    return RunRequest(run_key=f"daily:{day}", partition_key=day)


SCHEDULES = [daily_ingest]
