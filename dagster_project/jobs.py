"""Jobs. Runs that write the warehouse carry WAREHOUSE_RUN_TAGS, which dagster.yaml limits to
one at a time (see headless.DAGSTER_YAML); inside a run the executor is in-process (one step at
a time), so DuckDB never sees two writers."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

from dagster_project.assets.ingest import RAW_GROUP, REF_KEYS

WAREHOUSE_TAG_KEY = "consortium/warehouse"
WAREHOUSE_RUN_TAGS = {WAREHOUSE_TAG_KEY: "write"}

# Partitioning (delivery days) is inferred from the raw assets.
# The daily tables only (partitioned); the reference data has its own unpartitioned job.
ingest_job = define_asset_job(
    "ingest",
    selection=AssetSelection.groups(RAW_GROUP) - AssetSelection.assets(*REF_KEYS.values()),
    tags=WAREHOUSE_RUN_TAGS,
    description="Load delivery folders into raw.* / quarantine.* for a day or a range of days.")

reference_job = define_asset_job(
    "reference", selection=AssetSelection.assets(*REF_KEYS.values()), tags=WAREHOUSE_RUN_TAGS,
    description="Replace raw.ref_* from the landing folder's ref/ files.")

# Everything in the code location: ingest, then dbt, checks and publishing as they are added.
pipeline_job = define_asset_job(
    "pipeline", selection=AssetSelection.all(), tags=WAREHOUSE_RUN_TAGS,
    description="The whole warehouse over a range of delivery days (what `make pipeline` runs).")

# What follows the loads: the dbt build, the metric_values gate, the publish and the committee
# pack, over the raw tables as they stand (the raw gates ran with each load). The build sensor
# starts it once the day's loads are done (sensors.py).
build_job = define_asset_job(
    "build", selection=AssetSelection.all() - AssetSelection.groups(RAW_GROUP),
    tags=WAREHOUSE_RUN_TAGS,
    description="dbt build, the metric gate, the publish and the committee pack over the loaded "
                "raw tables (started by the build sensor after loads).")

JOBS = [ingest_job, reference_job, pipeline_job, build_job]
