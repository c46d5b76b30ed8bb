"""The committee pack as a Dagster asset, rendered after each publish.

Non-blocking by design: the served file is already published when this runs, and a pack that
fails to render (no Chromium, an odd month) is logged and recorded in the asset's metadata, never
raised, so it cannot fail the publish or the headless run.
"""

import os
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from consortium_dw.report import build_report, default_report_path
from dagster_project.resources import WarehouseResource

# The publish asset (dagster_project/assets/publish.py) that writes $DATA_DIR/serving.duckdb.
PUBLISH_ASSET_KEY = AssetKey(["serving"])


def latest_published_month(serving: Path) -> str | None:
    """The committee's month: CONSORTIUM_REPORT_MONTH if set, else the latest month served."""
    if month := os.environ.get("CONSORTIUM_REPORT_MONTH"):
        return month
    con = duckdb.connect(str(serving), read_only=True)
    try:
        row = con.execute("select max(period_start) from marts.metric_values "
                          "where period_type = 'month'").fetchone()
    finally:
        con.close()
    return row[0].strftime("%Y-%m") if row and row[0] else None


def render_committee_pack(data_dir: Path, log) -> MaterializeResult:
    serving = data_dir / "serving.duckdb"
    try:
        month = latest_published_month(serving)
        if month is None:
            raise RuntimeError(f"{serving} has no monthly metric values")
        pdf = build_report(serving, month, default_report_path(serving, month))
    except Exception as exc:  # noqa: BLE001 - any failure is reported, none may fail the run
        log.warning(f"committee pack not rendered: {exc}")
        return MaterializeResult(metadata={"rendered": False, "error": str(exc)[:2000],
                                           "serving": str(serving)})
    log.info(f"committee pack for {month}: {pdf}")
    return MaterializeResult(metadata={"rendered": True, "month": month,
                                       "path": MetadataValue.path(str(pdf)),
                                       "bytes": pdf.stat().st_size})


@asset(key=AssetKey(["reports", "committee_pack"]), deps=[PUBLISH_ASSET_KEY],
       group_name="reports", compute_kind="chromium",
       description="月度委员会报告 (PDF): the monthly committee pack rendered from the served "
                   "file after each publish. Failure is recorded, never raised.")
def committee_pack(context: AssetExecutionContext,
                   warehouse: WarehouseResource) -> MaterializeResult:
    return render_committee_pack(warehouse.data_path, context.log)
