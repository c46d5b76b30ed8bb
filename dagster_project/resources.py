"""Where the landing folder and the warehouse are.

Paths resolve when a run starts (not at import), from the resource config or else from
`CONSORTIUM_LANDING` / `CONSORTIUM_DATA_DIR`, so one code location serves the UI, the sensor and
the headless runner. Other modules may add their own resources with a module-level RESOURCES
dict (see definitions.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from consortium_dw.marts_file import connect_warehouse

LANDING_ENV = "CONSORTIUM_LANDING"
DATA_DIR_ENV = "CONSORTIUM_DATA_DIR"
DEFAULT_LANDING = "data/landing"
DEFAULT_DATA_DIR = "data/warehouse"
WAREHOUSE_FILE = "warehouse.duckdb"
# Every step that writes warehouse.duckdb runs in this pool; dagster.yaml limits it to 1.
WAREHOUSE_POOL = "duckdb_warehouse"


class LandingResource(ConfigurableResource):
    root: str | None = None

    @property
    def path(self) -> Path:
        return Path(self.root or os.environ.get(LANDING_ENV) or DEFAULT_LANDING).resolve()


class WarehouseResource(ConfigurableResource):
    data_dir: str | None = None

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).resolve()

    @property
    def database(self) -> Path:
        return self.data_path / WAREHOUSE_FILE

    @contextmanager
    def connect(self, read_only: bool = False,
                config: dict | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse file with the marts file attached (consortium_dw/marts_file.py)."""
        if not read_only:
            self.data_path.mkdir(parents=True, exist_ok=True)
        con = connect_warehouse(self.database, read_only=read_only, config=config)
        try:
            yield con
        finally:
            con.close()


RESOURCES = {"landing": LandingResource(), "warehouse": WarehouseResource()}
