"""Turn generated columns into the contract's text format, vectorised.

Generators hand over natural numpy values (datetime64, ints, bools, strings) and money as int64
cents; this module renders them once, so dirtying and writing work on the delivered text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from consortium_dw.contract import ColumnType, Table


def padded(numbers, width: int, prefix: str = "") -> np.ndarray:
    """Non-negative integers as zero-padded text after `prefix` (object array), without a
    Python call per value: render 10**width + k, then assemble the characters of the prefix
    and all but the leading 1 as fixed-width text."""
    numbers = np.asarray(numbers, dtype=np.int64).reshape(-1)
    digits = (numbers + 10**width).astype(f"U{width + 1}")
    chars = np.empty((len(numbers), len(prefix) + width), dtype=np.uint32)
    chars[:, :len(prefix)] = [ord(c) for c in prefix]
    chars[:, len(prefix):] = digits.view(np.uint32).reshape(len(numbers), width + 1)[:, 1:]
    return chars.view(f"U{len(prefix) + width}").reshape(len(numbers)).astype(object)


def _blank_to_none(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=object)
    # Fixed-width numpy text holds no nulls: comparing it before the object copy is far cheaper.
    blank = (values == "") if values.dtype.kind == "U" else (pd.isna(out) | (out == ""))
    if blank.any():
        out[blank] = None
    return out


def render_timestamps(values) -> np.ndarray:
    arr = np.asarray(values).astype("datetime64[s]")
    iso = np.datetime_as_string(arr, unit="s")
    width = iso.dtype.itemsize // 4
    if iso.dtype.kind == "U" and width > 10 and iso.flags.c_contiguous:
        # 'YYYY-MM-DDTHH:MM:SS': swap the 'T' in place through a per-character view, instead
        # of a string search over every value.
        separator = iso.view(np.uint32).reshape(len(iso), width)[:, 10]
        separator[separator == ord("T")] = ord(" ")
    else:
        iso = np.strings.replace(iso, "T", " ")
    text = iso.astype(object)
    text[np.isnat(arr)] = None
    return text


def render_dates(values) -> np.ndarray:
    arr = np.asarray(values).astype("datetime64[D]")
    text = np.datetime_as_string(arr, unit="D").astype(object)
    text[np.isnat(arr)] = None
    return text


def render_ints(values) -> np.ndarray:
    series = pd.Series(values)
    if series.dtype == bool:
        series = series.astype(np.int64)
    if series.dtype == object:
        return _blank_to_none(series.to_numpy(object))
    mask = series.isna().to_numpy()
    text = series.fillna(0).to_numpy(np.int64).astype(str).astype(object)
    text[mask] = None
    return text


def render_fixed(values, digits: int) -> np.ndarray:
    """Floats with a fixed number of decimals (no float-repr noise), NaN as empty."""
    arr = np.asarray(values, dtype=float)
    mask = np.isnan(arr)
    scaled = np.round(np.where(mask, 0, arr) * 10**digits).astype(np.int64)
    return render_cents(scaled, digits, mask)


def render_cents(cents, digits: int = 2, mask=None) -> np.ndarray:
    cents = np.asarray(cents, dtype=np.int64)
    sign = np.where(cents < 0, "-", "").astype(object)
    magnitude = np.abs(cents)
    whole = (magnitude // 10**digits).astype(str).astype(object)
    frac = padded(magnitude % 10**digits, digits)
    text = np.array(sign + whole + "." + frac, dtype=object)
    if mask is not None:
        text[mask] = None
    return text


def render_frame(table: Table, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every column as text (None for empty), except money kept as int64 cents."""
    out = {}
    for col in table.columns:
        values = frame[col.name].to_numpy() if col.name in frame else np.full(len(frame), None)
        if col.type is ColumnType.MONEY:
            out[col.name] = np.asarray(values, dtype=np.int64)
        elif col.type is ColumnType.TIMESTAMP and np.issubdtype(np.asarray(values).dtype,
                                                                np.datetime64):
            out[col.name] = render_timestamps(values)
        elif col.type is ColumnType.DATE and np.issubdtype(np.asarray(values).dtype,
                                                           np.datetime64):
            out[col.name] = render_dates(values)
        elif col.type in (ColumnType.INT, ColumnType.FLAG):
            out[col.name] = render_ints(values)
        elif col.type is ColumnType.DECIMAL and np.issubdtype(np.asarray(values).dtype,
                                                              np.floating):
            out[col.name] = render_fixed(values, 2)
        else:
            out[col.name] = _blank_to_none(np.asarray(values))
    return out
