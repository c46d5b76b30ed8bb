"""Hand-made scratch warehouses: a few weeks of one raw table and a small metric_values, with
values whose right answer is obvious, to exercise the suites without the whole pipeline."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb
import pandas as pd

from consortium_dw.contract import DUCKDB_TYPES, LINEAGE_COLUMNS, SETTLEMENT_MONEY, TABLES

FIRST_DAY = date(2025, 1, 1)
DAYS = 56
# Rows per day cycle through these (a cycle shorter than a week), so the feed varies a little.
DAILY_ROWS = (58, 62, 60, 61, 59)
RAW_FILE = "settlements.parquet"


def hashed(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _settlement(day: date, line: int) -> dict:
    """A valid settlement: 100 yuan, 70 from the fund, 30 paid by the person (10 + 20)."""
    money = dict.fromkeys(SETTLEMENT_MONEY, Decimal("0.00"))
    money.update(medfee_sumamt=Decimal("100.00"), inscp_scp_amt=Decimal("100.00"),
                 hifp_pay=Decimal("70.00"), fund_pay_sumamt=Decimal("70.00"),
                 acct_pay=Decimal("10.00"), psn_cash_pay=Decimal("20.00"),
                 psn_part_amt=Decimal("30.00"))
    setl_id = f"S{day:%Y%m%d}{line:04d}"
    return {
        "setl_id": setl_id, "mdtrt_id": f"M{day:%Y%m%d}{line:04d}",
        "psn_no": hashed("insurance_person_no", str(line)),
        "certno": hashed("id_card", str(line)), "psn_name": hashed("name", str(line)),
        "gend": "1", "brdy": date(1960, 5, 1), "insutype": "390", "insu_admdvs": "150602",
        "fixmedins_code": "H15060200017", "fixmedins_name": "区人民医院",
        "fix_blng_admdvs": "150602", "med_type": "11", "begndate": day, "enddate": day,
        "setl_time": datetime.combine(day, datetime.min.time()) + timedelta(hours=9),
        **money, "refd_setl_flag": 0, "init_setl_id": None, "dise_no": None,
        "dise_name": None, "vali_flag": 1,
    }


def _reversal_of(original: dict, line: int) -> dict:
    row = dict(original)
    row.update({m: -original[m] for m in SETTLEMENT_MONEY})
    row.update(setl_id=original["setl_id"] + "R", refd_setl_flag=1,
               init_setl_id=original["setl_id"])
    return row


def settlement_rows(day: date, count: int) -> list[dict]:
    rows = [_settlement(day, line) for line in range(1, count)]
    rows.append(_reversal_of(rows[0], count))  # one legitimate reversal a day
    return rows


def create_raw_settlements(con: duckdb.DuckDBPyConnection, days: int = DAYS) -> None:
    table = TABLES["settlements"]
    columns = ", ".join(f"{c.name} {DUCKDB_TYPES[c.type]}" for c in table.columns)
    con.execute("CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS quarantine")
    con.execute(f"CREATE OR REPLACE TABLE raw.settlements ({columns}, _source_file VARCHAR, "
                "_source_line INTEGER, _delivery_date DATE, _loaded_at TIMESTAMP, "
                "_batch_id VARCHAR)")
    text_columns = ", ".join(f"{c.name} VARCHAR" for c in table.columns)
    con.execute(f"CREATE OR REPLACE TABLE quarantine.settlements ({text_columns}, "
                "_reason VARCHAR, _reason_detail VARCHAR, _source_file VARCHAR, "
                "_source_line INTEGER, _delivery_date DATE, _loaded_at TIMESTAMP, "
                "_batch_id VARCHAR)")
    for offset in range(days):
        day = FIRST_DAY + timedelta(days=offset)
        insert_day(con, day, settlement_rows(day, DAILY_ROWS[offset % len(DAILY_ROWS)]))


def insert_day(con, day: date, rows: list[dict], schema: str = "raw",
               reason: str | None = None) -> None:
    table = TABLES["settlements"]
    lineage = {"_source_file": RAW_FILE, "_delivery_date": day,
               "_loaded_at": datetime.combine(day, datetime.min.time()) + timedelta(hours=23),
               "_batch_id": f"batch-{day}"}
    names = table.column_names + (["_reason", "_reason_detail"] if schema == "quarantine"
                                  else []) + list(LINEAGE_COLUMNS)
    records = []
    for line, row in enumerate(rows, start=1):
        record = dict(row, _source_line=line, **lineage)
        if schema == "quarantine":
            record = {k: (None if v is None else str(v)) if k in table.column_names else v
                      for k, v in record.items()}
            record.update(_reason=reason, _reason_detail="")
        records.append({n: float(v) if isinstance(v, Decimal) else v
                        for n, v in ((n, record[n]) for n in names)})
    # One INSERT … SELECT from a dataframe: executemany is row by row and slow.
    frame = pd.DataFrame.from_records(records, columns=names)
    con.register("scratch_rows", frame)
    try:
        con.execute(f"INSERT INTO {schema}.settlements ({', '.join(names)}) "
                    f"SELECT {', '.join(names)} FROM scratch_rows")
    finally:
        con.unregister("scratch_rows")


def delete_day_share(con, day: date, share: float) -> int:
    """Drop `share` of a day's raw rows (a partial delivery); returns rows left."""
    total = con.execute("SELECT count(*) FROM raw.settlements WHERE _delivery_date = ?",
                        [day]).fetchone()[0]
    keep = round(total * (1 - share))
    con.execute("DELETE FROM raw.settlements WHERE _delivery_date = ? AND _source_line > ?",
                [day, keep])
    return keep


METRIC_VALUES_DDL = """
CREATE OR REPLACE TABLE marts.metric_values (
    metric_code VARCHAR, metric_name_zh VARCHAR, period_type VARCHAR, period_start DATE,
    scope_type VARCHAR, scope_code VARCHAR, numerator DOUBLE, denominator DOUBLE, value DOUBLE,
    target DOUBLE, target_op VARCHAR, meets_target BOOLEAN, yoy_change DOUBLE)
"""
MONTHS = (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1))


def create_metric_values(con: duckdb.DuckDBPyConnection) -> None:
    """Three closed months of two metrics: a rate (oop_ratio, district and institution) and a
    count (outflow_persons), plus their quarter."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(METRIC_VALUES_DDL)
    rows = []
    for month in MONTHS:
        rows.append(("oop_ratio", "个人自付比例", "month", month, "district", "150602",
                     30.0, 100.0, 0.3, 0.3, "<", False, None))
        rows.append(("oop_ratio", "个人自付比例", "month", month, "institution", "H15060200017",
                     20.0, 80.0, 0.25, 0.3, "<", True, None))
        rows.append(("outflow_persons", "外转人数", "month", month, "district", "150602",
                     None, None, 12.0, None, None, None, None))
    rows.append(("oop_ratio", "个人自付比例", "quarter", MONTHS[0], "district", "150602",
                 90.0, 300.0, 0.3, 0.3, "<", False, None))
    con.executemany("INSERT INTO marts.metric_values VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute("CREATE OR REPLACE TABLE audit.load_log AS "
                "SELECT DATE '2025-03-31' AS delivery_date")
