"""Raw assets: one per contract table (partitioned by delivery day) and the reference data.

Keys: `raw/<table>` and `raw/ref_<name>` (the dbt sources map onto exactly these). A run over a
partition range is one step per table (BackfillPolicy.single_run), and the loader batches the
days inside it. Each table asset reports its accounting as metadata and two checks:
`accounting` (read = loaded + quarantined, verified against the warehouse) and `files_trusted`
(no delivered file of the run was refused; refused files are listed, the others still load).
"""

import warnings
from datetime import date

import duckdb
import pyarrow as pa
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    BetaWarning,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from consortium_dw.contract import REF_TABLES, TABLES, TABLES_BY_SYSTEM, Table
from consortium_dw.ingest import TableLoadResult, delivery_days, load_reference, load_table
from consortium_dw.ingest.rules import quote
from dagster_project.partitions import DELIVERY_DAYS
from dagster_project.resources import WAREHOUSE_POOL, LandingResource, WarehouseResource

RAW_GROUP = "raw"
ACCOUNTING_CHECK = "accounting"
FILES_TRUSTED_CHECK = "files_trusted"
REF_KEYS = {name: AssetKey(["raw", f"ref_{name}"]) for name in REF_TABLES}
TABLE_KEYS = {name: AssetKey(["raw", name]) for name in TABLES}
SYSTEM_KEYS = {system: [TABLE_KEYS[t.name] for t in tables]
               for system, tables in TABLES_BY_SYSTEM.items()}
_LISTED_FILES = 50
# single_run backfills are what keep a history load to one step per table.
warnings.filterwarnings("ignore", category=BetaWarning, message=".*backfill_policy.*")


class IngestConfig(Config):
    # Reload files even when their sha256 equals the last load (e.g. after the reference
    # institutions changed); the default makes a repeated load a no-op.
    force: bool = False


def _reference_asset(name: str) -> AssetsDefinition:
    @asset(key=REF_KEYS[name], group_name=RAW_GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb"},
           description=f"ref/{name}.csv, replaced whole on every load.")
    def _load(context: AssetExecutionContext, landing: LandingResource,
              warehouse: WarehouseResource) -> MaterializeResult:
        with warehouse.connect() as con:
            (loaded,) = load_reference(con, landing.path, (name,))
        if loaded.refused:
            raise Failure(description=f"ref/{loaded.file_name} refused: "
                                      f"{loaded.refused.reason.value}: {loaded.refused.detail}; "
                                      "the previous version stays in place")
        if loaded.absent:
            context.log.info(f"ref/{loaded.file_name} not delivered (optional): raw.ref_{name} "
                             "keeps what it held")
        if loaded.quarantined:
            context.log.warning(f"ref/{loaded.file_name}: {loaded.quarantined} rows quarantined "
                                f"(quarantine.ref_{name})")
        context.log.info(f"raw.ref_{name}: {loaded.rows} rows")
        return MaterializeResult(metadata={"dagster/row_count": loaded.rows,
                                           "rows_quarantined": loaded.quarantined,
                                           "delivered": not loaded.absent,
                                           "batch_id": loaded.batch_id})

    return _load


def _accounting(con: duckdb.DuckDBPyConnection, table: Table,
                days: list[date]) -> AssetCheckResult:
    """For each day of the run with a load, the latest load's counts must add up and must be
    what the warehouse actually holds for that day."""
    con.register("run_days", pa.table({"day": pa.array(days, pa.date32())}))
    name = quote(table.name)
    rows = con.execute(f"""
        WITH latest AS (
          SELECT delivery_date, arg_max(file_name, loaded_at) AS file_name,
                 arg_max(rows_read, loaded_at) AS rows_read,
                 arg_max(rows_loaded, loaded_at) AS rows_loaded,
                 arg_max(rows_quarantined, loaded_at) AS rows_quarantined
          FROM audit.load_log WHERE table_name = ? AND delivery_date IN (SELECT day FROM run_days)
          GROUP BY delivery_date),
        held AS (
          SELECT l.*,
            (SELECT count(*) FROM raw.{name} r WHERE r._delivery_date = l.delivery_date) AS in_raw,
            (SELECT count(*) FROM quarantine.{name} q
              WHERE q._delivery_date = l.delivery_date) AS in_quarantine
          FROM latest l)
        SELECT delivery_date, file_name, rows_read, rows_loaded, rows_quarantined, in_raw,
               in_quarantine FROM held
        WHERE rows_read != rows_loaded + rows_quarantined OR in_raw != rows_loaded
           OR in_quarantine != rows_quarantined
        ORDER BY delivery_date""", [table.name]).fetchall()
    days_checked = con.execute(
        "SELECT count(DISTINCT delivery_date) FROM audit.load_log WHERE table_name = ? "
        "AND delivery_date IN (SELECT day FROM run_days)", [table.name]).fetchall()[0][0]
    con.unregister("run_days")
    mismatches = [f"{day} {file}: read {read}, loaded {loaded} (raw holds {raw}), quarantined "
                  f"{quarantined} (quarantine holds {held})"
                  for day, file, read, loaded, quarantined, raw, held in rows]
    return AssetCheckResult(
        check_name=ACCOUNTING_CHECK, passed=not mismatches, severity=AssetCheckSeverity.ERROR,
        metadata={"days_checked": days_checked, "mismatches": len(mismatches),
                  "first_mismatches": MetadataValue.md("\n".join(
                      f"- {m}" for m in mismatches[:_LISTED_FILES]) or "none")})


def _files_trusted(result: TableLoadResult) -> AssetCheckResult:
    refused = result.with_status("refused")
    listing = "\n".join(f"- `{o.source_file}`: **{o.reason}**: {o.detail}"
                        for o in refused[:_LISTED_FILES])
    return AssetCheckResult(
        check_name=FILES_TRUSTED_CHECK, passed=not refused, severity=AssetCheckSeverity.ERROR,
        description="Refused files are in quarantine.rejected_files; the landing copy is "
                    "untouched and the day's other files loaded.",
        metadata={"files_refused": len(refused),
                  "refused_files": MetadataValue.md(listing or "none")})


def _table_asset(table: Table, partitioned: bool = True) -> AssetsDefinition:
    """`partitioned=False` builds the same asset for whole-history runs (see
    `history_table_assets`): every delivery day found, without per-day Dagster events."""
    key = TABLE_KEYS[table.name]

    @asset(
        key=key, group_name=RAW_GROUP, partitions_def=DELIVERY_DAYS if partitioned else None,
        backfill_policy=BackfillPolicy.single_run() if partitioned else None,
        pool=WAREHOUSE_POOL, kinds={"duckdb"},
        deps=[REF_KEYS["institutions"]],
        description=f"{table.system}/<day>/{table.name}: contract-valid rows, PII pseudonymised; "
                    f"failing rows in quarantine.{table.name}.",
        check_specs=[
            AssetCheckSpec(ACCOUNTING_CHECK, asset=key,
                           description="rows read = rows loaded + rows quarantined, per file, "
                                       "and the warehouse holds exactly those rows"),
            AssetCheckSpec(FILES_TRUSTED_CHECK, asset=key,
                           description="no delivered file was refused (manifest mismatch, "
                                       "undecodable, wrong header)"),
        ],
    )
    def _load(context: AssetExecutionContext, config: IngestConfig, landing: LandingResource,
              warehouse: WarehouseResource) -> MaterializeResult:
        if partitioned:
            days = [date.fromisoformat(k) for k in context.partition_keys]
        else:
            days = delivery_days(landing.path, (table.system,))
        with warehouse.connect() as con:
            result = load_table(con, landing.path, table, days, force=config.force)
            accounting = _accounting(con, table, days)
        for outcome in result.with_status("refused"):
            context.log.error(f"refused {outcome.source_file}: {outcome.reason}: "
                              f"{outcome.detail}")
        loaded, unchanged = result.with_status("loaded"), result.with_status("unchanged")
        context.log.info(f"raw.{table.name}: {len(loaded)} files loaded, {len(unchanged)} "
                         f"unchanged; rows read {result.rows_read}, loaded {result.rows_loaded}, "
                         f"quarantined {result.rows_quarantined}")
        by_reason = dict(sorted(result.quarantined_by_reason.items()))
        return MaterializeResult(
            metadata={
                "rows_read": result.rows_read,
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "quarantined_by_reason": MetadataValue.json(by_reason),
                "files_loaded": len(loaded),
                "files_unchanged": len(unchanged),
                "files_refused": len(result.with_status("refused")),
                "days_emptied": len(result.with_status("emptied")),
            },
            check_results=[accounting, _files_trusted(result)],
        )

    return _load


reference_assets = [_reference_asset(name) for name in REF_TABLES]
table_assets = [_table_asset(table) for table in TABLES.values()]


def history_table_assets() -> list[AssetsDefinition]:
    """The raw table assets unpartitioned, for the headless whole-history run. A partitioned
    run over three years writes two Dagster events per table per day (~28,000), which took
    longer than the load itself; these load every delivery day found in one step per table,
    with the same code, keys, checks and metadata."""
    return [_table_asset(table, partitioned=False) for table in TABLES.values()]
