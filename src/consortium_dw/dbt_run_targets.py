"""What stays of dbt's per-command target folders.

dagster-dbt gives every dbt command of an asset its own folder under dbt/target
(`<op>-<run id>-<random>`: the manifest, run results, compiled SQL and dbt.log, about 10 MB
for the city year) and never removes one, so a daily build with its sensor runs would add
gigabytes a year. After each command the asset keeps the newest few, the command's own always
among them, for whoever inspects a recent run; Dagster's event log keeps every run's results.

dagster-dbt also starts each command from dbt/target/partial_parse.msgpack, which only a
`dbt parse` in dbt/target rewrites (the code location's, when the project changed). dbt keys a
partial parse on the profile's connection, the warehouse path included, so after a parse for
another warehouse (a test's, a second data folder's) every command parsed the whole project
again: about 3 s more of a city extra day's dbt step (docs/performance.md). Each command's own
partial parse, written for the warehouse it built, becomes the next command's start.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

KEPT_RUN_TARGETS = 10
PARTIAL_PARSE = "partial_parse.msgpack"


def prune_run_targets(current: Path, prefix: str, keep: int = KEPT_RUN_TARGETS) -> list[Path]:
    """Remove the folders `<prefix>-*` beside `current` (a command's target folder) but the
    newest `keep`, counting `current`, which always stays. Returns the folders removed."""
    current = Path(current)
    folders = sorted((p for p in current.parent.glob(f"{prefix}-*")
                      if p.is_dir() and p != current),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    removed = folders[max(keep - 1, 0):]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def keep_partial_parse(current: Path) -> bool:
    """Make the partial parse `current` (a command's target folder) wrote the one the next
    command starts from, replaced whole so a reader never sees half a file. False when the
    command wrote none (it failed before parsing)."""
    written = Path(current) / PARTIAL_PARSE
    if not written.is_file():
        return False
    seed = Path(current).parent / PARTIAL_PARSE
    staged = seed.with_name(f".{PARTIAL_PARSE}.{os.getpid()}")
    shutil.copyfile(written, staged)
    os.replace(staged, seed)
    return True
