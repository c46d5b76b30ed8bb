"""The GX quality gates as blocking Dagster asset checks.

- `gx_quality` on every raw table `raw/<table>`: schema, rows of the run's delivery days,
  and the daily profile (volume, quarantine share, amount sign) over the whole history.
- `gx_quality` on `marts.metric_values` (whichever key the dbt assets give it): grain,
  ranges, consistency and completeness per closed month.

A failed ERROR expectation fails the check with severity ERROR; being blocking, it stops the
downstream assets of the run: dbt after a raw failure, and the publish of serving.duckdb.
"""


from datetime import date

from dagster import AssetCheckExecutionContext, AssetKey, AssetsDefinition, asset_check

from consortium_dw.contract import TABLES
from dagster_project.resources import WAREHOUSE_POOL, WarehouseResource
from expectations.dagster_adapter import to_check_result
from expectations.mart_gate import validate_marts
from expectations.raw_gate import validate_raw_table

CHECK_NAME = "gx_quality"
DEFAULT_METRIC_VALUES_KEY = AssetKey(["marts", "metric_values"])


def run_days(context: AssetCheckExecutionContext) -> list[date] | None:
    """The delivery days of this run (None: every day), from the run's partition range."""
    tags = context.run.tags
    start = tags.get("dagster/asset_partition_range_start")
    end = tags.get("dagster/asset_partition_range_end")
    single = tags.get("dagster/partition")
    if single:
        return [date.fromisoformat(single)]
    if start and end:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        return [date.fromordinal(d) for d in range(first.toordinal(), last.toordinal() + 1)]
    return None


def _raw_check(table_name: str):
    @asset_check(asset=AssetKey(["raw", table_name]), name=CHECK_NAME, blocking=True,
                 pool=WAREHOUSE_POOL,
                 description=f"Great Expectations: raw.{table_name}.schema, raw.{table_name} "
                             f"(rows per delivery day) and raw.{table_name}.daily (volume, "
                             "quarantine share, amount sign). Data Docs in $DATA_DIR/data_docs.")
    def _check(context: AssetCheckExecutionContext, warehouse: WarehouseResource):
        days = run_days(context)
        with warehouse.connect() as con:
            outcome = validate_raw_table(con, table_name, warehouse.data_path, days=days)
        for failure in outcome.errors:
            context.log.error(f"raw.{table_name}: {failure.expectation} on "
                              f"{failure.columns}: {failure.unexpected_count} unexpected")
        return to_check_result(outcome)

    return _check


def metric_values_key() -> AssetKey:
    """The dbt asset key of metric_values (dagster_project/assets/dbt.py decides it)."""
    try:
        from dagster_project.assets import dbt as dbt_assets
    except ImportError:
        return DEFAULT_METRIC_VALUES_KEY
    for value in vars(dbt_assets).values():
        if isinstance(value, AssetsDefinition):
            for key in value.keys:
                if key.path[-1] == "metric_values":
                    return key
    return DEFAULT_METRIC_VALUES_KEY


@asset_check(asset=metric_values_key(), name=CHECK_NAME, blocking=True, pool=WAREHOUSE_POOL,
             description="Great Expectations: marts.metric_values (grain, rates in [0, 1], "
                         "numerator ÷ denominator, targets) and its completeness per closed "
                         "month. Data Docs in $DATA_DIR/data_docs.")
def metric_values_quality(context: AssetCheckExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as con:
        outcome = validate_marts(con, warehouse.data_path)
    for failure in outcome.errors:
        context.log.error(f"marts.metric_values: {failure.expectation} on {failure.columns}: "
                          f"{failure.unexpected_count} unexpected")
    return to_check_result(outcome)


raw_quality_checks = [_raw_check(name) for name in TABLES]
