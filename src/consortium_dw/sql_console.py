"""A read-only SQL console on the served file: `make sql` or
`python -m consortium_dw.sql_console $DATA_DIR/serving.duckdb [-c "select …"]`.

The file is opened read-only with DuckDB's external access off, so a console session can neither
change the published marts nor read other files (no ATTACH, read_csv, COPY). Statements end with
`;`; `.tables` lists the marts, `.quit` (or Ctrl-D) leaves.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

PROMPT, CONTINUATION = "marts> ", "  ...> "


def connect(serving_path: Path) -> duckdb.DuckDBPyConnection:
    if not serving_path.exists():
        raise SystemExit(f"No served file at {serving_path}: run `make pipeline` first.")
    connection = duckdb.connect(str(serving_path), read_only=True,
                                config={"enable_external_access": False})
    connection.execute("SET lock_configuration = true")
    connection.execute("USE marts")
    return connection


def run(connection: duckdb.DuckDBPyConnection, sql: str, out=sys.stdout) -> bool:
    """Execute one statement and print its result; False (and the error) when it fails."""
    try:
        relation = connection.sql(sql)
    except duckdb.Error as error:
        print(f"Error: {error}", file=out)
        return False
    if relation is not None:
        try:
            print(str(relation), file=out)  # DuckDB's box rendering, long results elided
        except duckdb.Error as error:
            print(f"Error: {error}", file=out)
            return False
    return True


LIST_TABLES = ("select table_name, table_type from information_schema.tables "
               "where table_schema = 'marts' order by table_name")


def interactive(connection: duckdb.DuckDBPyConnection, serving_path: Path) -> None:
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:
        pass
    print(f"Read-only SQL on {serving_path} (schema marts). End statements with ';', "
          ".tables lists tables, .quit leaves.")
    buffer: list[str] = []
    while True:
        try:
            line = input(CONTINUATION if buffer else PROMPT)
        except EOFError:
            print()
            return
        except KeyboardInterrupt:
            print()
            buffer.clear()
            continue
        stripped = line.strip()
        if not buffer and stripped in (".quit", ".exit", r"\q"):
            return
        if not buffer and stripped == ".tables":
            run(connection, LIST_TABLES)
            continue
        buffer.append(line)
        if stripped.endswith(";"):
            run(connection, "\n".join(buffer))
            buffer.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Read-only SQL console on the served file")
    parser.add_argument("serving", type=Path, help="path to serving.duckdb")
    parser.add_argument("-c", "--command", help="run this SQL and exit")
    args = parser.parse_args(argv)
    connection = connect(args.serving)
    if args.command:
        return 0 if run(connection, args.command) else 1
    interactive(connection, args.serving)
    return 0


if __name__ == "__main__":
    sys.exit(main())
