"""`make docs`: the dbt docs (and the Data Docs, when the quality part has a context) under
$DATA_DIR. Called by `python -m dagster_project.headless --docs-only`.

dbt docs: `$DATA_DIR/dbt_docs/index.html` (served) and `static_index.html` (one file, opens
from disk). The catalog is read from `$DATA_DIR/warehouse.duckdb` when it exists (read-only use:
`dbt docs generate` only queries information_schema); without a warehouse the docs are built
from the project alone (`--empty-catalog`).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from consortium_dw.marts_file import marts_path
from dagster_project.assets.dbt import DBT_EXECUTABLE, DBT_PROJECT_DIR

DBT_DOCS_DIR = "dbt_docs"


def build_dbt_docs(data_dir: Path) -> Path:
    data_dir = Path(data_dir).resolve()
    warehouse = data_dir / "warehouse.duckdb"
    target = data_dir / DBT_DOCS_DIR
    command = [str(DBT_EXECUTABLE), "docs", "generate", "--static", "--project-dir",
               str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
               "--target-path", str(target)]
    empty_catalog = not warehouse.exists()
    if empty_catalog:
        data_dir.mkdir(parents=True, exist_ok=True)
        command.append("--empty-catalog")
    env = {**os.environ, "DUCKDB_PATH": str(warehouse),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"dbt docs generate failed:\n{result.stdout}\n{result.stderr}")
    if empty_catalog:
        # dbt created empty files while connecting; leave no fake warehouse behind.
        warehouse.unlink(missing_ok=True)
        marts_path(warehouse).unlink(missing_ok=True)
    return target / "index.html"


def build_docs(landing: Path, data_dir: Path) -> None:
    index = build_dbt_docs(data_dir)
    print(f"dbt docs: {index}")
    try:
        from expectations.context import build_data_docs, data_docs_index, get_context
    except ImportError:
        return
    build_data_docs(get_context(Path(data_dir)), Path(data_dir))
    print(f"Data Docs: {data_docs_index(Path(data_dir))}")
