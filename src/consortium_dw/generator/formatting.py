"""Turn generated columns into the contract's text format, vectorised.

Generators hand over natural numpy values (datetime64, ints, bools, strings) and money as int64
cents; this module renders them once, so dirtying and writing work on the delivered text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

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
    # Text with no nulls at all (most columns) needs only the empty-string test; the full
    # null test (None, NaN, NA) costs three times more.
    no_nulls = values.dtype.kind == "U" or infer_dtype(out, skipna=False) == "string"
    blank = (out == "") if no_nulls else (pd.isna(out) | (out == ""))
    if blank.any():
        out[blank] = None
    return out


def render_timestamps(values) -> np.ndarray:
    arr = np.asarray(values).astype("datetime64[s]")
    missing = np.isnat(arr)
    seconds = arr.view(np.int64)[~missing]
    text = np.empty(len(arr), dtype=object)
    text[~missing] = _timestamp_text(seconds)
    return text


def _timestamp_text(seconds: np.ndarray) -> np.ndarray:
    """'YYYY-MM-DD HH:MM:SS' assembled from a table of the dates in range and a table of the
    86,400 times of day: np.datetime_as_string on every value costs ten times more."""
    if len(seconds) == 0:
        return np.empty(0, dtype=object)
    days = seconds // SECONDS_PER_DAY
    if days.max() - days.min() >= LOOKUP_RANGE:
        iso = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
        return np.strings.replace(iso, "T", " ").astype(object)
    low = int(days.min())
    date_chars = _chars(np.datetime_as_string(
        np.arange(low, int(days.max()) + 1).astype("datetime64[D]"), unit="D"), 10)
    chars = np.empty((len(seconds), 19), dtype=np.uint32)
    chars[:, :10] = date_chars[days - low]
    chars[:, 10] = ord(" ")
    chars[:, 11:] = _time_of_day_chars()[seconds - days * SECONDS_PER_DAY]
    return chars.view("U19").reshape(len(seconds)).astype(object)


SECONDS_PER_DAY = 86_400
_TIME_OF_DAY: list[np.ndarray] = []


def _chars(text: np.ndarray, width: int) -> np.ndarray:
    """Fixed-width text as a (rows, width) array of code points."""
    text = np.ascontiguousarray(text, dtype=f"U{width}")
    return text.view(np.uint32).reshape(len(text), width)


def _time_of_day_chars() -> np.ndarray:
    if not _TIME_OF_DAY:
        iso = np.datetime_as_string(np.arange(SECONDS_PER_DAY).astype("datetime64[s]"), unit="s")
        _TIME_OF_DAY.append(np.ascontiguousarray(_chars(iso.astype("U19"), 19)[:, 11:]))
    return _TIME_OF_DAY[0]


# Below this many distinct possible values, a column is rendered by looking its values up in
# the rendered range: one text object per distinct value instead of one per row, which also
# makes freeing the column cheap.
LOOKUP_RANGE = 200_000


def _render_by_lookup(numbers: np.ndarray, render) -> np.ndarray | None:
    """`render(numbers)` through a table of the values' range, or None when the range is too
    wide for a table to pay off."""
    if len(numbers) == 0:
        return None
    low, high = int(numbers.min()), int(numbers.max())
    if high - low >= LOOKUP_RANGE or high - low >= len(numbers):
        return None
    table = render(np.arange(low, high + 1, dtype=np.int64))
    return table[numbers - low]


def render_dates(values) -> np.ndarray:
    arr = np.asarray(values).astype("datetime64[D]")
    missing = np.isnat(arr)
    days = arr.view(np.int64)[~missing] if missing.any() else arr.view(np.int64)
    text = np.empty(len(arr), dtype=object)
    looked_up = _render_by_lookup(days, lambda d: np.datetime_as_string(
        d.astype("datetime64[D]"), unit="D").astype(object))
    text[~missing] = (looked_up if looked_up is not None else
                      np.datetime_as_string(days.astype("datetime64[D]"), unit="D"))
    return text


def render_ints(values) -> np.ndarray:
    series = pd.Series(values)
    if series.dtype == bool:
        series = series.astype(np.int64)
    if series.dtype == object:
        return _blank_to_none(series.to_numpy(object))
    mask = series.isna().to_numpy()
    numbers = series.fillna(0).to_numpy(np.int64)
    text = _render_by_lookup(numbers, lambda n: n.astype(str).astype(object))
    if text is None:
        text = numbers.astype(str).astype(object)
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
