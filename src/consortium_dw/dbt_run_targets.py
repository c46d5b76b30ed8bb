"""Retention of dbt's per-command target folders.

dagster-dbt gives every dbt command of an asset its own folder under dbt/target
(`<op>-<run id>-<random>`: the manifest, run results, compiled SQL and dbt.log, about 10 MB
for the city year) and never removes one, so a daily build with its sensor runs would add
gigabytes a year. After each command the asset keeps the newest few, the command's own always
among them, for whoever inspects a recent run; Dagster's event log keeps every run's results.
"""

from __future__ import annotations

import shutil
from pathlib import Path

KEPT_RUN_TARGETS = 10


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
