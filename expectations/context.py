"""One file-backed GX context per DATA_DIR: stores under $DATA_DIR/gx, Data Docs in
$DATA_DIR/data_docs (a static folder the README and the Dagster metadata link to)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig

DATA_DOCS_SITE = "consortium_data_docs"
# Data Docs are rebuilt for each check's own results, and the index lists the newest results
# only: a full rebuild rendered every stored result on every check (6 s per check on the city
# bench, and growing with every run). The index (0.3-0.7 s: it re-reads those results) is
# rebuilt by the metric_values gate, the last of every build, and by a raw gate that found
# something; a raw gate that passed leaves it to them (expectations/raw_gate.py).
INDEX_RESULTS_LIMIT = 100
# The validation results kept per suite: the results of its latest runs (one run = one check
# of one suite, every batch of it). Older ones are deleted, with their pages.
RUNS_KEPT_PER_SUITE = 7
# GX's default tqdm bars would flood the Dagster logs.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
logging.getLogger("great_expectations").setLevel(logging.WARNING)


def data_docs_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "data_docs"


def data_docs_index(data_dir: Path) -> Path:
    return data_docs_dir(data_dir) / "index.html"


def get_context(data_dir: Path):
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(data_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    site_config = {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(data_docs_dir(data_dir).resolve()),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder",
                               "validation_results_limit": INDEX_RESULTS_LIMIT},
    }
    sites = context.variables.data_docs_sites or {}
    if sites.get(DATA_DOCS_SITE) != site_config or len(sites) != 1:
        for name in list(sites):
            context.delete_data_docs_site(name)
        context.add_data_docs_site(DATA_DOCS_SITE, site_config)
    return context


def prune_validation_results(context, keep_runs: int = RUNS_KEPT_PER_SUITE) -> int:
    """Delete each suite's results older than its latest `keep_runs` runs; the next Data Docs
    build drops their pages. Returns how many results were deleted."""
    store = context.validation_results_store
    by_suite: dict[str, dict[str, list]] = {}
    for key in store.list_keys():
        suite = key.expectation_suite_identifier.name
        by_suite.setdefault(suite, {}).setdefault(key.run_id.to_tuple()[1], []).append(key)
    deleted = 0
    for runs in by_suite.values():
        for run_time in sorted(runs, reverse=True)[keep_runs:]:
            for key in runs[run_time]:
                store.remove_key(key)
                deleted += 1
    return deleted


def build_data_docs(context, resource_identifiers: list | None = None,
                    keep_runs: int = RUNS_KEPT_PER_SUITE, build_index: bool = True) -> None:
    """Render the pages of `resource_identifiers` (every stored result and suite when None)
    and, with `build_index`, the index. Data Docs are a report, not a gate: a failure to
    render must not fail the check."""
    try:
        prune_validation_results(context, keep_runs)
        context.build_data_docs(site_names=[DATA_DOCS_SITE],
                                resource_identifiers=resource_identifiers or None,
                                build_index=build_index)
    except Exception:  # noqa: BLE001 - logged; the validation outcome stands on its own
        logging.getLogger(__name__).exception("building the Data Docs failed")
