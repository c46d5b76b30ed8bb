"""Re-deliver one folder in place, corrected: one row's value changed and one row dropped in
the folder's first file that has at least two clean rows, and a new manifest. Ingestion tests
use it to check that a resend replaces the earlier delivery."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from consortium_dw.contract import SYSTEM_FORMATS, TABLES, ColumnType
from consortium_dw.generator.delivery import DIRTIED_COLUMNS, encode_file, write_manifest
from consortium_dw.generator.generate import object_strings, side_files

# The column a correction changes in each table: one that no validation rule depends on.
CORRECTED_COLUMN = {
    "outpatient_visits": "doctor_id", "inpatient_admissions": "dept_name",
    "referrals": "reason_icd10", "resource_allocations": "beds_total",
    "lab_results": "result_value", "imaging_studies": "body_part",
    "discharge_abstracts": "main_dx_name", "outpatient_diagnoses": "dx_name",
    "settlements": "fixmedins_name", "fd_contracts": "team_id", "fd_services": "doctor_id",
    "chronic_followups": "standard", "literacy_survey": "age",
}


def _read(path: Path, table, encoding: str) -> pd.DataFrame:
    if path.suffix == ".parquet":
        frame = pq.read_table(path).to_pandas()
        for c in table.columns:
            if c.type is ColumnType.MONEY:  # back to int cents, as the writer expects
                cents = [int((v * 100).to_integral_value()) for v in frame[c.name]]
                frame[c.name] = np.array(cents, dtype=np.int64)
        return frame
    text = path.read_bytes().decode(encoding)
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])


def _to_columns(table, frame: pd.DataFrame) -> dict:
    out = {}
    for c in table.columns:
        if c.type is ColumnType.MONEY and frame[c.name].dtype == np.int64:
            out[c.name] = frame[c.name].to_numpy(np.int64)
        elif c.type is ColumnType.MONEY:
            out[c.name] = np.round(pd.to_numeric(frame[c.name]).to_numpy() * 100).astype(np.int64)
        else:
            values = np.array(frame[c.name], dtype=object)
            values[pd.isna(values)] = None
            out[c.name] = values
    return out


def _changed_value(table_name: str, column: str, value):
    if value is None:
        return "1"
    if table_name == "chronic_followups":
        return "0" if value == "1" else "1"
    if table_name in ("resource_allocations", "literacy_survey"):
        return str(int(value) + 1)
    return f"{value}（更正）"


def resend_day(landing, system: str, day, seed: int = 0) -> dict:
    with object_strings():
        return _resend_day(landing, system, day, seed)


def _resend_day(landing, system: str, day, seed: int = 0) -> dict:
    """Rewrite landing/<system>/<day>/ as a corrected delivery and return what changed:
    {"folder", "file", "table", "changed": {"key", "column", "old", "new"}, "dropped": {"key"},
    "rows_before", "rows_after"}. The dirtied-rows side file is updated to the new lines."""
    landing = Path(landing)
    day = day.isoformat() if isinstance(day, dt.date) else str(day)
    folder = landing / system / day
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    dirty_path, _ = side_files(landing)
    dirtied = (pd.read_csv(dirty_path, dtype=str, keep_default_na=False)
               if dirty_path.exists() else pd.DataFrame(columns=DIRTIED_COLUMNS))
    rng = np.random.default_rng([seed, 99])
    for entry in manifest["files"]:
        table = TABLES[entry["name"].rsplit(".", 1)[0]]
        here = dirtied[(dirtied["system"] == system) & (dirtied["delivery_date"] == day)
                       & (dirtied["file"] == entry["name"])]
        dirty_lines = set(here["source_line"].astype(int))
        clean = [i for i in range(entry["rows"]) if i + 1 not in dirty_lines]
        if len(clean) >= 2:
            break
    else:
        raise ValueError(f"{folder} has no file with two clean rows to correct")
    path = folder / entry["name"]
    columns = _to_columns(table, _read(path, table, entry["encoding"]))
    changed_row, dropped_row = (int(x) for x in rng.choice(clean, 2, replace=False))
    col = CORRECTED_COLUMN[table.name]
    old = columns[col][changed_row]
    columns[col] = columns[col].copy()
    columns[col][changed_row] = _changed_value(table.name, col, old)

    def key_of(i):
        return "|".join("" if columns[k][i] is None else str(columns[k][i]) for k in table.key)

    changed = {"key": key_of(changed_row), "column": col, "old": old,
               "new": columns[col][changed_row]}
    dropped = {"key": key_of(dropped_row)}
    keep = np.array([i for i in range(entry["rows"]) if i != dropped_row])
    columns = {c: v[keep] for c, v in columns.items()}
    raw, encoding = encode_file(table, columns)
    path.write_bytes(raw)
    entry.update(rows=len(keep), sha256=hashlib.sha256(raw).hexdigest(), encoding=encoding)
    write_manifest(folder, system, day, manifest["files"])
    if len(here):
        lines = dirtied.loc[here.index, "source_line"].astype(int)
        dirtied.loc[here.index, "source_line"] = np.where(lines > dropped_row + 1, lines - 1,
                                                          lines).astype(str)
        with open(dirty_path, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(DIRTIED_COLUMNS)
            writer.writerows(dirtied.itertuples(index=False))
    fmt, _ = SYSTEM_FORMATS[system]
    return {"folder": str(folder), "file": entry["name"], "table": table.name, "format": fmt,
            "changed": changed, "dropped": dropped, "rows_before": entry["rows"] + 1,
            "rows_after": len(keep)}
