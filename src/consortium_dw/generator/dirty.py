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
import pandas as pd

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


def _columns(table: Table, kind: Reason) -> list[str]:
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
    return cols


def applicable_kinds(table: Table) -> list[Reason]:
    return [k for k in KINDS if k is Reason.DUPLICATE_ROW or _columns(table, k)]


def _bad_date(rng, value: str) -> str:
    y, m, d = value[:4], value[5:7], value[8:10]
    form = BAD_DATE_FORMS[rng.integers(0, len(BAD_DATE_FORMS))]
    return form.format(y=y, m=m, d=d) + value[10:]


def dirty_file(table: Table, frame: pd.DataFrame, day: dt.date, n_dirty: int,
               rng: np.random.Generator, state: DirtyState, institution_prefix: str
               ) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """Dirty `n_dirty` rows of one delivered file. Returns the file's rows (duplicates appended
    at the end) and (source_line, key, reason) for each dirtied row."""
    n = len(frame)
    if n_dirty <= 0 or n == 0:
        return frame, []
    eligible = np.ones(n, dtype=bool)
    if table.name == "settlements":
        eligible &= (frame["refd_setl_flag"].to_numpy(object) == "0")
        eligible &= frame["medfee_sumamt"].to_numpy() > 0
    candidates = np.flatnonzero(eligible)
    if len(candidates) == 0:
        return frame, []
    rows = rng.choice(candidates, size=min(n_dirty, len(candidates)), replace=False)
    rows.sort()
    kinds_here = applicable_kinds(table)
    frame = frame.copy()
    records, duplicates = [], []
    for row in rows:
        preferred = [k for k in state.unused if k in kinds_here]
        kind = preferred[0] if preferred else kinds_here[rng.integers(0, len(kinds_here))]
        if not _apply(kind, table, frame, int(row), day, rng, institution_prefix):
            continue
        if kind in state.unused:
            state.unused.remove(kind)
        state.counts[kind.value] = state.counts.get(kind.value, 0) + 1
        state.systems_dirtied.add(table.system)
        if kind is Reason.DUPLICATE_ROW:
            duplicates.append(int(row))
        else:
            records.append((int(row) + 1, kind))
    if duplicates:
        frame = pd.concat([frame, frame.iloc[duplicates]], ignore_index=True)
        records += [(n + j + 1, Reason.DUPLICATE_ROW) for j in range(len(duplicates))]
    keys = frame[list(table.key)].astype(object).fillna("")
    out = []
    for line, kind in records:
        key = "|".join(str(v) for v in keys.iloc[line - 1].tolist())
        out.append((line, key, kind.value))
    return frame, out


def _apply(kind: Reason, table: Table, frame: pd.DataFrame, row: int, day: dt.date, rng,
           institution_prefix: str) -> bool:
    cols = [c for c in _columns(table, kind) if frame.at[row, c] is not None] \
        if kind is not Reason.DUPLICATE_ROW else []
    if kind is not Reason.DUPLICATE_ROW and not cols:
        return False
    col = cols[rng.integers(0, len(cols))] if cols else None
    value = frame.at[row, col] if col else None
    if kind is Reason.DUPLICATE_ROW:
        return True
    if kind is Reason.MISSING_REQUIRED:
        frame.at[row, col] = None
    elif kind is Reason.MALFORMED_DATE:
        frame.at[row, col] = _bad_date(rng, value)
    elif kind is Reason.MALFORMED_NUMBER:
        frame.at[row, col] = BAD_NUMBERS[rng.integers(0, len(BAD_NUMBERS))]
    elif kind is Reason.INVALID_CODE:
        column = table.column(col)
        frame.at[row, col] = next(v for v in ("未知", "9", "X") if v not in column.codes)
    elif kind is Reason.BAD_ID_CHECKSUM:
        if len(value) != 18:
            return False
        frame.at[row, col] = wrong_check_char(value)
    elif kind is Reason.UNKNOWN_INSTITUTION:
        frame.at[row, col] = (f"{value[0]}{institution_prefix}{UNKNOWN_INSTITUTION_SUFFIX}"
                              f"{rng.integers(0, 1000):03d}")
    elif kind is Reason.NEGATIVE_AMOUNT:
        money = _columns(table, kind)
        amounts = np.array([frame.at[row, m] for m in money], dtype=np.int64)
        if (amounts < 0).any() or not (amounts > 0).any():
            return False
        if table.name == "settlements":  # negate the whole settlement: the sums still add up
            for m in money:
                frame.at[row, m] = -int(frame.at[row, m])
        else:
            frame.at[row, col] = -abs(int(value)) if int(value) != 0 else -100
    elif kind is Reason.AMOUNT_INVARIANT:
        frame.at[row, col] = int(value) + 100
    elif kind is Reason.FUTURE_TIME:
        later = day + dt.timedelta(days=int(rng.integers(2, 40)))
        frame.at[row, col] = later.isoformat() + value[10:]
    return True
