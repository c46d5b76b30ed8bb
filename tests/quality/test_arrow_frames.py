"""The GX raw suites read partitions through Arrow (raw_gate.arrow_to_frame); the frames must
hold what DuckDB's own `.df()` gives, or the suites would judge different values."""

import duckdb
import pandas as pd

from expectations.raw_gate import arrow_to_frame

ROWS = """
select * from (values
    (1, 12.50::decimal(16, 2), date '2025-03-01', 7, 'a'),
    (2, -0.01::decimal(16, 2), date '2025-03-02', null, null)
) as t(id, amount, day, sbp, code)
"""


def test_arrow_frame_matches_duckdb_df():
    con = duckdb.connect()
    expected = con.execute(ROWS).df()
    frame = arrow_to_frame(con.execute(ROWS).to_arrow_table())
    assert list(frame.columns) == ["id", "amount", "day", "sbp", "code"]
    assert frame["amount"].tolist() == [12.5, -0.01]  # decimals as floats, not Decimal objects
    assert pd.api.types.is_datetime64_any_dtype(frame["day"])  # dates as datetime64
    # Integers widened to 64 bits (GX's vectorised range check), plain where there are no nulls.
    assert frame["id"].dtype == "int64"
    assert frame["sbp"].dtype == "Int64" and frame["sbp"].isna().tolist() == [False, True]
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)


def test_arrow_frame_of_many_chunks_is_one_chunk_per_column():
    con = duckdb.connect()
    table = con.execute("select range as n, range::varchar as s from range(100000)") \
        .to_arrow_table()
    frame = arrow_to_frame(table)
    assert len(frame) == 100000
    assert frame["s"].array._pa_array.num_chunks == 1
