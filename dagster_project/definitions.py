"""The code location: it only assembles. `dagster-webserver -m dagster_project.definitions`.

To add a part, add its module to ASSET_MODULES (assets and asset checks are collected from it,
and a module-level RESOURCES dict, if any, is merged into the resources).
"""

from dagster import (
    Definitions,
    in_process_executor,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from dagster_project import jobs, resources, schedules, sensors
from dagster_project.assets import dbt, ingest, publish, report
from dagster_project.checks import quality

ASSET_MODULES = [
    ingest,
    dbt,
    quality, publish,  # GX gates (blocking checks) and the atomic publish
    report,  # the committee pack after each publish (never fails the run)
]


def _resources() -> dict:
    merged = dict(resources.RESOURCES)
    for module in ASSET_MODULES:
        merged.update(getattr(module, "RESOURCES", {}))
    return merged


defs = Definitions(
    assets=load_assets_from_modules(ASSET_MODULES),
    asset_checks=load_asset_checks_from_modules(ASSET_MODULES),
    resources=_resources(),
    jobs=jobs.JOBS,
    schedules=schedules.SCHEDULES,
    sensors=sensors.SENSORS,
    # One step at a time inside a run: DuckDB allows a single writer.
    executor=in_process_executor,
)
