"""A Parquet extract "carries its own types" (EXTRACTS.md): typed columns load exactly as the
same values written as text, and a value its column cannot hold is quarantined, not rounded."""

import datetime as dt
import decimal
import io

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from consortium_dw.contract import TABLES
from consortium_dw.ingest import load_table
from tests.ingest.conftest import DAY
from tests.ingest.handmade import rewrite_file, write_delivery, write_reference
from tests.ingest.test_row_rules import _settlement

COLUMNS = TABLES["settlements"].column_names
LINEAGE = "_source_file, _source_line, _delivery_date, _loaded_at, _batch_id"

# Three settlements as text, the way the generator writes them (line 3: a reversal).
TEXT_ROWS = [
    _settlement(1, begndate="1965-03-01", setl_time="2025-01-02 08:30:05"),
    _settlement(2, setl_time="2025-01-02 23:59:59", medfee_sumamt="10.00"),
    _settlement(3, refd_setl_flag="1", init_setl_id="setl_id-1", medfee_sumamt="-10.00",
                fund_pay_sumamt="-6.00", psn_part_amt="-4.00", acct_pay="-1.00",
                psn_cash_pay="-3.00"),
]


def _typed(rows: list[dict[str, str]]) -> dict[str, pa.Array]:
    """The same rows as a producer with real types would write them."""
    def column(name):
        return [r[name] for r in rows]

    arrays = {name: pa.array(column(name), pa.string()) for name in COLUMNS}
    # times in UTC with microseconds: 08:30:05.25 in Shanghai is 00:30:05.25 UTC
    arrays["setl_time"] = pa.array(
        [dt.datetime.fromisoformat(v) - dt.timedelta(hours=8) + dt.timedelta(microseconds=250000)
         for v in column("setl_time")], pa.timestamp("us", tz="UTC"))
    for name in ("begndate", "enddate", "brdy"):
        arrays[name] = pa.array([dt.date.fromisoformat(v) for v in column(name)], pa.date32())
    for name in ("refd_setl_flag", "vali_flag"):
        arrays[name] = pa.array([int(v) for v in column(name)], pa.int64())
    arrays["gend"] = pa.array([float(v) for v in column("gend")], pa.float64())
    # money as doubles (with binary noise) and as four-decimal decimals
    arrays["medfee_sumamt"] = pa.array([float(v) + 1e-12 for v in column("medfee_sumamt")])
    arrays["psn_part_amt"] = pa.array([decimal.Decimal(v).quantize(decimal.Decimal("0.0001"))
                                       for v in column("psn_part_amt")], pa.decimal128(18, 4))
    return arrays


def _parquet(arrays: dict[str, pa.Array]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table(arrays), buffer)
    return buffer.getvalue()


def _loaded(con):
    return con.execute(f"SELECT * EXCLUDE ({LINEAGE}) FROM raw.settlements "
                       "ORDER BY setl_id").fetchall()


def test_typed_columns_load_as_their_text(tmp_path):
    loaded = []
    for variant in ("text", "typed"):
        landing = tmp_path / variant
        write_reference(landing)
        folder = write_delivery(landing, "insurance", DAY, {"settlements": TEXT_ROWS})
        if variant == "typed":
            rewrite_file(folder, "settlements.parquet", _parquet(_typed(TEXT_ROWS)))
        con = duckdb.connect()
        result = load_table(con, landing, TABLES["settlements"])
        assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
        loaded.append(_loaded(con))
        con.close()
    assert loaded[0] == loaded[1]
    setl_time = COLUMNS.index("setl_time")
    assert [str(row[setl_time]) for row in loaded[1]] == [
        "2025-01-02 08:30:05", "2025-01-02 23:59:59", "2025-01-02 08:30:00"]


def test_a_value_its_column_cannot_hold_is_quarantined(landing, warehouse):
    folder = write_delivery(landing, "insurance", DAY, {"settlements": TEXT_ROWS})
    arrays = _typed(TEXT_ROWS)
    arrays["medfee_sumamt"] = pa.array([10.005, 10.0, -10.0])   # a third decimal
    arrays["gend"] = pa.array([1.0, 1.5, 1.0])                    # half a code
    rewrite_file(folder, "settlements.parquet", _parquet(arrays))
    load_table(warehouse, landing, TABLES["settlements"])
    assert warehouse.execute("SELECT _source_line, _reason, medfee_sumamt, gend "
                             "FROM quarantine.settlements ORDER BY 1").fetchall() == [
        (1, "malformed_number", "10.005", "1"), (2, "invalid_code", "10.00", "1.5")]


def test_out_of_range_money_and_a_date_with_a_time_are_quarantined_not_refused(
        landing, warehouse):
    folder = write_delivery(landing, "insurance", DAY, {"settlements": TEXT_ROWS})
    arrays = _typed(TEXT_ROWS)
    arrays["medfee_sumamt"] = pa.array([1e20, 10.0, -10.0])      # beyond DECIMAL(16,2)
    arrays["psn_part_amt"] = pa.array([decimal.Decimal("4.0000"),
                                       decimal.Decimal("99999999999999.9999"),
                                       decimal.Decimal("-4.0000")], pa.decimal128(18, 4))
    arrays["brdy"] = pa.array([dt.datetime(1980, 1, 1), dt.datetime(1980, 1, 1),
                               dt.datetime(1980, 1, 1, 12, 0)], pa.timestamp("ms"))
    rewrite_file(folder, "settlements.parquet", _parquet(arrays))
    result = load_table(warehouse, landing, TABLES["settlements"])
    assert result.rows_read == 3
    assert warehouse.execute("SELECT _source_line, _reason, brdy FROM quarantine.settlements "
                             "ORDER BY 1").fetchall() == [
        (1, "malformed_number", "1980-01-01"), (2, "malformed_number", "1980-01-01"),
        (3, "malformed_date", "1980-01-01 12:00:00")]
