"""`serving`: the atomic publish of the marts to $DATA_DIR/serving.duckdb after a green build.

It runs downstream of every dbt asset, so Dagster's blocking checks skip it when a gate is red
(a raw table's or metric_values' `gx_quality` check failed with ERROR). As a second line, it
refuses to publish while the latest evaluation of any such check is a failed ERROR, which also
covers a publish materialised on its own from the UI. Either way the previous serving file stays
in place and the committee keeps seeing the last good numbers.
"""


from dagster import (
    AssetCheckKey,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from consortium_dw.publish import publish
from dagster_project.checks.quality import CHECK_NAME, metric_values_key
from dagster_project.resources import WAREHOUSE_POOL, WarehouseResource
from expectations.context import data_docs_index

SERVING_KEY = AssetKey(["serving"])
SERVING_FILE = "serving.duckdb"


def _mart_keys() -> list[AssetKey]:
    """Every mart of the dbt project (what is published), so the publish waits for them."""
    try:
        from dagster_project.assets import dbt as dbt_assets
    except ImportError:
        return [metric_values_key()]
    keys = {key for value in vars(dbt_assets).values() if isinstance(value, AssetsDefinition)
            for key in value.keys if key.path[0] == "marts"}
    return sorted(keys | {metric_values_key()}, key=lambda k: k.to_user_string())


def gate_check_keys() -> list[AssetCheckKey]:
    from consortium_dw.contract import TABLES

    keys = [AssetCheckKey(AssetKey(["raw", t]), CHECK_NAME) for t in TABLES]
    return keys + [AssetCheckKey(metric_values_key(), CHECK_NAME)]


def red_gates(instance) -> list[str]:
    """Gate checks whose latest evaluation failed with ERROR severity."""
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        gate_check_keys())
    red = []
    for key, record in latest.items():
        event = getattr(record, "event", None)
        evaluation = getattr(getattr(event, "dagster_event", None), "event_specific_data", None)
        if evaluation is None:
            continue
        if not evaluation.passed and evaluation.severity.value == "ERROR":
            red.append(key.to_user_string())
    return sorted(red)


@asset(key=SERVING_KEY, deps=_mart_keys(), group_name="serving", pool=WAREHOUSE_POOL,
       kinds={"duckdb"},
       description="$DATA_DIR/serving.duckdb: the marts, copied atomically after a green build "
                   "(what Superset and analysts read, read-only).")
def serving(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    red = red_gates(context.instance)
    if red:
        raise Failure(description="quality gate(s) red, serving.duckdb left as it was: "
                                  + ", ".join(red))
    target = warehouse.data_path / SERVING_FILE
    result = publish(warehouse.database, target)
    context.log.info(f"published {len(result.tables)} tables to {target} "
                     f"(sha256 {result.sha256[:12]})")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(target)),
        "published_at": result.published_at,
        "sha256": result.sha256,
        "tables": MetadataValue.json(result.tables),
        "metric_values_rows": result.tables.get("marts.metric_values", 0),
        "data_docs": MetadataValue.url(f"file://{data_docs_index(warehouse.data_path)}"),
    })
