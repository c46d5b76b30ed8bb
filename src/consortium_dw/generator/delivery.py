"""Writes deliveries: one folder per system per business day, files in the system's format and
encoding, and `_manifest.json` with row counts and sha256.

Rows arrive month by month with their delivery day; rows for a later month wait in memory until
that month is written, so memory stays bounded by about one month of the district's rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from consortium_dw.contract import (
    REF_ENCODING,
    SYSTEM_FORMATS,
    TABLES,
    TABLES_BY_SYSTEM,
    ColumnType,
    Table,
    file_name,
)
from consortium_dw.generator.background import FolderToWrite, MonthWriter
from consortium_dw.generator.dirty import DirtyState, dirty_file
from consortium_dw.generator.formatting import render_frame

DIRTIED_COLUMNS = ("system", "delivery_date", "table", "file", "source_line", "key", "reason")
MONEY_TYPE = pa.decimal128(16, 2)
ORPHAN_PREFIX = "S9"  # init_setl_id of reversals whose original the bureau never delivered


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([(c.name, MONEY_TYPE if c.type is ColumnType.MONEY else pa.string())
                      for c in table.columns])


def cents_to_decimal(cents: np.ndarray) -> pa.Array:
    """int64 cents -> DECIMAL(16,2) without a float or a Python object per value."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(MONEY_TYPE, len(cents), [None, pa.py_buffer(words.tobytes())])


def _money_text(cents: np.ndarray) -> np.ndarray:
    from consortium_dw.generator.formatting import render_cents
    return render_cents(cents)


def _keep_last_version(columns: dict, key: str) -> dict:
    """A key sent twice on one day (e.g. applied and accepted): only its last version."""
    keys = columns[key]
    if len(keys) < 2 or len(set(keys.tolist())) == len(keys):  # the set: cheap, and usual
        return columns
    superseded = pd.Series(keys, dtype=object).duplicated(keep="last").to_numpy()
    if not superseded.any():
        return columns
    keep = np.flatnonzero(~superseded)
    return {c: v[keep] for c, v in columns.items()}


def _gather(pieces: list[np.ndarray], order: np.ndarray) -> np.ndarray:
    if len(pieces) == 1:
        return pieces[0][order]
    return np.concatenate(pieces)[order]


def encode_file(table: Table, frame: dict) -> tuple[bytes, str]:
    """The bytes of one delivered file and the manifest's encoding value."""
    fmt, encoding = SYSTEM_FORMATS[table.system]
    columns = {}
    for c in table.columns:
        values = frame[c.name]
        if c.type is ColumnType.MONEY:
            columns[c.name] = (cents_to_decimal(values) if fmt == "parquet"
                               else pa.array(_money_text(values), pa.string()))
        else:
            columns[c.name] = pa.array(values, pa.string(), from_pandas=True)
    data = pa.table(columns, schema=arrow_schema(table) if fmt == "parquet" else None)
    buffer = io.BytesIO()
    if fmt == "parquet":
        pq.write_table(data, buffer, compression="zstd")
        return buffer.getvalue(), "binary"
    pacsv.write_csv(data, buffer, pacsv.WriteOptions(quoting_style="needed"))
    raw = buffer.getvalue()
    if encoding in ("gb18030", "gbk"):
        raw = raw.decode("utf-8").encode(encoding)
    elif encoding == "utf-8-sig":
        raw = b"\xef\xbb\xbf" + raw
    return raw, encoding


def write_manifest(folder: Path, system: str, day: str, entries: list[dict]) -> None:
    manifest = {"system": system, "date": day, "files": entries}
    (folder / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2)
                                           + "\n", encoding="utf-8")


class DeliveryWriter:
    def __init__(self, landing: Path, start: dt.date, end: dt.date, seed: int, dirty_rate: float,
                 dirty_log: Path, institution_prefix: str, background: bool = True):
        self.landing, self.start, self.end, self.seed = landing, start, end, seed
        self.dirty_rate, self.institution_prefix = dirty_rate, institution_prefix
        self.pending: dict[tuple[int, int], dict[str, list[pd.DataFrame]]] = defaultdict(
            lambda: defaultdict(list))
        self.rows: dict[str, int] = defaultdict(int)
        self.files = 0
        self._month_writer = MonthWriter(background)
        self.dirty_state = DirtyState()
        self._dirty_out = open(dirty_log, "w", encoding="utf-8", newline="")
        self._dirty_csv = csv.writer(self._dirty_out, lineterminator="\n")
        self._dirty_csv.writerow(DIRTIED_COLUMNS)
        self.insurance_dirtied = False
        self.stats = {"reversals": 0, "orphan_reversals": 0, "invalid_settlements": 0}
        self.flushed: set[tuple[int, int]] = set()
        self.fund_ledger = None  # a fund_budget.FundLedger, told every settlement delivered

    def add(self, table_name: str, frame: pd.DataFrame, day) -> None:
        """Queue rows for delivery on `day` (array of datetime64[D]); days outside the window
        are not delivered (before: not yet onboarded; after: not yet happened)."""
        if len(frame) == 0:
            return
        table = TABLES[table_name]
        day = np.asarray(day).astype("datetime64[D]")
        keep = (day >= np.datetime64(self.start)) & (day <= np.datetime64(self.end))
        if not keep.all():
            frame, day = frame[keep], day[keep]
        if len(frame) == 0:
            return
        columns = render_frame(table, frame.reset_index(drop=True))
        months = day.astype("datetime64[M]")
        distinct = np.unique(months)
        for month in distinct:
            ts = pd.Timestamp(month)
            if (ts.year, ts.month) in self.flushed:
                raise RuntimeError(f"{table_name}: rows for {ts:%Y-%m} after it was written")
            if len(distinct) == 1:  # the usual case: no need to copy every column
                part, part_day = columns, day
            else:
                mask = months == month
                part = {name: values[mask] for name, values in columns.items()}
                part_day = day[mask]
            self.pending[(ts.year, ts.month)][table_name].append((part, part_day))

    def flush_month(self, year: int, month: int) -> None:
        self.flushed.add((year, month))
        tables = self.pending.pop((year, month), {})
        by_day: dict[tuple[np.datetime64, str], dict[str, dict]] = defaultdict(dict)
        for table_name, parts in tables.items():
            table = TABLES[table_name]
            day = np.concatenate([d for _, d in parts])
            order = np.argsort(day, kind="stable")
            day = day[order]
            # A table queued once this month is reordered without a concatenation first.
            columns = {c: _gather([p[c] for p, _ in parts], order) for c in table.column_names}
            cuts = np.flatnonzero(day[1:] != day[:-1]) + 1
            for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(day)], strict=True):
                by_day[(day[lo], table.system)][table_name] = {c: v[lo:hi]
                                                               for c, v in columns.items()}
        folders = [self._prepare_folder(system, pd.Timestamp(day).date(), frames)
                   for (day, system), frames in sorted(by_day.items())]
        self._month_writer.submit(folders)

    @property
    def bytes(self) -> int:
        """Bytes of the delivered files written so far (complete after `close`)."""
        return self._month_writer.bytes

    def _prepare_folder(self, system: str, day: dt.date, frames: dict[str, dict]
                        ) -> FolderToWrite:
        """Everything order-dependent (dedup, counts, dirtying and its log) happens here, in
        delivery order; the encoding and writing are left to the month writer."""
        name_of_day = day.isoformat()
        files = []
        for table in TABLES_BY_SYSTEM[system]:
            if table.name not in frames:
                continue
            columns = frames[table.name]
            if len(table.key) == 1:
                columns = _keep_last_version(columns, table.key[0])
            if table.name == "settlements":
                self._count_settlement_kinds(columns)
            columns, dirtied = self._dirty(table, columns, day)
            name = file_name(table)
            for line, key, reason in dirtied:
                self._dirty_csv.writerow((system, name_of_day, table.name, name, line, key,
                                          reason))
            self.rows[table.name] += len(columns[table.key[0]])
            self.files += 1
            files.append((table, columns))
        return FolderToWrite(self.landing / system / name_of_day, system, name_of_day, files)

    def _count_settlement_kinds(self, columns: dict) -> None:
        reversal = columns["refd_setl_flag"] == "1"
        # Only reversals can be orphans, and they are about 1.5 % of the rows.
        orphans = sum(1 for init in columns["init_setl_id"][reversal]
                      if isinstance(init, str) and init.startswith(ORPHAN_PREFIX))
        self.stats["reversals"] += int(reversal.sum())
        self.stats["orphan_reversals"] += orphans
        self.stats["invalid_settlements"] += int((columns["vali_flag"] == "0").sum())

    def _dirty(self, table: Table, columns: dict, day: dt.date):
        n = len(columns[table.key[0]])
        if self.dirty_rate <= 0:
            return columns, []
        stream = zlib.crc32(f"{table.name}|{day.isoformat()}".encode())
        rng = np.random.default_rng([self.seed, stream, 17])
        n_dirty = int(rng.binomial(n, self.dirty_rate))
        # The Parquet delivery must show quarantine work too, even in a tiny district.
        if table.system == "insurance" and not self.insurance_dirtied and n >= 5:
            n_dirty = max(n_dirty, 1)
        if n_dirty == 0:
            return columns, []
        columns, dirtied = dirty_file(table, columns, day, n_dirty, rng, self.dirty_state,
                                      self.institution_prefix)
        if dirtied and table.system == "insurance":
            self.insurance_dirtied = True
        return columns, dirtied

    def close(self) -> None:
        for year, month in sorted(self.pending):
            self.flush_month(year, month)
        self._month_writer.wait()
        self._dirty_out.close()


def write_ref(landing: Path, name: str, frame: pd.DataFrame) -> None:
    folder = landing / "ref"
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / f"{name}.csv", index=False, encoding=REF_ENCODING, lineterminator="\n")
