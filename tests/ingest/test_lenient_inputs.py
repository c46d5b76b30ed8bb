"""What EXTRACTS.md allows, loaded as meant rather than refused or quarantined: GBK as
Windows exports it, a header-only file without its last newline, old-Mac line ends, a pandas
index in Parquet, and the empty values whose meaning the contract gives (`1` if …; a fund
that does not apply)."""

import io

import pandas as pd

from consortium_dw.contract import TABLES
from consortium_dw.ingest import load_table
from tests.ingest.conftest import DAY
from tests.ingest.handmade import (
    csv_bytes,
    full_delivery,
    read_manifest,
    rewrite_file,
    valid_rows,
    write_delivery,
    write_manifest,
)
from tests.ingest.test_row_rules import quarantined


def _declare(folder, name, encoding):
    manifest = read_manifest(folder)
    for entry in manifest["files"]:
        if entry["name"] == name:
            entry["encoding"] = encoding
    write_manifest(folder, manifest["system"], DAY, manifest["files"])


def test_gbk_file_with_a_rare_character_of_the_extended_range_loads(landing, warehouse):
    rows = valid_rows("outpatient_diagnoses", 2, DAY)
    rows[0]["dx_name"] = "䶮病"  # FE9F: in what Windows exports as GBK, not in strict gbk
    emr = full_delivery(landing, "emr", DAY, n=1)
    rewrite_file(emr, "outpatient_diagnoses.csv",
                 csv_bytes(TABLES["outpatient_diagnoses"].column_names, rows, "gb18030"),
                 rows=2)
    _declare(emr, "outpatient_diagnoses.csv", "gbk")
    result = load_table(warehouse, landing, TABLES["outpatient_diagnoses"])
    assert (result.rows_read, result.rows_loaded) == (2, 2)
    assert warehouse.execute("SELECT dx_name FROM raw.outpatient_diagnoses WHERE "
                             "_source_line = 1").fetchall() == [("䶮病",)]


def test_header_only_file_without_final_newline_is_an_empty_day(landing, warehouse):
    emr = full_delivery(landing, "emr", DAY, n=1)
    header = ",".join(TABLES["outpatient_diagnoses"].column_names).encode("gb18030")
    rewrite_file(emr, "outpatient_diagnoses.csv", header, rows=0)
    result = load_table(warehouse, landing, TABLES["outpatient_diagnoses"])
    assert (result.rows_read, result.rows_loaded) == (0, 0)
    assert warehouse.execute("SELECT count(*) FROM quarantine.rejected_files").fetchall() \
        == [(0,)]


def test_carriage_return_line_ends_load(landing, warehouse):
    rows = valid_rows("outpatient_diagnoses", 3, DAY)
    emr = full_delivery(landing, "emr", DAY, n=1)
    data = csv_bytes(TABLES["outpatient_diagnoses"].column_names, rows, "gb18030")
    rewrite_file(emr, "outpatient_diagnoses.csv", data.replace(b"\n", b"\r"), rows=3)
    result = load_table(warehouse, landing, TABLES["outpatient_diagnoses"])
    assert (result.rows_read, result.rows_loaded) == (3, 3)


def test_parquet_with_a_pandas_index_column_loads(landing, warehouse):
    rows = valid_rows("settlements", 2, DAY)
    folder = write_delivery(landing, "insurance", DAY, {"settlements": rows})
    frame = pd.DataFrame(rows, index=[7, 9])  # not a default RangeIndex: stored as a column
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    rewrite_file(folder, "settlements.parquet", buffer.getvalue())
    result = load_table(warehouse, landing, TABLES["settlements"])
    assert (result.rows_read, result.rows_loaded) == (2, 2)


def test_empty_flags_defined_by_their_one_and_empty_fund_parts_mean_zero(landing, warehouse):
    studies = valid_rows("imaging_studies", 2, DAY)
    studies[0].update(remote_read="", recognised="")
    studies[1].update(critical_finding="")  # `1`/`0` both spelled out: empty is missing
    write_delivery(landing, "pacs", DAY, {"imaging_studies": studies})
    load_table(warehouse, landing, TABLES["imaging_studies"])
    assert warehouse.execute("SELECT remote_read, recognised FROM raw.imaging_studies"
                             ).fetchall() == [(0, 0)]
    assert quarantined(warehouse, "imaging_studies") == {2: "missing_required"}

    settlements = valid_rows("settlements", 2, DAY)
    settlements[0]["hifob_pay"] = ""  # 职工大额 does not apply to a 390 resident: NULL in setl_d
    settlements[1]["medfee_sumamt"] = ""  # a total is never optional
    write_delivery(landing, "insurance", DAY, {"settlements": settlements})
    load_table(warehouse, landing, TABLES["settlements"])
    assert warehouse.execute("SELECT CAST(hifob_pay AS VARCHAR) FROM raw.settlements"
                             ).fetchall() == [("0.00",)]
    assert quarantined(warehouse, "settlements") == {2: "missing_required"}
