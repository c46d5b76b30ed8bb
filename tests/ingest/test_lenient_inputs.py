"""What EXTRACTS.md allows, loaded as meant rather than refused or quarantined: GBK as
Windows exports it, a header-only file without its last newline, old-Mac line ends, a pandas
index in Parquet, the empty values whose meaning the contract gives (`1` if …; a fund that
does not apply), and the sex codes of the national standard the extracts follow."""

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
    valid_row,
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


def test_whole_numbers_written_as_floats_read_as_integers(landing, warehouse):
    """pandas writes an integer column with gaps as floats: "3.0" is operation level 3."""
    abstracts = valid_rows("discharge_abstracts", 3, DAY)
    abstracts[0].update(op_level="3.0", los_days="7.0")
    abstracts[1].update(op_level="")
    abstracts[2].update(op_level="3.5")  # not a whole number: still quarantined
    write_delivery(landing, "emr", DAY, {"discharge_abstracts": abstracts})
    load_table(warehouse, landing, TABLES["discharge_abstracts"])
    assert warehouse.execute("SELECT op_level, los_days FROM raw.discharge_abstracts "
                             "ORDER BY _source_line").fetchall() == [("3", 7), (None, 2)]
    assert quarantined(warehouse, "discharge_abstracts") == {3: "invalid_code"}


def test_an_ecg_without_body_part_and_a_referral_named_only_by_its_target_load(
        landing, warehouse):
    study = valid_row("imaging_studies", 1, DAY)
    study.update(modality="ECG", body_part="")
    referral = valid_row("referrals", 1, DAY)
    referral.update(to_inst_code="", to_inst_name="省人民医院")  # outside the reference list
    write_delivery(landing, "pacs", DAY, {"imaging_studies": [study]})
    write_delivery(landing, "his", DAY, {"referrals": [referral]})
    assert load_table(warehouse, landing, TABLES["imaging_studies"]).rows_loaded == 1
    assert load_table(warehouse, landing, TABLES["referrals"]).rows_loaded == 1


def test_sex_codes_unknown_and_unspecified_load_and_others_are_quarantined(landing, warehouse):
    """GB/T 2261.1: 0 未知的性别 and 9 未说明的性别 are sexes a record may carry; a settlement
    coded so is still a settlement. A code outside the standard is still refused."""
    settlements = valid_rows("settlements", 4, DAY)
    for row, gend in zip(settlements, ("0", "9", "男", "1"), strict=True):
        row["gend"] = gend
    write_delivery(landing, "insurance", DAY, {"settlements": settlements})
    result = load_table(warehouse, landing, TABLES["settlements"])
    assert (result.rows_read, result.rows_loaded) == (4, 3)
    assert warehouse.execute("SELECT gend FROM raw.settlements ORDER BY _source_line"
                             ).fetchall() == [("0",), ("9",), ("1",)]
    assert quarantined(warehouse, "settlements") == {3: "invalid_code"}


def test_the_same_visit_id_at_two_institutions_is_two_visits(landing, warehouse):
    """Each member runs its own HIS, so its ids are its own: V1 at two institutions on one day
    is two visits, not a duplicate; the same V1 twice at one institution still is."""
    visits = valid_rows("outpatient_visits", 3, DAY)
    for row in visits:
        row["visit_id"] = "V1"
    visits[2]["inst_code"] = visits[0]["inst_code"]
    assert visits[0]["inst_code"] != visits[1]["inst_code"]
    write_delivery(landing, "his", DAY, {"outpatient_visits": visits})
    result = load_table(warehouse, landing, TABLES["outpatient_visits"])
    assert (result.rows_read, result.rows_loaded) == (3, 2)
    assert quarantined(warehouse, "outpatient_visits") == {3: "duplicate_row"}
