"""Inject a bad batch into a copy of a landing folder, the way a source system would send it:
the files change and their manifest agrees with them (so ingestion trusts the delivery)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import duckdb

from consortium_dw.contract import SETTLEMENT_MONEY


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _update_manifest(folder: Path, name: str, rows: int) -> None:
    manifest_path = folder / "_manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["name"] == name:
            entry["rows"] = rows
            entry["sha256"] = _sha256(folder / name)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                             encoding="utf-8")


def drop_share_of_rows(folder: Path, share: float) -> dict[str, int]:
    """Keep the first (1 - share) of the data rows of every CSV file in a delivery folder;
    returns {file: rows kept}."""
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    kept = {}
    for entry in manifest["files"]:
        path = folder / entry["name"]
        if path.suffix != ".csv":
            continue
        text = path.read_bytes().decode(entry["encoding"])
        rows = list(csv.reader(io.StringIO(text, newline="")))
        header, data = rows[0], rows[1:]
        data = data[:round(len(data) * (1 - share))]
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows([header, *data])
        path.write_bytes(out.getvalue().encode(entry["encoding"]))
        _update_manifest(folder, entry["name"], len(data))
        kept[entry["name"]] = len(data)
    return kept


def flip_settlement_signs(folder: Path) -> int:
    """Negate every amount of a day's settlements (the bureau's export flipped the sign);
    returns the rows of the file."""
    path = folder / "settlements.parquet"
    flipped = folder / "settlements.flipped.parquet"
    negated = ", ".join(f"-{m} AS {m}" for m in SETTLEMENT_MONEY)
    con = duckdb.connect()
    try:
        con.execute(f"COPY (SELECT * REPLACE ({negated}) FROM read_parquet(?)) TO "
                    f"'{flipped}' (FORMAT parquet)", [str(path)])
        rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(flipped)]).fetchone()[0]
    finally:
        con.close()
    flipped.replace(path)
    _update_manifest(folder, path.name, rows)
    return rows
