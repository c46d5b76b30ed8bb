"""Readers for a generated landing folder and an independent implementation of the row rules
(the dirty-row semantics of docs/generator.md), shared by the generator's tests."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from consortium_dw.contract import TABLES, ColumnType, Pii, is_valid_id

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
INT_RE = r"^-?\d+$"
DECIMAL_RE = r"^-?\d+(\.\d+)?$"


def read_file(path: Path, encoding: str) -> pd.DataFrame:
    """Every column as text; empty for null."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return pd.DataFrame({n: ["" if v is None else str(v) for v in table.column(n).to_pylist()]
                             for n in table.column_names})
    text = path.read_bytes().decode(encoding)
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def read_landing(landing: Path) -> dict[str, pd.DataFrame]:
    """All delivered rows per table, with _system, _day, _file and _line (1-based data row)."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for manifest_path in sorted(landing.glob("*/*/_manifest.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for entry in manifest["files"]:
            frame = read_file(manifest_path.parent / entry["name"], entry["encoding"])
            name = entry["name"].rsplit(".", 1)[0]
            frame["_system"] = manifest["system"]
            frame["_day"] = manifest["date"]
            frame["_file"] = entry["name"]
            frame["_line"] = np.arange(1, len(frame) + 1)
            parts.setdefault(name, []).append(frame)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def _parse(values: pd.Series, kind: ColumnType) -> pd.Series:
    fmt = "%Y-%m-%d" if kind is ColumnType.DATE else "%Y-%m-%d %H:%M:%S"
    pattern = DATE_RE if kind is ColumnType.DATE else TIMESTAMP_RE
    ok = values.str.match(pattern.pattern)
    parsed = pd.to_datetime(values.where(ok), format=fmt, errors="coerce")
    return parsed


def violations(table_name: str, rows: pd.DataFrame, institutions: set[str]) -> pd.DataFrame:
    """(row index, reason) for every rule a row breaks."""
    table = TABLES[table_name]
    found = []

    def flag(mask, reason):
        idx = rows.index[np.asarray(mask, bool)]
        found.append(pd.DataFrame({"row": idx, "reason": reason}))

    day_end = pd.to_datetime(rows["_day"]) + pd.Timedelta(days=1)
    reversal = (rows["refd_setl_flag"] == "1") if table_name == "settlements" else \
        pd.Series(False, index=rows.index)
    for c in table.columns:
        v = rows[c.name]
        present = v != ""
        if c.required:
            flag(~present, "missing_required")
        if c.type in (ColumnType.DATE, ColumnType.TIMESTAMP):
            parsed = _parse(v, c.type)
            flag(present & parsed.isna(), "malformed_date")
            if (table_name, c.name) not in {("fd_contracts", "start_date"),
                                            ("fd_contracts", "end_date")}:
                flag(present & parsed.notna() & (parsed >= day_end), "future_time")
        if c.type is ColumnType.INT:
            flag(present & ~v.str.match(INT_RE), "malformed_number")
        if c.type in (ColumnType.DECIMAL, ColumnType.MONEY):
            numeric = v.str.match(DECIMAL_RE)
            flag(present & ~numeric, "malformed_number")
            if c.type is ColumnType.MONEY:
                amount = pd.to_numeric(v.where(numeric), errors="coerce")
                flag(present & (amount < 0) & ~reversal, "negative_amount")
        if c.type is ColumnType.FLAG:
            flag(present & ~v.isin(["0", "1"]), "malformed_number")
        if c.type is ColumnType.CODE and c.codes:
            flag(present & ~v.map(c.accepts_code).astype(bool), "invalid_code")
        if c.pii is Pii.ID_CARD:
            flag(present & ~v.map(is_valid_id), "bad_id_checksum")
        if c.institution:
            flag(present & ~v.isin(institutions), "unknown_institution")
    if table_name == "settlements":
        m = {k: pd.to_numeric(rows[k], errors="coerce") for k in
             ("medfee_sumamt", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay")}
        broken = ((m["medfee_sumamt"] - m["fund_pay_sumamt"] - m["psn_part_amt"]).abs() > 0.01) \
            | ((m["psn_part_amt"] - m["acct_pay"] - m["psn_cash_pay"]).abs() > 0.01)
        flag(broken.fillna(False), "amount_invariant")
    keys = rows[["_system", "_day", "_file", *table.version_key]]
    flag(keys.duplicated(keep="first"), "duplicate_row")
    return pd.concat(found, ignore_index=True)


@pytest.fixture(scope="session")
def tiny_rows(tiny_landing) -> dict[str, pd.DataFrame]:
    return read_landing(tiny_landing)


@pytest.fixture(scope="session")
def tiny_dirtied(tiny_landing) -> pd.DataFrame:
    path = tiny_landing.with_name(tiny_landing.name + ".dirtied.csv")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def tiny_summary(tiny_landing) -> dict:
    path = tiny_landing.with_name(tiny_landing.name + ".generated.json")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def tiny_institutions(tiny_landing) -> pd.DataFrame:
    return pd.read_csv(tiny_landing / "ref" / "institutions.csv", dtype=str,
                       keep_default_na=False)


@pytest.fixture(scope="session")
def clean_rows(tiny_rows, tiny_dirtied) -> dict[str, pd.DataFrame]:
    """Delivered rows minus the ones the generator says it dirtied."""
    dirty = set(zip(tiny_dirtied["system"], tiny_dirtied["delivery_date"], tiny_dirtied["file"],
                    tiny_dirtied["source_line"].astype(int), strict=True))
    out = {}
    for name, rows in tiny_rows.items():
        marks = list(zip(rows["_system"], rows["_day"], rows["_file"], rows["_line"],
                         strict=True))
        out[name] = rows[[m not in dirty for m in marks]]
    return out
