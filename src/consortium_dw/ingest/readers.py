"""Turn one delivered file into an Arrow table of text columns, or refuse it whole.

Refusal order: manifest (missing, sha256) -> decoding -> header -> row count. Nothing is parsed
before the bytes match the manifest, and a file is either read completely or not at all.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from consortium_dw.contract import CSV_ENCODINGS, MED_TYPE_PATTERN, Column, ColumnType, Reason
from consortium_dw.ingest.clock import LOCAL_TIME
from consortium_dw.ingest.landing import ManifestEntry

# A float that lies this close to a whole cent (or a whole number) is that cent (or number):
# the noise of binary floating point, not a third decimal.
_FLOAT_NOISE = 1e-6
# Money is DECIMAL(16,2): a larger amount keeps its own spelling and fails the row rules.
_MONEY_BOUND = 1e14
# Money delivered as a decimal with more than two places: the trailing zeros past the cents go.
_EXTRA_ZEROS = r"^(-?\d+\.\d\d)0+$"

# "utf-8" files may carry a BOM (EXTRACTS.md: with or without); utf-8-sig decodes both.
# "gbk" is read as GB18030, its superset: what Windows and Java export as GBK (code page 936)
# has characters Python's strict gbk codec refuses (the user-defined ranges some exports put
# rare name characters in, e.g. FE9F 䶮), and one such name would refuse the whole file.
_DECODERS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-8-sig": "utf-8-sig",
             "gb18030": "gb18030", "gbk": "gb18030"}
# A whole number spelled as pandas writes an integer column that has gaps ("3.0"): the number.
_WHOLE_FLOAT = r"^(-?\d+)\.0+$"
# Columns pandas adds for a non-default index (`DataFrame.to_parquet`): not data.
_PANDAS_INDEX = re.compile(r"__index_level_\d+__")


class FileRefused(Exception):
    def __init__(self, reason: Reason, detail: str):
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


def _check_header(found: list[str], expected: list[str]) -> None:
    """The detail names only contract columns: a file delivered without its header would
    otherwise put a row of clear-text PII into rejected_files, the logs and Dagster."""
    if sorted(found) != sorted(expected) or len(set(found)) != len(found):
        missing = [c for c in expected if c not in found]
        unexpected = sum(1 for c in found if c not in expected)
        raise FileRefused(Reason.WRONG_HEADER,
                          f"columns differ from the contract: missing {missing}, "
                          f"{unexpected} unexpected, {len(found) - len(set(found))} repeated")


_FIELD_COUNT = re.compile(r"Expected \d+ columns, got \d+")


def _parse_error_detail(error: Exception) -> str:
    """pyarrow quotes the offending row; keep only its position and the field counts."""
    match = _FIELD_COUNT.search(str(error))
    return f"a row has the wrong number of fields ({match.group(0)})" if match \
        else "malformed CSV structure"


def csv_header(text: str) -> list[str]:
    """The first record of `text`, whatever its line ends (LF, CRLF or a lone CR)."""
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as error:
        raise FileRefused(Reason.UNDECODABLE, f"not parseable as CSV: {error}") from None


def csv_bytes_for_arrow(text: str) -> bytes:
    """UTF-8 bytes Arrow's CSV reader takes: a header-only file without its final newline is
    an empty table, not an error."""
    if text and not text.endswith(("\n", "\r")):
        text += "\n"
    return text.encode("utf-8")


def decode_strict(data: bytes, encodings: tuple[str, ...]) -> str:
    """The text of `data` in the first of `encodings` it is valid in (a BOM dropped), or a
    refusal naming where each failed."""
    failures = []
    for encoding in encodings:
        try:
            return codecs.decode(data, _DECODERS[encoding], errors="strict").removeprefix("\ufeff")
        except UnicodeDecodeError as error:
            failures.append(f"{encoding} at byte {error.start}")
    raise FileRefused(Reason.UNDECODABLE, "not valid " + " nor ".join(failures))


def _read_csv(data: bytes, encoding: str | None, columns: list[str]) -> pa.Table:
    declared = (encoding or "utf-8").lower()
    if declared not in _DECODERS or declared.replace("-sig", "") not in \
            {e.replace("-sig", "") for e in CSV_ENCODINGS} | {"utf8"}:
        raise FileRefused(Reason.UNDECODABLE, f"unsupported encoding {encoding!r}")
    text = decode_strict(data, (declared,))
    utf8 = csv_bytes_for_arrow(text)
    _check_header(csv_header(text), columns)
    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as error:
        # A row with the wrong number of fields: the file's structure cannot be trusted.
        raise FileRefused(Reason.UNDECODABLE,
                          f"not parseable as CSV: {_parse_error_detail(error)}") from None
    return table.select(columns)


def _floats_as_text(values: pa.ChunkedArray, kind: ColumnType) -> pa.ChunkedArray:
    plain = values.cast(pa.string())
    finite = pc.is_finite(values)
    if kind is ColumnType.MONEY:
        cents = pc.round(values, 2)
        exact = pc.and_(pc.and_(finite, pc.less(pc.abs(values), _MONEY_BOUND)),
                        pc.less_equal(pc.abs(pc.subtract(values, cents)), _FLOAT_NOISE))
        as_cents = pc.if_else(exact, cents, 0.0).cast(pa.decimal128(38, 2)).cast(pa.string())
        return pc.if_else(exact, as_cents, plain)
    if kind in (ColumnType.INT, ColumnType.FLAG, ColumnType.CODE):
        whole = pc.round(values, 0)
        exact = pc.and_(pc.and_(finite, pc.less(pc.abs(values), 2.0 ** 53)),
                        pc.less_equal(pc.abs(pc.subtract(values, whole)), _FLOAT_NOISE))
        as_int = pc.if_else(exact, whole, 0.0).cast(pa.int64()).cast(pa.string())
        return pc.if_else(exact, as_int, plain)
    return plain


def _parquet_column_as_text(values: pa.ChunkedArray, kind: ColumnType) -> pa.ChunkedArray:
    """One Parquet column as the text the contract spells (EXTRACTS.md: "Parquet carries its
    own types"), so a typed column and a text column of the same values load the same rows:
    timestamps as local `YYYY-MM-DD HH:MM:SS` (a zone converted to Asia/Shanghai, fractions of
    a second dropped), dates as `YYYY-MM-DD` (a midnight timestamp too), money as two
    decimals, whole floats and booleans as integers (so a numeric code has no leading zeros).
    A value that is not what its column holds (a third decimal of money, a fractional count, a
    date with a time of day) keeps its own spelling, so row validation quarantines it."""
    kind_of = values.type
    if pa.types.is_timestamp(kind_of):
        if kind_of.tz is not None:
            local = pa.timestamp(kind_of.unit, tz=LOCAL_TIME.tzname(None))
            values = pc.local_timestamp(values.cast(local))
        seconds = pc.floor_temporal(values, unit="second").cast(pa.timestamp("s"))
        stamp = pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S")
        if kind is not ColumnType.DATE:
            return stamp
        midnight = pc.equal(pc.floor_temporal(values, unit="day"), values)
        return pc.if_else(midnight, pc.strftime(seconds, format="%Y-%m-%d"), stamp)
    if pa.types.is_boolean(kind_of):
        return pc.if_else(values, "1", "0")
    if pa.types.is_floating(kind_of):
        return _floats_as_text(values, kind)
    if pa.types.is_decimal(kind_of) and kind is ColumnType.MONEY and kind_of.scale > 2:
        return pc.replace_substring_regex(values.cast(pa.string()), _EXTRA_ZEROS, r"\1")
    return values.cast(pa.string())


def _read_parquet(data: bytes, columns: list[Column]) -> pa.Table:
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowInvalid, OSError) as error:
        raise FileRefused(Reason.UNDECODABLE,
                          f"not a readable Parquet file ({type(error).__name__})") from None
    table = table.select([name for name in table.column_names
                          if not _PANDAS_INDEX.fullmatch(name)])
    _check_header(table.column_names, [c.name for c in columns])
    text = {}
    for column in columns:
        try:
            text[column.name] = _parquet_column_as_text(table.column(column.name), column.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise FileRefused(Reason.UNDECODABLE,
                              f"column {column.name} of Parquet type "
                              f"{table.schema.field(column.name).type} cannot be read as "
                              f"{column.type.value}") from None
    return pa.table(text)


def read_delivered_file(path: Path, entry: ManifestEntry | None,
                        columns: list[Column]) -> tuple[pa.Table, str]:
    """The file's rows as text (columns in contract order) and its sha256; raises FileRefused."""
    if entry is None:
        raise FileRefused(Reason.MANIFEST_MISMATCH, "file is not listed in the manifest")
    if not path.is_file():
        raise FileRefused(Reason.MANIFEST_MISMATCH, "listed in the manifest but missing")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if entry.sha256 is None or digest != entry.sha256.lower():
        raise FileRefused(Reason.MANIFEST_MISMATCH, "sha256 differs from the manifest")
    if path.suffix.lower() == ".parquet":
        table = _read_parquet(data, columns)
    elif path.suffix.lower() == ".csv":
        table = _whole_floats_as_integers(
            _read_csv(data, entry.encoding, [c.name for c in columns]), columns)
    else:
        raise FileRefused(Reason.UNDECODABLE, f"unknown file format {path.suffix!r}")
    if entry.rows is None or table.num_rows != entry.rows:
        raise FileRefused(Reason.MANIFEST_MISMATCH,
                          f"{table.num_rows} data rows, manifest says {entry.rows}")
    return _empty_values_filled(table, columns), digest


def _is_integral(column: Column) -> bool:
    """Integers, flags and codes made of digits (op_level, discharge_mode, med_type)."""
    if column.type in (ColumnType.INT, ColumnType.FLAG):
        return True
    return column.type is ColumnType.CODE and (
        (column.codes is not None and all(code.isdigit() for code in column.codes))
        or column.code_pattern == MED_TYPE_PATTERN)


def _whole_floats_as_integers(table: pa.Table, columns: list[Column]) -> pa.Table:
    """A CSV integer written as pandas writes one with gaps ("3.0") reads as the integer, as
    the same value in a Parquet float column does (`_floats_as_text`); "3.5" stays and fails
    the row rules."""
    for column in columns:
        values = table.column(column.name)
        # The regex only where a value has a point: a plain scan, cheap on a city day's file.
        if not _is_integral(column) or not pc.any(pc.match_substring(values, ".")).as_py():
            continue
        table = table.set_column(table.schema.get_field_index(column.name), column.name,
                                 pc.replace_substring_regex(values, _WHOLE_FLOAT, r"\1"))
    return table


def _empty_values_filled(table: pa.Table, columns: list[Column]) -> pa.Table:
    """Empty values of the columns whose emptiness has a meaning (`Column.empty_means`)."""
    for column in columns:
        if column.empty_means is None:
            continue
        values = table.column(column.name)
        blank = pc.fill_null(pc.equal(values, ""), True)
        if not pc.any(blank).as_py():
            continue
        table = table.set_column(table.schema.get_field_index(column.name), column.name,
                                 pc.if_else(blank, column.empty_means, values))
    return table
