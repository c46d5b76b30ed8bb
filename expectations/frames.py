"""Arrow batches as the dataframes GX's pandas engine validates."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

NULLABLE_INTS = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(),
                 pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype()}


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """The dataframe DuckDB's `.df()` would give (decimals as float, dates as datetime64,
    integers nullable only where nulls occur), built column by column from Arrow: about three
    times faster than `.df()`, which goes through Python objects for strings."""
    # One chunk per column: DuckDB hands over ~2k-row chunks, and pandas' arrow-backed columns
    # pay per chunk on every take and filter GX makes.
    table = table.combine_chunks()
    columns = {}
    for arrow_field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_decimal(arrow_field.type):
            column = column.cast(pa.float64())
        nullable = pa.types.is_integer(arrow_field.type) and column.null_count > 0
        columns[arrow_field.name] = column.to_pandas(
            date_as_object=False, types_mapper=NULLABLE_INTS.get if nullable else None)
    return pd.DataFrame(columns)
