"""Dirty but realistic rows: one defect per dirtied row, of a kind from `contract.Reason`.

Each kind is applied so that the row trips only its own rule (the same rules as ingestion,
see docs/generator.md): reversals are never dirtied, a settlement made negative is negated as a
whole (its sums still add up), a column emptied for `missing_required` is never an identity
number, an institution or money, and so on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from consortium_dw.contract import ColumnType, Pii, Reason, Table
from consortium_dw.generator.identity import wrong_check_char

KINDS = (Reason.BAD_ID_CHECKSUM, Reason.UNKNOWN_INSTITUTION, Reason.NEGATIVE_AMOUNT,
         Reason.DUPLICATE_ROW, Reason.FUTURE_TIME, Reason.MALFORMED_DATE,
         Reason.MALFORMED_NUMBER, Reason.INVALID_CODE, Reason.MISSING_REQUIRED,
         Reason.AMOUNT_INVARIANT)
# Dates that never parse as YYYY-MM-DD (an impossible day, slashes, no separators).
BAD_DATE_FORMS = ("{y}-02-30", "{y}/{m}/{d}", "{y}{m}{d}")
BAD_NUMBERS = ("N/A", "一", "1,5", "--")
UNKNOWN_INSTITUTION_SUFFIX = "99"  # real codes number institutions below 99000
FUTURE_EXEMPT = {("fd_contracts", "start_date"), ("fd_contracts", "end_date")}


@dataclass
class DirtyState:
    """What has been produced so far, so that a small run still shows every kind."""

    unused: list = field(default_factory=lambda: list(KINDS))
    counts: dict = field(default_factory=dict)
    systems_dirtied: set = field(default_factory=set)


class _CopyOnWrite(dict):
    """A file's columns, each copied the first time a row of it is changed: a file has
    thousands of rows and a handful of dirtied ones, and the caller's arrays stay intact."""

    def __init__(self, columns: dict[str, np.ndarray]):
        super().__init__(columns)
        self._copied: set[str] = set()

    def writable(self, name: str) -> np.ndarray:
        if name not in self._copied:
            self[name] = self[name].copy()
            self._copied.add(name)
        return self[name]


# (id(table), kind) -> (table, column names); the table is kept so that its id stays unique.
_COLUMNS_CACHE: dict[tuple[int, Reason], tuple[Table, tuple[str, ...]]] = {}


def _columns(table: Table, kind: Reason) -> tuple[str, ...]:
    cached = _COLUMNS_CACHE.get((id(table), kind))
    if cached is not None and cached[0] is table:
        return cached[1]
    cols = _find_columns(table, kind)
    _COLUMNS_CACHE[(id(table), kind)] = (table, cols)
    return cols


def _find_columns(table: Table, kind: Reason) -> tuple[str, ...]:
    cols = []
    for c in table.columns:
        if kind is Reason.MISSING_REQUIRED:
            ok = (c.required and c.type in (ColumnType.TEXT, ColumnType.CODE)
                  and c.name not in table.key and c.pii is not Pii.ID_CARD and not c.institution)
        elif kind in (Reason.MALFORMED_DATE, Reason.FUTURE_TIME):
            ok = c.required and c.type in (ColumnType.DATE, ColumnType.TIMESTAMP)
            if kind is Reason.FUTURE_TIME:
                ok = ok and (table.name, c.name) not in FUTURE_EXEMPT
        elif kind is Reason.MALFORMED_NUMBER:
            ok = (c.required and c.type in (ColumnType.INT, ColumnType.FLAG, ColumnType.DECIMAL)
                  and c.name != "refd_setl_flag")
        elif kind is Reason.INVALID_CODE:
            ok = c.required and c.type is ColumnType.CODE and c.codes is not None
        elif kind is Reason.BAD_ID_CHECKSUM:
            ok = c.required and c.pii is Pii.ID_CARD
        elif kind is Reason.UNKNOWN_INSTITUTION:
            ok = c.required and c.institution
        elif kind is Reason.NEGATIVE_AMOUNT:
            ok = c.type is ColumnType.MONEY
        elif kind is Reason.AMOUNT_INVARIANT:
            ok = table.name == "settlements" and c.name == "medfee_sumamt"
        else:
            ok = False
        if ok:
            cols.append(c.name)
    return tuple(cols)


def applicable_kinds(table: Table) -> list[Reason]:
    return [k for k in KINDS if k is Reason.DUPLICATE_ROW or _columns(table, k)]


def _bad_date(rng, value: str) -> str:
    y, m, d = value[:4], value[5:7], value[8:10]
    form = BAD_DATE_FORMS[rng.integers(0, len(BAD_DATE_FORMS))]
    return form.format(y=y, m=m, d=d) + value[10:]


def dirty_file(table: Table, columns: dict[str, np.ndarray], day: dt.date, n_dirty: int,
               rng: np.random.Generator, state: DirtyState, institution_prefix: str
               ) -> tuple[dict[str, np.ndarray], list[tuple[int, str, str]]]:
    """Dirty `n_dirty` rows of one delivered file (columns: text arrays, money as int cents).
    Returns the file's columns (duplicates appended at the end) and (source_line, key, reason)
    for each dirtied row."""
    n = len(columns[table.key[0]])
    if n_dirty <= 0 or n == 0:
        return columns, []
    eligible = np.ones(n, dtype=bool)
    if table.name == "settlements":
        eligible &= columns["refd_setl_flag"] == "0"
        eligible &= columns["medfee_sumamt"] > 0
    candidates = np.flatnonzero(eligible)
    if len(candidates) == 0:
        return columns, []
    rows = np.sort(rng.choice(candidates, size=min(n_dirty, len(candidates)), replace=False))
    kinds_here = applicable_kinds(table)
    columns = _CopyOnWrite(columns)
    records, duplicates = [], []
    for row in rows:
        preferred = [k for k in state.unused if k in kinds_here]
        kind = preferred[0] if preferred else kinds_here[rng.integers(0, len(kinds_here))]
        if not _apply(kind, table, columns, int(row), day, rng, institution_prefix):
            continue
        if kind in state.unused:
            state.unused.remove(kind)
        state.counts[kind.value] = state.counts.get(kind.value, 0) + 1
        state.systems_dirtied.add(table.system)
        if kind is Reason.DUPLICATE_ROW:
            duplicates.append(int(row))
        else:
            records.append((int(row) + 1, kind))
    columns = dict(columns)
    if duplicates:
        columns = {c: np.concatenate([v, v[duplicates]]) for c, v in columns.items()}
        records += [(n + j + 1, Reason.DUPLICATE_ROW) for j in range(len(duplicates))]
    out = []
    for line, kind in records:
        key = "|".join("" if columns[k][line - 1] is None else str(columns[k][line - 1])
                       for k in table.key)
        out.append((line, key, kind.value))
    return columns, out


def _apply(kind: Reason, table: Table, columns: _CopyOnWrite, row: int, day: dt.date, rng,
           institution_prefix: str) -> bool:
    if kind is Reason.DUPLICATE_ROW:
        return True
    cols = [c for c in _columns(table, kind) if columns[c][row] is not None]
    if not cols:
        return False
    col = cols[rng.integers(0, len(cols))]
    value = columns[col][row]
    if kind is Reason.MISSING_REQUIRED:
        columns.writable(col)[row] = None
    elif kind is Reason.MALFORMED_DATE:
        columns.writable(col)[row] = _bad_date(rng, value)
    elif kind is Reason.MALFORMED_NUMBER:
        columns.writable(col)[row] = BAD_NUMBERS[rng.integers(0, len(BAD_NUMBERS))]
    elif kind is Reason.INVALID_CODE:
        column = table.column(col)
        columns.writable(col)[row] = next(v for v in ("未知", "9", "X")
                                          if not column.accepts_code(v))
    elif kind is Reason.BAD_ID_CHECKSUM:
        if len(value) != 18:
            return False
        columns.writable(col)[row] = wrong_check_char(value)
    elif kind is Reason.UNKNOWN_INSTITUTION:
        columns.writable(col)[row] = (f"{value[0]}{institution_prefix}"
                                      f"{UNKNOWN_INSTITUTION_SUFFIX}{rng.integers(0, 1000):03d}")
    elif kind is Reason.NEGATIVE_AMOUNT:
        money = _columns(table, kind)
        amounts = np.array([columns[m][row] for m in money], dtype=np.int64)
        if (amounts < 0).any() or not (amounts > 0).any():
            return False
        if table.name == "settlements":  # negate the whole settlement: the sums still add up
            for m in money:
                columns.writable(m)[row] = -columns[m][row]
        else:
            columns.writable(col)[row] = -abs(int(value)) if int(value) != 0 else -100
    elif kind is Reason.AMOUNT_INVARIANT:
        columns.writable(col)[row] = int(value) + 100
    elif kind is Reason.FUTURE_TIME:
        later = day + dt.timedelta(days=int(rng.integers(2, 40)))
        columns.writable(col)[row] = later.isoformat() + value[10:]
    return True
