"""The generator's landing folder re-exported the way another contract-following exporter might
write it, every value keeping its meaning: CSV with CRLF line ends, GB18030 files declared
"gbk", `1`-only flags left empty for 0, integer columns with gaps written as pandas writes them
("3.0"), ECG studies without a body part; settlements as pandas writes Parquet (money as
doubles, funds that do not apply as nulls, its index stored as a column)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from consortium_dw.contract import SETTLEMENT_MONEY, SETTLEMENT_TOTALS

ONE_ONLY_FLAGS = {"recognised", "remote_read", "is_renewal"}
INTEGERS_WITH_GAPS = {"op_level", "sbp", "dbp"}
FUND_PARTS = [m for m in SETTLEMENT_MONEY if m not in SETTLEMENT_TOTALS]
DECODE = {"utf-8": "utf-8-sig"}


def _csv(data: bytes, encoding: str, changed: Counter) -> tuple[bytes, str]:
    rows = list(csv.reader(io.StringIO(data.decode(DECODE.get(encoding, encoding)),
                                       newline="")))
    header, body = rows[0], rows[1:]
    for row in body:
        modality = dict(zip(header, row, strict=True)).get("modality")
        for i, column in enumerate(header):
            if column in ONE_ONLY_FLAGS and row[i] == "0":
                row[i] = ""
                changed["flag 0 left empty"] += 1
            elif column in INTEGERS_WITH_GAPS and row[i].isdigit():
                row[i] += ".0"
                changed["integer as 3.0"] += 1
            elif column == "body_part" and modality == "ECG" and row[i]:
                row[i] = ""
                changed["ECG without body part"] += 1
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([header, *body])
    if encoding == "gb18030":
        changed["declared gbk"] += 1
        return text.getvalue().encode("gb18030"), "gbk"
    return text.getvalue().encode(DECODE.get(encoding, encoding)), encoding


def _settlements_parquet(data: bytes, changed: Counter) -> bytes:
    frame = pq.read_table(io.BytesIO(data)).to_pandas()
    for column in SETTLEMENT_MONEY:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    for column in FUND_PARTS:
        zero = frame[column] == 0
        frame.loc[zero, column] = float("nan")
        changed["fund part as null"] += int(zero.sum())
    frame.index = [i + 100 for i in range(len(frame))]  # not a RangeIndex: stored as a column
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


def reexport(landing: Path, target: Path) -> Counter:
    """Copy `landing` to `target`, rewriting every delivered file; returns what was changed."""
    shutil.copytree(landing, target)
    changed: Counter = Counter()
    for manifest_path in sorted(target.glob("*/*/_manifest.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for entry in manifest["files"]:
            path = manifest_path.parent / entry["name"]
            if path.suffix == ".csv":
                data, entry["encoding"] = _csv(path.read_bytes(), entry["encoding"], changed)
            elif path.name == "settlements.parquet":
                data = _settlements_parquet(path.read_bytes(), changed)
            else:
                continue
            path.write_bytes(data)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                 encoding="utf-8")
    return changed
