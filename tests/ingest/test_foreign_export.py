"""The tiny district exported another way (tests/ingest/foreign_export.py) publishes exactly
the numbers of the generator's own export, with the same rows quarantined for the same
reasons: what EXTRACTS.md allows is read as meant."""

import duckdb

from dagster_project.headless import run_pipeline
from tests.ingest.foreign_export import reexport


def _published(data_dir):
    con = duckdb.connect(str(data_dir / "serving.duckdb"), read_only=True)
    try:
        return con.execute("SELECT * FROM marts.metric_values ORDER BY ALL").fetchall()
    finally:
        con.close()


def _quarantined(data_dir):
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'quarantine' "
            "AND table_name <> 'rejected_files' ORDER BY 1").fetchall()]
        counts = {(t, reason): n for t in tables for reason, n in con.execute(
            f"SELECT _reason, count(*) FROM quarantine.{t} GROUP BY 1").fetchall()}
        refused = con.execute("SELECT count(*) FROM quarantine.rejected_files").fetchone()[0]
        return counts, refused
    finally:
        con.close()


def test_another_exporters_files_publish_the_same_numbers(tiny_landing, tiny_warehouse,
                                                          tmp_path):
    landing, data = tmp_path / "landing", tmp_path / "data"
    changed = reexport(tiny_landing, landing)
    assert set(changed) == {"flag 0 left empty", "integer as 3.0", "ECG without body part",
                            "declared gbk", "fund part as null"}
    run_pipeline(landing, data)
    assert _published(data) == _published(tiny_warehouse)
    assert _quarantined(data) == _quarantined(tiny_warehouse)
