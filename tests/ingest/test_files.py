"""Files that cannot be trusted are refused whole; the day's other files still load."""

import hashlib

from consortium_dw.contract import TABLES, TABLES_BY_SYSTEM
from consortium_dw.ingest import load_table
from tests.ingest.conftest import DAY
from tests.ingest.handmade import (
    csv_bytes,
    full_delivery,
    read_manifest,
    rewrite_file,
    valid_rows,
    write_manifest,
)


def load_system(con, landing, system):
    return {t.name: load_table(con, landing, t) for t in TABLES_BY_SYSTEM[system]}


def rejected(con):
    return {(r[0], r[1]): r[2] for r in con.execute(
        "SELECT system, file_name, reason FROM quarantine.rejected_files").fetchall()}


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_each_kind_of_bad_file_is_refused_and_the_rest_of_the_day_loads(landing, warehouse):
    his = full_delivery(landing, "his", DAY, n=3)
    cols = TABLES["referrals"].column_names
    # sha256 differs: the file changed after the manifest was written
    rewrite_file(his, "outpatient_visits.csv",
                 (his / "outpatient_visits.csv").read_bytes() + b"", update_manifest=False)
    (his / "outpatient_visits.csv").write_bytes((his / "outpatient_visits.csv").read_bytes()
                                                .replace(b"H0002", b"H0001"))
    # wrong header: a column renamed
    rewrite_file(his, "referrals.csv", csv_bytes(
        [c if c != "status" else "state" for c in cols],
        [{("state" if k == "status" else k): v for k, v in r.items()}
         for r in valid_rows("referrals", 3, DAY)], "gb18030"))
    # undecodable: bytes that are not GB18030
    broken = (his / "resource_allocations.csv").read_bytes() + b"\xff\xfe,x\n"
    rewrite_file(his, "resource_allocations.csv", broken)
    # row count differs from the manifest
    manifest = read_manifest(his)
    for entry in manifest["files"]:
        if entry["name"] == "inpatient_admissions.csv":
            entry["rows"] = 4
    write_manifest(his, "his", DAY, manifest["files"])
    # a file the manifest does not list
    (his / "extra_table.csv").write_bytes(b"a,b\n1,2\n")
    before = {p.name: digest(p) for p in his.iterdir()}

    results = load_system(warehouse, landing, "his")

    assert rejected(warehouse) == {
        ("his", "outpatient_visits.csv"): "manifest_mismatch",
        ("his", "inpatient_admissions.csv"): "manifest_mismatch",
        ("his", "referrals.csv"): "wrong_header",
        ("his", "resource_allocations.csv"): "undecodable",
        ("his", "extra_table.csv"): "manifest_mismatch",
    }
    assert {p.name: digest(p) for p in his.iterdir()} == before  # landing untouched
    for name in ("outpatient_visits", "inpatient_admissions", "referrals",
                 "resource_allocations"):
        assert warehouse.execute(f"SELECT count(*) FROM raw.{name}").fetchall()[0][0] == 0
        assert warehouse.execute(f"SELECT count(*) FROM quarantine.{name}").fetchall()[0][0] == 0
    assert results["outpatient_visits"].with_status("refused")[0].reason == "manifest_mismatch"
    assert not warehouse.execute("SELECT * FROM audit.load_log").fetchall()


def test_one_refused_file_does_not_stop_the_others(landing, warehouse):
    lis = full_delivery(landing, "lis", DAY, n=3)
    full_delivery(landing, "pacs", DAY, n=2)
    # declared utf-8-sig, delivered as GB18030 with Chinese text: strict decode fails
    rows = valid_rows("lab_results", 3, DAY)
    for row in rows:
        row["item_name"] = "血红蛋白"
    rewrite_file(lis, "lab_results.csv",
                 csv_bytes(TABLES["lab_results"].column_names, rows, "gb18030"))
    load_system(warehouse, landing, "lis")
    load_system(warehouse, landing, "pacs")
    assert rejected(warehouse) == {("lis", "lab_results.csv"): "undecodable"}
    assert warehouse.execute("SELECT count(*) FROM raw.imaging_studies").fetchall()[0][0] == 2


def test_missing_listed_file_and_bad_parquet(landing, warehouse):
    phs = full_delivery(landing, "phs", DAY, n=2)
    (phs / "fd_services.csv").unlink()
    insurance = full_delivery(landing, "insurance", DAY, n=2)
    rewrite_file(insurance, "settlements.parquet", b"PAR1 this is not parquet")
    load_system(warehouse, landing, "phs")
    load_system(warehouse, landing, "insurance")
    assert rejected(warehouse) == {("phs", "fd_services.csv"): "manifest_mismatch",
                                   ("insurance", "settlements.parquet"): "undecodable"}
    assert warehouse.execute("SELECT count(*) FROM raw.fd_contracts").fetchall()[0][0] == 2


def test_utf8_with_bom_and_quoted_newlines_load(landing, warehouse):
    rows = valid_rows("outpatient_diagnoses", 2, DAY)
    rows[1]["dx_name"] = "高血压,\n伴并发症"
    emr = full_delivery(landing, "emr", DAY, n=1)
    rewrite_file(emr, "outpatient_diagnoses.csv",
                 csv_bytes(TABLES["outpatient_diagnoses"].column_names, rows, "utf-8-sig"),
                 rows=2)
    manifest = read_manifest(emr)
    for entry in manifest["files"]:
        if entry["name"] == "outpatient_diagnoses.csv":
            entry["encoding"] = "utf-8"
    write_manifest(emr, "emr", DAY, manifest["files"])
    result = load_table(warehouse, landing, TABLES["outpatient_diagnoses"])
    assert (result.rows_read, result.rows_loaded) == (2, 2)
    assert warehouse.execute("SELECT dx_name FROM raw.outpatient_diagnoses WHERE "
                             "_source_line = 2").fetchall()[0][0] == "高血压,\n伴并发症"


def test_refusal_details_never_quote_row_values(landing, warehouse):
    his = full_delivery(landing, "his", DAY, n=2)
    rows = valid_rows("outpatient_visits", 2, DAY)
    columns = TABLES["outpatient_visits"].column_names
    headerless = csv_bytes(columns, rows, "gb18030").split(b"\n", 1)[1]
    rewrite_file(his, "outpatient_visits.csv", headerless, rows=1)
    referrals = valid_rows("referrals", 2, DAY)
    good = csv_bytes(TABLES["referrals"].column_names, referrals[:1], "gb18030")
    one_field_too_many = ",".join([*referrals[1].values(), "张9号"]) + "\n"
    rewrite_file(his, "referrals.csv", good + one_field_too_many.encode("gb18030"), rows=2)
    load_system(warehouse, landing, "his")
    details = warehouse.execute("SELECT file_name, reason, detail FROM "
                                "quarantine.rejected_files ORDER BY 1").fetchall()
    assert [(f, r) for f, r, _ in details] == [("outpatient_visits.csv", "wrong_header"),
                                               ("referrals.csv", "undecodable")]
    for _, _, detail in details:
        for value in [*rows[0].values(), *referrals[1].values()]:
            if len(value) > 3:
                assert value not in detail
        assert "张" not in detail
