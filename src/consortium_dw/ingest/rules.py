"""The contract's row rules as DuckDB SQL, and the one query that judges a batch with them.

Each row gets at most one reason: the first failing rule in `contract.Reason` order (and,
within a rule, the first failing column in contract order). Everything is set-based SQL, so a
city-sized batch is one query, not a Python loop per row.

Input relation `delivered`: the contract's columns as text plus `_file` (the file's index in
the batch), `_source_line`, `_row` (the row's position in the batch) and `_delivery_date`; for
each identity-card column `c`, `_id_ok__c` = `valid_id_sql(c)`, computed once per distinct
value (see `ingest.batch`). Relation `ref_institution_codes(inst_code)` holds the known
institutions.
"""

from __future__ import annotations

from consortium_dw.contract import (
    DUCKDB_TYPES,
    ID_CHECK_CHARS,
    ID_WEIGHTS,
    ColumnType,
    Pii,
    Reason,
    Table,
)

DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
DATE_FORMATS = {ColumnType.DATE: "%Y-%m-%d", ColumnType.TIMESTAMP: "%Y-%m-%d %H:%M:%S"}
# Contract periods, not events: a family-doctor contract may run into the future.
FUTURE_EXEMPT = {("fd_contracts", "start_date"), ("fd_contracts", "end_date")}
REVERSAL_FLAG = "refd_setl_flag"
AMOUNT_TOLERANCE = "0.01"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def value(column: str) -> str:
    """The column's text with empty meaning absent."""
    return f"nullif({quote(column)}, '')"


def parsed_time(column: str, type_: ColumnType) -> str:
    return f"try_strptime({value(column)}, {literal(DATE_FORMATS[type_])})"


def _well_formed_time(column: str, type_: ColumnType) -> str:
    pattern = DATE_PATTERN if type_ == ColumnType.DATE else TIMESTAMP_PATTERN
    return (f"(regexp_full_match({value(column)}, {literal(pattern)}) "
            f"AND {parsed_time(column, type_)} IS NOT NULL)")


def _well_formed_number(column: str, type_: ColumnType) -> str:
    v = value(column)
    if type_ == ColumnType.FLAG:
        return f"({v} IN ('0', '1'))"
    if type_ == ColumnType.INT:
        return f"(regexp_full_match({v}, '-?\\d+') AND try_cast({v} AS INTEGER) IS NOT NULL)"
    if type_ == ColumnType.MONEY:
        return (f"(regexp_full_match({v}, '-?\\d+(\\.\\d{{1,2}})?') "
                f"AND try_cast({v} AS DECIMAL(16,2)) IS NOT NULL)")
    return (f"(regexp_full_match({v}, '-?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?') "
            f"AND try_cast({v} AS DOUBLE) IS NOT NULL)")


def valid_id_sql(v: str) -> str:
    """GB 11643 check digit in SQL (18 chars, 17 digits, weighted sum mod 11)."""
    weighted = " + ".join(f"try_cast(substr({v}, {i + 1}, 1) AS INTEGER) * {w}"
                          for i, w in enumerate(ID_WEIGHTS))
    return (f"(regexp_full_match({v}, '\\d{{17}}[0-9Xx]') AND "
            f"substr({literal(ID_CHECK_CHARS)}, (({weighted}) % 11) + 1, 1) = "
            f"upper(substr({v}, 18, 1)))")


def id_ok_column(column: str) -> str:
    """The precomputed check-digit verdict of an identity-card column."""
    return f"_id_ok__{column}"


def rule_conditions(table: Table, load_time_sql: str) -> list[tuple[Reason, str, str]]:
    """(reason, condition, detail) in evaluation order; the last one is the duplicate rule,
    which `verdict_query` evaluates as a join rather than as this window expression."""
    rules: list[tuple[Reason, str, str]] = []
    cols = table.columns
    for c in cols:
        if c.required:
            rules.append((Reason.MISSING_REQUIRED, f"{value(c.name)} IS NULL",
                          f"{c.name} is empty"))
    for c in cols:
        if c.type in DATE_FORMATS:
            rules.append((Reason.MALFORMED_DATE,
                          f"{value(c.name)} IS NOT NULL AND NOT "
                          f"{_well_formed_time(c.name, c.type)}",
                          f"{c.name} is not {DATE_FORMATS[c.type]}"))
    for c in cols:
        if c.type in (ColumnType.INT, ColumnType.FLAG, ColumnType.DECIMAL, ColumnType.MONEY):
            rules.append((Reason.MALFORMED_NUMBER,
                          f"{value(c.name)} IS NOT NULL AND NOT "
                          f"{_well_formed_number(c.name, c.type)}",
                          f"{c.name} is not a valid {c.type.value}"))
    for c in cols:
        if c.code_pattern:
            rules.append((Reason.INVALID_CODE,
                          f"{value(c.name)} IS NOT NULL AND NOT "
                          f"regexp_full_match({value(c.name)}, {literal(c.code_pattern)})",
                          f"{c.name} is not a code"))
        elif c.codes:
            codes = ", ".join(literal(code) for code in c.codes)
            rules.append((Reason.INVALID_CODE,
                          f"{value(c.name)} IS NOT NULL AND {value(c.name)} NOT IN ({codes})",
                          f"{c.name} is outside its code set"))
    for c in cols:
        if c.pii == Pii.ID_CARD:
            rules.append((Reason.BAD_ID_CHECKSUM,
                          f"{value(c.name)} IS NOT NULL AND NOT {quote(id_ok_column(c.name))}",
                          f"{c.name} fails the GB 11643 format or check digit"))
    for c in cols:
        if c.institution:
            rules.append((Reason.UNKNOWN_INSTITUTION,
                          f"{value(c.name)} IS NOT NULL AND {value(c.name)} NOT IN "
                          f"(SELECT inst_code FROM ref_institution_codes)",
                          f"{c.name} is not in ref/institutions.csv"))
    is_reversal = (f"coalesce({value(REVERSAL_FLAG)}, '0') = '1'"
                   if REVERSAL_FLAG in table.column_names else "false")
    for c in cols:
        if c.type == ColumnType.MONEY:
            # The sign test first spares the decimal cast on almost every row; it cannot miss
            # one: a value reaching this rule matched the money pattern (an optional leading
            # minus, digits), so a negative one starts with '-'.
            rules.append((Reason.NEGATIVE_AMOUNT,
                          f"starts_with({value(c.name)}, '-') "
                          f"AND try_cast({value(c.name)} AS DECIMAL(16,2)) < 0 "
                          f"AND NOT {is_reversal}",
                          f"{c.name} is negative on a row that is not a reversal"))
    if table.name == "settlements":
        def money(name: str) -> str:
            return f"try_cast({value(name)} AS DECIMAL(16,2))"
        rules.append((Reason.AMOUNT_INVARIANT,
                      f"abs({money('medfee_sumamt')} - {money('fund_pay_sumamt')} - "
                      f"{money('psn_part_amt')}) > {AMOUNT_TOLERANCE}",
                      "medfee_sumamt != fund_pay_sumamt + psn_part_amt"))
        rules.append((Reason.AMOUNT_INVARIANT,
                      f"abs({money('psn_part_amt')} - {money('acct_pay')} - "
                      f"{money('psn_cash_pay')}) > {AMOUNT_TOLERANCE}",
                      "psn_part_amt != acct_pay + psn_cash_pay"))
    for c in cols:
        if c.type in DATE_FORMATS and (table.name, c.name) not in FUTURE_EXEMPT:
            moment = parsed_time(c.name, c.type)
            rules.append((Reason.FUTURE_TIME,
                          f"({moment} >= _delivery_date + INTERVAL 1 DAY "
                          f"OR {moment} > {load_time_sql})",
                          f"{c.name} is after the delivery day or the load time"))
    key_cols = ", ".join(quote(k) for k in table.version_key)
    rules.append((Reason.DUPLICATE_ROW,
                  f"row_number() OVER (PARTITION BY _source_file, {key_cols} "
                  f"ORDER BY _source_line) > 1",
                  f"same key ({', '.join(table.version_key)}) earlier in the file"))
    return rules


def verdict_query(table: Table, load_time_sql: str) -> str:
    """One column `_rule`, in `_row` order: NULL when the row passes, else the index in
    `rule_conditions` of the first rule it fails.

    Every rule is written once (reason and detail are looked up from the index afterwards).
    The duplicate rule is a grouped join, not `row_number()`: a window would sort every row
    with all its columns, the aggregate only touches the keys of repeated rows."""
    rules = rule_conditions(table, load_time_sql)
    duplicate_index = len(rules) - 1
    keys = [quote(k) for k in table.version_key]
    repeated_keys = ", ".join(f"{k} AS _dup_key_{i}" for i, k in enumerate(keys))
    same_key = " AND ".join(f"delivered.{k} IS NOT DISTINCT FROM repeated._dup_key_{i}"
                            for i, k in enumerate(keys))
    whens = " ".join(f"WHEN {cond} THEN {i}" for i, (_, cond, _) in enumerate(rules[:-1]))
    return (f"WITH repeated AS (SELECT _file AS _dup_file, {repeated_keys}, "
            f"min(_source_line) AS _first_line FROM delivered GROUP BY ALL "
            f"HAVING count(*) > 1) "
            f"SELECT CASE {whens} WHEN delivered._source_line > repeated._first_line "
            f"THEN {duplicate_index} END AS _rule "
            f"FROM delivered LEFT JOIN repeated ON delivered._file = repeated._dup_file "
            f"AND {same_key} ORDER BY delivered._row")


def typed_select(table: Table) -> str:
    """Cast the checked (all-valid) text columns to the raw layer's types."""
    casts = []
    for c in table.columns:
        target = DUCKDB_TYPES[c.type]
        if c.type in DATE_FORMATS:
            expr = f"CAST(strptime({quote(c.name)}, {literal(DATE_FORMATS[c.type])}) AS {target})"
        elif target == "VARCHAR":
            expr = quote(c.name)
        else:
            expr = f"CAST({quote(c.name)} AS {target})"
        casts.append(f"{expr} AS {quote(c.name)}")
    return ", ".join(casts)
