"""Load one contract table over a set of delivery days: refuse, validate, pseudonymise, write.

Work is batched: the files of many days are judged together in a private in-memory DuckDB
(`batch.judge`) and written to the warehouse in one transaction per batch, so a whole-history
load is a handful of queries per table instead of one per file; reading, judging and writing
overlap, a batch apart. Clear-text values only ever exist in this process' memory (the batch,
its scratch database, the pseudonym cache); the warehouse receives pseudonymised rows.

Per (table, delivery day) the batch transaction deletes the previous rows and inserts the new
ones, so a resend replaces the day atomically. A file whose sha256 equals the last loaded one
is skipped (unless `force`), so loading the same folder twice changes nothing at all.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from consortium_dw.contract import Reason, Table
from consortium_dw.ingest.batch import FileLineage, judge
from consortium_dw.ingest.clock import LoadClock
from consortium_dw.ingest.landing import (
    Delivery,
    day_folders,
    files_for_table,
    read_delivery,
    sha256_file,
)
from consortium_dw.ingest.readers import FileRefused, read_delivered_file
from consortium_dw.ingest.reference import load_reference, reference_loaded
from consortium_dw.ingest.rules import literal, quote
from consortium_dw.ingest.warehouse import ensure_schema
from consortium_dw.prefetch import prefetched
from consortium_dw.pseudonymise import load_key

# Measured on 90 days of city settlements: 128 MB batches load as fast as 256 MB ones and
# peak at 1.7 GB instead of 2.4 GB.
DEFAULT_BATCH_BYTES = 128 << 20


@dataclass
class FileOutcome:
    system: str
    day: date
    table_name: str
    file_name: str | None
    status: str  # loaded | unchanged | refused | emptied
    batch_id: str | None = None
    sha256: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str | None = None
    detail: str | None = None
    quarantined_by_reason: Counter = field(default_factory=Counter)

    @property
    def source_file(self) -> str:
        return f"{self.system}/{self.day.isoformat()}/{self.file_name}"


@dataclass
class TableLoadResult:
    table: str
    outcomes: list[FileOutcome] = field(default_factory=list)

    def _sum(self, attr: str) -> int:
        return sum(getattr(o, attr) for o in self.outcomes)

    @property
    def rows_read(self) -> int:
        return self._sum("rows_read")

    @property
    def rows_loaded(self) -> int:
        return self._sum("rows_loaded")

    @property
    def rows_quarantined(self) -> int:
        return self._sum("rows_quarantined")

    def with_status(self, status: str) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def quarantined_by_reason(self) -> Counter:
        total = Counter()
        for o in self.outcomes:
            total.update(o.quarantined_by_reason)
        return total


@dataclass
class _Batch:
    tables: list[pa.Table] = field(default_factory=list)
    loaded: list[FileOutcome] = field(default_factory=list)
    refused: list[FileOutcome] = field(default_factory=list)
    emptied: list[FileOutcome] = field(default_factory=list)
    # Files of the batch's days skipped as already loaded: reported, never written.
    unchanged: list[FileOutcome] = field(default_factory=list)
    nbytes: int = 0
    rows: int = 0

    def __bool__(self) -> bool:
        return bool(self.loaded or self.refused or self.emptied)


def _last_loaded_sha(con, table: Table) -> dict[date, str | None]:
    rows = con.execute(
        "SELECT delivery_date, arg_max(manifest_sha256, loaded_at) FROM audit.load_log "
        "WHERE table_name = ? GROUP BY delivery_date", [table.name]).fetchall()
    return dict(rows)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _with_lineage(text: pa.Table, file_index: int, first_row: int, day: date) -> pa.Table:
    """Lineage as numbers (the file's index in the batch): per-row strings would cost more
    than the rows' own validation; `batch.judge` turns the index back into names."""
    n = text.num_rows
    day_number = np.full(n, day.toordinal() - _EPOCH_ORDINAL, dtype=np.int32)
    return (text
            .append_column("_file", pa.array(np.full(n, file_index, dtype=np.int32)))
            .append_column("_source_line", pa.array(np.arange(1, n + 1, dtype=np.int32)))
            .append_column("_row", pa.array(np.arange(first_row, first_row + n,
                                                      dtype=np.int64)))
            .append_column("_delivery_date", pa.array(day_number).view(pa.date32())))


_NEVER_LOADED = object()


def _refused(delivery: Delivery, table: Table, name: str, refused: FileRefused) -> FileOutcome:
    return FileOutcome(delivery.system, delivery.day, table.name, name, "refused",
                       batch_id=str(uuid.uuid4()), reason=refused.reason.value,
                       detail=refused.detail)


def _collect_day(delivery: Delivery, table: Table, previous_sha, force: bool,
                 batch: _Batch) -> list[FileOutcome]:
    """Read this table's files of one delivery into the batch; returns the unchanged ones."""
    own, strays = files_for_table(delivery, table)
    for name in strays:
        detail = delivery.manifest_error or (
            "not listed in the manifest" if name not in delivery.entries
            else "listed in the manifest but not a contract table of this system")
        batch.refused.append(_refused(delivery, table, name,
                                      FileRefused(Reason.MANIFEST_MISMATCH, detail)))
    if not own:
        # The resent folder is the whole truth for its day: a table it no longer lists has no
        # rows that day. Only recorded when something had been loaded before.
        if delivery.manifest_error is None and previous_sha is not _NEVER_LOADED:
            batch.emptied.append(FileOutcome(delivery.system, delivery.day, table.name, None,
                                             "emptied", batch_id=str(uuid.uuid4())))
        return []
    skipped = []
    for name in own:
        if delivery.manifest_error:
            batch.refused.append(_refused(delivery, table, name, FileRefused(
                Reason.MANIFEST_MISMATCH, delivery.manifest_error)))
            continue
        entry = delivery.entries.get(name)
        # Unchanged only if the bytes on disk still match: a file altered behind an unchanged
        # manifest must be refused, not silently skipped.
        if (not force and len(own) == 1 and entry is not None and entry.sha256
                and previous_sha == entry.sha256.lower()
                and (delivery.folder / name).is_file()
                and sha256_file(delivery.folder / name) == previous_sha):
            skipped.append(FileOutcome(delivery.system, delivery.day, table.name, name,
                                       "unchanged", sha256=previous_sha))
            continue
        try:
            text, digest = read_delivered_file(delivery.folder / name, entry, list(table.columns))
        except FileRefused as refused:
            batch.refused.append(_refused(delivery, table, name, refused))
            continue
        outcome = FileOutcome(delivery.system, delivery.day, table.name, name, "loaded",
                              batch_id=str(uuid.uuid4()), sha256=digest,
                              rows_read=text.num_rows)
        batch.tables.append(_with_lineage(text, len(batch.loaded), batch.rows, delivery.day))
        batch.nbytes += text.nbytes
        batch.rows += text.num_rows
        batch.loaded.append(outcome)
    return skipped


def _validate(batch: _Batch, table: Table, key: bytes, ref_codes: pa.Table,
              clock: LoadClock) -> tuple[pa.Table, pa.Table]:
    """(rows for raw.<table>, rows for quarantine.<table>), both pseudonymised; fills the
    outcomes' counts."""
    judged = judge(pa.concat_tables(batch.tables),
                   [FileLineage(o.source_file, o.batch_id) for o in batch.loaded],
                   table, key, ref_codes, clock.loaded_at_sql)
    for file_index, reason, n in judged.counts:
        outcome = batch.loaded[file_index]
        if reason is None:
            outcome.rows_loaded += n
        else:
            outcome.rows_quarantined += n
            outcome.quarantined_by_reason[reason] += n
    return judged.passed, judged.quarantined


def _write(con: duckdb.DuckDBPyConnection, batch: _Batch, table: Table, passed, quarantined,
           clock: LoadClock) -> None:
    replaced_days = sorted({o.day for o in batch.loaded + batch.emptied})
    evaluated = [(o.system, o.day, o.file_name) for o in batch.loaded + batch.refused]
    raw, quarantine = f"raw.{quote(table.name)}", f"quarantine.{quote(table.name)}"
    con.execute("BEGIN TRANSACTION")
    try:
        if replaced_days:
            day_list = ", ".join(f"DATE {literal(d.isoformat())}" for d in replaced_days)
            con.execute(f"DELETE FROM {raw} WHERE _delivery_date IN ({day_list})")
            con.execute(f"DELETE FROM {quarantine} WHERE _delivery_date IN ({day_list})")
        if evaluated:
            # One statement, not one per file: a history batch holds hundreds of small files.
            con.register("evaluated_files", pa.table({
                "system": pa.array([e[0] for e in evaluated], pa.string()),
                "delivery_date": pa.array([e[1] for e in evaluated], pa.date32()),
                "file_name": pa.array([e[2] for e in evaluated], pa.string())}))
            con.execute("DELETE FROM quarantine.rejected_files r WHERE EXISTS (SELECT 1 FROM "
                        "evaluated_files e WHERE r.system = e.system AND r.delivery_date = "
                        "e.delivery_date AND r.file_name = e.file_name)")
            con.unregister("evaluated_files")
        if passed is not None and passed.num_rows:
            con.register("passed_rows", passed)
            con.execute(f"INSERT INTO {raw} BY NAME SELECT * FROM passed_rows")
            con.unregister("passed_rows")
        if quarantined is not None and quarantined.num_rows:
            con.register("quarantined_rows", quarantined)
            con.execute(f"INSERT INTO {quarantine} BY NAME SELECT * FROM quarantined_rows")
            con.unregister("quarantined_rows")
        if batch.refused:
            con.executemany(
                "INSERT INTO quarantine.rejected_files VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(o.system, o.day, o.file_name, o.reason, o.detail, o.batch_id, clock.loaded_at)
                 for o in batch.refused])
        logged = batch.loaded + batch.emptied
        if logged:
            con.register("logged_files", pa.table({
                "batch_id": pa.array([o.batch_id for o in logged], pa.string()),
                "system": pa.array([o.system for o in logged], pa.string()),
                "delivery_date": pa.array([o.day for o in logged], pa.date32()),
                "table_name": pa.array([o.table_name for o in logged], pa.string()),
                "file_name": pa.array([o.file_name for o in logged], pa.string()),
                "manifest_sha256": pa.array([o.sha256 for o in logged], pa.string()),
                "rows_read": pa.array([o.rows_read for o in logged], pa.int64()),
                "rows_loaded": pa.array([o.rows_loaded for o in logged], pa.int64()),
                "rows_quarantined": pa.array([o.rows_quarantined for o in logged], pa.int64()),
                "loaded_at": pa.array([clock.loaded_at] * len(logged), pa.timestamp("us"))}))
            con.execute("INSERT INTO audit.load_log BY NAME SELECT * FROM logged_files")
            con.unregister("logged_files")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def load_table(con: duckdb.DuckDBPyConnection, landing: Path, table: Table,
               days: list[date] | None = None, *, force: bool = False,
               key: bytes | None = None, clock: LoadClock | None = None,
               batch_bytes: int = DEFAULT_BATCH_BYTES) -> TableLoadResult:
    """Load `table` from every delivery folder of its system whose day is in `days` (all days
    when None). Refused files are recorded, never raised: the caller decides how loudly to fail.
    """
    key = key or load_key()
    clock = clock or LoadClock.now()
    landing = Path(landing)
    ensure_schema(con)
    if not reference_loaded(con):
        load_reference(con, landing, clock=clock)
    ref_codes = con.sql("SELECT DISTINCT inst_code FROM raw.ref_institutions "
                        "WHERE inst_code IS NOT NULL").to_arrow_table()
    previous = _last_loaded_sha(con, table)
    wanted = set(days) if days is not None else None
    result = TableLoadResult(table.name)

    def collected():
        """Batches of whole days, each once it holds `batch_bytes`, and the rest at the end."""
        batch = _Batch()
        for folder in day_folders(landing, table.system):
            day = date.fromisoformat(folder.name)
            if wanted is not None and day not in wanted:
                continue
            delivery = read_delivery(table.system, folder)
            previous_sha = previous.get(day, _NEVER_LOADED)
            batch.unchanged.extend(_collect_day(delivery, table, previous_sha, force, batch))
            if batch.nbytes >= batch_bytes:
                yield batch
                batch = _Batch()
        if batch or batch.unchanged:
            yield batch

    def judged():
        for batch in prefetched(collected(), name="ingest-reader"):
            yield batch, (_validate(batch, table, key, ref_codes, clock) if batch.tables
                          else (None, None))

    # Three stages a batch apart: the next batch is read (decode, parse: mostly Python), this
    # one judged and pseudonymised (a private DuckDB and the pseudonym cache), the one before
    # written (the warehouse connection; DuckDB releases the GIL). Batches are written in
    # order, one transaction each; an error in any stage re-raises here before a later batch
    # is written. The stages hand over whole batches: when the reader handed over each day, it
    # ran one day ahead, and reading and judging took turns.
    for batch, (passed, quarantined) in prefetched(judged(), name="ingest-judge"):
        if batch:
            _write(con, batch, table, passed, quarantined, clock)
        result.outcomes.extend(batch.unchanged + batch.loaded + batch.refused + batch.emptied)
    return result
