"""The dbt project as Dagster assets: staging → intermediate → marts → metric_values.

Sources map onto ingestion's raw assets (`["raw", "<table>"]`, `["raw", "ref_<name>"]`) through
their `meta.dagster.asset_key`, so the graph reads extract → raw → staging → marts → metric as
one lineage. Models are keyed `[<schema>, <model>]`, e.g. `["marts", "metric_values"]`.
The manifest is (re)built with `dbt parse` at import when it is missing or older than the
project's files, so a fresh checkout and an edited model both load without a manual step.
"""

import os
import subprocess
import sys
from collections.abc import Mapping
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from packaging import version

from consortium_dw.dbt_run_targets import keep_partial_parse, prune_run_targets
from consortium_dw.incremental_builds import (
    LOADS_SINCE_ENV,
    loads_since,
    read_load_state,
    record_complete_build,
    take_previous_state,
)
from consortium_dw.marts_file import marts_path
from dagster_project.resources import WAREHOUSE_POOL, WarehouseResource

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt"
MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"
# dbt build excludes unit tests: dbt's advice for production runs. They run on hand-made rows,
# not on the warehouse, and `make test` builds them (tests/dbt/test_dbt_build.py).
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


def _project_files_mtime() -> float:
    latest = 0.0
    for folder in ("models", "macros", "seeds", "tests"):
        for path in (DBT_PROJECT_DIR / folder).rglob("*"):
            if path.is_file():
                latest = max(latest, path.stat().st_mtime)
    for name in ("dbt_project.yml", "profiles.yml"):
        latest = max(latest, (DBT_PROJECT_DIR / name).stat().st_mtime)
    return latest


def ensure_manifest() -> Path:
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _project_files_mtime():
        return MANIFEST
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # Parsing never opens the file, but dbt keys its partial-parse state on the profile's
    # connection info, path included: parsed with the path the build will use, `dbt build`
    # starts from this parse instead of parsing the whole project again.
    env.setdefault("DUCKDB_PATH", str(WarehouseResource().database))
    result = subprocess.run(
        [str(DBT_EXECUTABLE), "parse", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"],
        env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not MANIFEST.exists():
        raise RuntimeError(f"dbt parse failed in {DBT_PROJECT_DIR}:\n{result.stdout}\n"
                           f"{result.stderr}")
    return MANIFEST


class ConsortiumDbtTranslator(DagsterDbtTranslator):
    """Sources → ingestion's raw asset keys; models and seeds → [schema, name]."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            meta = dbt_resource_props.get("meta") or {}
            configured = (meta.get("dagster") or {}).get("asset_key")
            if configured:
                return AssetKey(configured)
            return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return f"dbt_{dbt_resource_props['schema']}"


@dbt_assets(manifest=ensure_manifest(), dagster_dbt_translator=ConsortiumDbtTranslator(),
            pool=WAREHOUSE_POOL, name="dbt_warehouse")
def dbt_warehouse(context: AssetExecutionContext, dbt: DbtCliResource,
                  warehouse: WarehouseResource):
    """`dbt build`: models, seeds and data tests, in DAG order. After a complete build, the
    incremental models rebuild only what newer loads touched (consortium_dw.incremental_builds)."""
    os.environ["DUCKDB_PATH"] = str(warehouse.database)
    # Only this asset's incremental build passes loads_since, for its own dbt command.
    os.environ.pop(LOADS_SINCE_ENV, None)
    previous = take_previous_state(warehouse.database)
    if context.is_subset:
        yield from _streamed(dbt.cli(BUILD_ARGS, context=context), context)
        return
    now = read_load_state(warehouse.database, DBT_PROJECT_DIR)
    since = loads_since(previous, now)
    if since is None:
        start_from_an_empty_marts_file(warehouse.database)
        args = [*BUILD_ARGS, "--full-refresh"]
        context.log.info("dbt build of every row (no complete build to continue from, or the "
                         "references or the dbt project changed)")
    else:
        os.environ[LOADS_SINCE_ENV] = since
        args = BUILD_ARGS
        context.log.info(f"dbt build: the incremental models rebuild what loads after {since} "
                         "touched")
    try:
        invocation = dbt.cli(args, context=context)
    finally:
        # The dbt process has its environment; nothing else in this process inherits it.
        os.environ.pop(LOADS_SINCE_ENV, None)
    yield from _streamed(invocation, context)
    record_complete_build(warehouse.database, now)


def _streamed(invocation, context: AssetExecutionContext):
    """The command's events; then, whether it passed or not, its partial parse becomes the
    next command's start and the older commands' target folders beyond the newest few are
    removed (consortium_dw.dbt_run_targets)."""
    try:
        yield from invocation.stream()
    finally:
        keep_partial_parse(invocation.target_path)
        prune_run_targets(invocation.target_path, context.op_execution_context.op.name)


def start_from_an_empty_marts_file(warehouse: Path) -> None:
    """Before a build of every row: every mart is a table or view that the build writes
    again, and written into a new file they leave none of the free blocks that replacing them
    in place leaves behind, which the publish would copy into the served file (on the city
    year 5.8 GB instead of 3.3 GB from the second build on, ~3 s more per publish). An
    incremental build keeps the file: its incremental marts are updated in place. A subset (one
    model re-run from the UI) builds in place too. A failed build leaves the marts it reached;
    the served file is untouched."""
    path = marts_path(warehouse)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)


class DbtCliWithoutAdapterHandle(DbtCliResource):
    """dagster-dbt also loads dbt and its DuckDB adapter inside the Dagster process before each
    command (8 s on the demo), only for `fetch_row_counts` / `fetch_column_metadata`, which
    this project does not use; the command itself runs in its own dbt process as before."""

    def _initialize_dbt_core_adapter(self, args):
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        """dagster-dbt runs `dbt --version` once per run to learn this: 3.8 s, most of it dbt
        asking PyPI for its latest release. DBT_EXECUTABLE is this environment's own dbt, so
        the installed dbt-core's version is the executable's."""
        return version.parse(metadata.version("dbt-core"))


RESOURCES = {
    "dbt": DbtCliWithoutAdapterHandle(project_dir=str(DBT_PROJECT_DIR),
                                      profiles_dir=str(DBT_PROJECT_DIR),
                                      dbt_executable=str(DBT_EXECUTABLE)),
}
