"""Text rendering of generated values: the lookup-table paths give the contract's text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from consortium_dw.generator.formatting import (
    LOOKUP_RANGE,
    padded,
    render_dates,
    render_ints,
    render_timestamps,
)


def test_timestamps_render_with_a_space_and_nulls_for_nat():
    values = np.array(["2024-02-29T23:59:59", "NaT", "1969-12-31T00:00:01",
                       "2025-01-01T00:00:00"], dtype="datetime64[s]")
    assert render_timestamps(values).tolist() == [
        "2024-02-29 23:59:59", None, "1969-12-31 00:00:01", "2025-01-01 00:00:00"]
    # Sub-second values are truncated to the second, as before.
    assert render_timestamps(values.astype("datetime64[ms]") + np.timedelta64(999, "ms")
                             ).tolist()[0] == "2024-02-29 23:59:59"
    assert render_timestamps(np.array(["NaT"], dtype="datetime64[s]")).tolist() == [None]


def test_timestamps_far_apart_still_render():
    values = np.array(["1500-06-01T12:00:00", "2024-06-01T08:30:00"], dtype="datetime64[s]")
    assert render_timestamps(values).tolist() == ["1500-06-01 12:00:00", "2024-06-01 08:30:00"]


def test_dates_render_iso_and_nat_as_null():
    values = np.array(["2023-01-01", "NaT", "2025-12-31", "2023-01-01"], dtype="datetime64[D]")
    assert render_dates(values).tolist() == ["2023-01-01", None, "2025-12-31", "2023-01-01"]


def test_ints_render_in_and_out_of_the_lookup_range():
    assert render_ints(np.array([3, -2, 0, 3])).tolist() == ["3", "-2", "0", "3"]
    assert render_ints(pd.array([1, None, 12], dtype="Int64")).tolist() == ["1", None, "12"]
    assert render_ints(np.array([True, False])).tolist() == ["1", "0"]
    wide = np.array([0, LOOKUP_RANGE * 10, 7])
    assert render_ints(wide).tolist() == ["0", str(LOOKUP_RANGE * 10), "7"]


def test_padded_numbers_with_and_without_prefix():
    assert padded(np.array([0, 7, 123]), 3).tolist() == ["000", "007", "123"]
    assert padded(np.array([42]), 5, "MD").tolist() == ["MD00042"]
    assert padded(np.array([], dtype=np.int64), 4).tolist() == []
