"""A hand-made warehouse for `explain`: raw rows written by hand (typed and laid out exactly as
ingestion writes them), then the real dbt project run over them.

The case, all in March 2025, district 150602 (answers worked out by hand in test_explain.py):
- A: outpatient at an in-district hospital (S1), inpatient out of district (S2); holds an
  elderly contract C1 with a service on 03-20.
- B: outpatient at an in-district township health centre (S3, resent: the 03-31 version wins);
  inpatient in district settled S4, reversed by S5, settled again S6; holds contract C2 from 03-01.
- C: an orphan reversal S7 (counted nowhere) and a pharmacy settlement S9 (no encounter).
- D: insured elsewhere (S8): not a district resident.
- S10: vali_flag 0, counted nowhere. E: contract C3, 解约 on 03-15, not held on 03-31.
"""

from __future__ import annotations

import os
import subprocess
from datetime import date, datetime
from pathlib import Path

import duckdb

from consortium_dw.contract import SETTLEMENT_MONEY, TABLES
from consortium_dw.ingest.warehouse import ensure_schema

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO / "dbt"
DISTRICT = "150602"
TOWNSHIP = "150602001"
H_IN, P_IN, H_OUT = "H15060200001", "H15060200002", "H11010100001"
LOADED_AT = datetime(2025, 4, 1, 2, 0, 0)

INSTITUTIONS = [
    (H_IN, "区人民医院", "综合医院", "二级", DISTRICT, TOWNSHIP, "G1", 1),
    (P_IN, "城关镇卫生院", "乡镇卫生院", "一级", DISTRICT, TOWNSHIP, "G1", 0),
    (H_OUT, "省人民医院", "综合医院", "三级", "110101", None, None, 0),
]
POPULATION = [(2025, TOWNSHIP, "1", 30, 100), (2025, TOWNSHIP, "2", 30, 120),
              (2025, TOWNSHIP, "1", 70, 40), (2025, TOWNSHIP, "2", 70, 50)]


def _settlement(setl_id, mdtrt_id, person, insu_admdvs, inst, med_type, enddate, medfee, psn,
                ownpay=0.0, refd=0, init=None, vali=1):
    money = dict.fromkeys(SETTLEMENT_MONEY, 0.0)
    money.update(medfee_sumamt=medfee, psn_part_amt=psn, psn_cash_pay=psn,
                 fund_pay_sumamt=round(medfee - psn, 2), hifp_pay=round(medfee - psn, 2),
                 fulamt_ownpay_amt=ownpay)
    admdvs = {H_IN: DISTRICT, P_IN: DISTRICT, H_OUT: "110101"}[inst]
    return dict(setl_id=setl_id, mdtrt_id=mdtrt_id, psn_no=f"psn-{person}", certno=person,
                psn_name=f"name-{person}", gend="1", brdy=date(1950, 5, 1), insutype="390",
                insu_admdvs=insu_admdvs, fixmedins_code=inst, fixmedins_name=inst,
                fix_blng_admdvs=admdvs, med_type=med_type, begndate=date.fromisoformat(enddate),
                enddate=date.fromisoformat(enddate),
                setl_time=datetime.fromisoformat(enddate + " 10:00:00"), **money,
                refd_setl_flag=refd, init_setl_id=init, dise_no=None, dise_name=None,
                vali_flag=vali)


# (delivery day, rows in file order): _source_line is the position in its day's file.
SETTLEMENT_DELIVERIES = [
    ("2025-03-12", [_settlement("S3", "M3", "p-b", DISTRICT, P_IN, "11", "2025-03-12", 60, 12)]),
    ("2025-03-31", [
        _settlement("S1", "M1", "p-a", DISTRICT, H_IN, "11", "2025-03-05", 100, 30, ownpay=5),
        _settlement("S2", "M2", "p-a", DISTRICT, H_OUT, "21", "2025-03-10", 1000, 400,
                    ownpay=100),
        _settlement("S3", "M3", "p-b", DISTRICT, P_IN, "11", "2025-03-12", 50, 10),
        _settlement("S4", "M4", "p-b", DISTRICT, H_IN, "21", "2025-03-14", 2000, 500),
        _settlement("S5", "M4R", "p-b", DISTRICT, H_IN, "21", "2025-03-15", -2000, -500,
                    refd=1, init="S4"),
        _settlement("S6", "M4", "p-b", DISTRICT, H_IN, "21", "2025-03-16", 1800, 450,
                    ownpay=50),
        _settlement("S7", "M7", "p-c", DISTRICT, H_IN, "11", "2025-03-17", -80, -20, refd=1,
                    init="S999"),
        _settlement("S8", "M8", "p-d", "110101", H_IN, "11", "2025-03-18", 70, 20),
        _settlement("S9", "M9", "p-c", DISTRICT, P_IN, "41", "2025-03-19", 20, 20),
        _settlement("S10", "M10", "p-c", DISTRICT, H_IN, "11", "2025-03-20", 90, 30, vali=0),
    ]),
]


def _contract(contract_id, person, birth, start, end, status, updated_at, sign=None):
    return dict(contract_id=contract_id, team_id="T01", inst_code=P_IN, id_card_no=person,
                resident_name=f"name-{person}", sex="1", birth_date=date.fromisoformat(birth),
                township_code=TOWNSHIP, key_populations=None, package="基础包",
                sign_date=date.fromisoformat(sign or start), start_date=date.fromisoformat(start),
                end_date=date.fromisoformat(end), status=status, is_renewal=0,
                updated_at=datetime.fromisoformat(updated_at))


CONTRACT_DELIVERIES = [
    ("2025-01-05", [_contract("C3", "p-e", "1980-01-01", "2025-01-05", "2025-12-31", "有效",
                              "2025-01-05 09:00:00")]),
    ("2025-03-01", [_contract("C1", "p-a", "1950-05-01", "2024-06-01", "2025-12-31", "有效",
                              "2025-03-01 09:00:00"),
                    _contract("C2", "p-b", "1990-02-01", "2025-03-01", "2026-02-28", "有效",
                              "2025-03-01 09:00:00")]),
    ("2025-03-15", [_contract("C3", "p-e", "1980-01-01", "2025-01-05", "2025-12-31", "解约",
                              "2025-03-15 11:00:00")]),
]
SERVICE_DELIVERIES = [
    ("2025-03-20", [dict(service_id="V1", contract_id="C1", inst_code=P_IN, doctor_id="D1",
                         service_date=date(2025, 3, 20), service_type="随访")]),
]


def _insert(con, table: str, rows: list[dict], source_file: str, delivery_date: str) -> None:
    for line, row in enumerate(rows, start=1):
        row = {**row, "_source_file": source_file, "_source_line": line,
               "_delivery_date": date.fromisoformat(delivery_date), "_loaded_at": LOADED_AT,
               "_batch_id": f"batch-{delivery_date}"}
        columns = ", ".join(f'"{c}"' for c in row)
        con.execute(f"insert into {table} ({columns}) values ({', '.join('?' * len(row))})",
                    list(row.values()))


def write_handmade_raw(warehouse: Path) -> Path:
    con = duckdb.connect(str(warehouse))
    ensure_schema(con)
    _insert(con, "raw.ref_district", [dict(admdvs=DISTRICT, district_name="示例区")],
            "ref/district.csv", "2025-01-01")
    _insert(con, "raw.ref_institutions",
            [dict(zip(("inst_code", "inst_name", "inst_type", "inst_level", "admdvs",
                       "township_code", "group_code", "is_lead"), r, strict=True))
             for r in INSTITUTIONS], "ref/institutions.csv", "2025-01-01")
    _insert(con, "raw.ref_population",
            [dict(zip(("year", "township_code", "sex", "age", "population"), r, strict=True))
             for r in POPULATION], "ref/population.csv", "2025-01-01")
    for table, deliveries in (("settlements", SETTLEMENT_DELIVERIES),
                              ("fd_contracts", CONTRACT_DELIVERIES),
                              ("fd_services", SERVICE_DELIVERIES)):
        system = TABLES[table].system
        extension = "parquet" if system == "insurance" else "csv"
        for day, rows in deliveries:
            _insert(con, f"raw.{table}", rows, f"{system}/{day}/{table}.{extension}", day)
    con.close()
    return warehouse


def run_dbt(warehouse: Path, work_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """The real dbt project, on `warehouse`, with its own target and log folders (other engineers
    run dbt in the same project at the same time)."""
    env = {**os.environ, "DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = Path(os.sys.executable).parent / "dbt"
    return subprocess.run(
        [str(dbt), *args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
         "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")],
        capture_output=True, text=True, check=False, env=env, cwd=DBT_PROJECT)


def build_handmade_warehouse(work_dir: Path, models: str) -> Path:
    warehouse = write_handmade_raw(work_dir / "warehouse.duckdb")
    for args in (("seed",), ("run", "--select", models)):
        result = run_dbt(warehouse, work_dir, *args)
        if result.returncode != 0:
            raise RuntimeError(f"dbt {' '.join(args)} failed:\n{result.stdout[-4000:]}")
    return warehouse
