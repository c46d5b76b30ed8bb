"""Great Expectations quality gates for the warehouse (GX 1.x on pandas dataframes).

GX's SQL datasource does not work on DuckDB (GX #10738), so every suite validates dataframes
read from DuckDB: raw tables per delivery day (in whole-day chunks), the raw daily profile,
the table schemas, and the marts. `gate.py` turns a run of suites into one outcome that
`dagster_project/checks/` reports as an asset check.
"""

from expectations.gate import GateOutcome, SuiteOutcome
from expectations.mart_gate import validate_marts
from expectations.raw_gate import validate_raw_table

__all__ = ["GateOutcome", "SuiteOutcome", "validate_marts", "validate_raw_table"]
