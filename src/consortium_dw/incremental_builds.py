"""Whether a dbt build may rebuild only what the newest loads touched (the incremental
settlement chain, dbt/macros/incremental/replace_keys.sql), and from which load on.

A complete, successful build leaves a small state file beside the warehouse: the newest load it
had seen (`audit.load_log.loaded_at`) and a fingerprint of the reference tables the chain reads.
The next build takes that file away before it starts and passes `loads_since` to dbt (in
LOADS_SINCE_ENV, for its dbt command only) only when the file was there and neither the
references nor the dbt project changed; otherwise it builds every row again
(`--full-refresh`). So a build that failed, a subset re-run from the UI, changed references or
changed models (a new column, a corrected rule) are always followed by a whole build, never by
one that trusts a half-written or outdated chain. Loads and builds never overlap (the pipeline
lock, the build sensor), so every load after a build has a later `loaded_at` than the newest
one that build saw.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

STATE_FILE = ".incremental_build.json"
# Read by the macro loads_since() (dbt/macros/incremental/replace_keys.sql). An environment
# variable rather than `--vars`, which would make dbt parse the whole project again.
LOADS_SINCE_ENV = "CONSORTIUM_DBT_LOADS_SINCE"
# The reference tables int_settlements_netted joins (institutions, district codes).
CHAIN_REFERENCES = ("ref_institutions", "ref_district")
LINEAGE = ("_source_file", "_source_line", "_delivery_date", "_loaded_at", "_batch_id")
# What a build's result depends on besides the data.
PROJECT_PARTS = ("models", "macros", "seeds", "dbt_project.yml")


@dataclass(frozen=True)
class LoadState:
    loads_through: str | None  # the newest loaded_at, as DuckDB prints it; None: no load yet
    references: str  # fingerprint of CHAIN_REFERENCES' rows
    project: str = ""  # fingerprint of the dbt project's PROJECT_PARTS


def project_fingerprint(dbt_dir: str | Path) -> str:
    digest = hashlib.sha256()
    root = Path(dbt_dir)
    for part in PROJECT_PARTS:
        paths = [root / part] if (root / part).is_file() else sorted((root / part).rglob("*"))
        for path in paths:
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def state_path(warehouse: str | Path) -> Path:
    return Path(warehouse).resolve().with_name(STATE_FILE)


def read_load_state(warehouse: str | Path, dbt_dir: str | Path) -> LoadState:
    """What the warehouse and the dbt project hold now. Opened read-only: nothing else writes
    during a build."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        through = con.execute("SELECT CAST(max(loaded_at) AS VARCHAR) FROM audit.load_log"
                              ).fetchone()[0]
        parts = []
        for table in CHAIN_REFERENCES:
            columns = [name for (name,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' "
                "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()
                if name not in LINEAGE]
            if not columns:
                parts.append(f"{table}:absent")
                continue
            # A null spelt apart from every text, so ('a', null) and (null, 'a') differ.
            row = "concat_ws('|', " + ", ".join(
                f"coalesce(cast(\"{c}\" as varchar), chr(0))" for c in columns) + ")"
            parts.append(f"{table}:" + con.execute(
                f"SELECT coalesce(md5(string_agg({row}, chr(10) ORDER BY {row})), '') "
                f"FROM raw.{table}").fetchone()[0])
    finally:
        con.close()
    return LoadState(through, ";".join(parts), project_fingerprint(dbt_dir))


def take_previous_state(warehouse: str | Path) -> LoadState | None:
    """The state a complete build left, removed so that only the next complete build writes
    it again. None: no complete build since the last failure or subset."""
    path = state_path(warehouse)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        state = LoadState(data["loads_through"], data["references"], data["project"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        state = None
    path.unlink(missing_ok=True)
    return state


def record_complete_build(warehouse: str | Path, state: LoadState) -> None:
    state_path(warehouse).write_text(json.dumps(state.__dict__), encoding="utf-8")


def loads_since(previous: LoadState | None, now: LoadState) -> str | None:
    """`loads_since` for a build that may rebuild only the touched keys (the newest load the
    previous build saw), or None for a build of every row."""
    if previous is None or previous.loads_through is None:
        return None
    if previous.references != now.references or previous.project != now.project:
        return None
    return previous.loads_through
