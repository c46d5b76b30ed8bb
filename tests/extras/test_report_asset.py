"""The Dagster asset renders the pack after a publish, and never fails the run."""

from __future__ import annotations

import shutil

from dagster import materialize

from dagster_project.assets.report import committee_pack
from dagster_project.resources import WarehouseResource
from tests.extras.conftest import pdf_text


def _metadata(result):
    [event] = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_asset_renders_the_latest_served_month(handmade_serving, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(handmade_serving, data_dir / "serving.duckdb")
    monkeypatch.delenv("CONSORTIUM_REPORT_MONTH", raising=False)
    result = materialize([committee_pack],
                         resources={"warehouse": WarehouseResource(data_dir=str(data_dir))})
    assert result.success
    metadata = _metadata(result)
    assert metadata["rendered"] is True and metadata["month"] == "2025-03"
    pdf = data_dir / "reports" / "committee_2025-03.pdf"
    assert "72.4%" in pdf_text(pdf)


def test_asset_records_a_failure_without_failing_the_run(tmp_path):
    nothing_published = WarehouseResource(data_dir=str(tmp_path))
    result = materialize([committee_pack], resources={"warehouse": nothing_published})
    assert result.success
    metadata = _metadata(result)
    assert metadata["rendered"] is False
    assert "serving.duckdb" in metadata["error"]
