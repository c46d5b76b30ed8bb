"""One file-backed GX context per DATA_DIR: stores under $DATA_DIR/gx, Data Docs in
$DATA_DIR/data_docs (a static folder the README and the Dagster metadata link to)."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
)

DATA_DOCS_SITE = "consortium_data_docs"
# Data Docs render the pages of the checks that asked, and the index lists the newest results
# only: a full rebuild rendered every stored result on every check (6 s per check on the city
# bench, and growing with every run). Each build of the site pays a fixed cost (its page
# templates compiled again, the stores listed): on the city bench's extra day the 13 raw gates
# spent 5.5 s of their 13 s rendering their own pages, which one build renders in 1.0 s. So a
# raw gate that passed defers its pages (defer_data_docs); the next build renders them with
# its own: the metric_values gate's, the last of every build, or a raw gate that found
# something, whose pages and index cannot wait (expectations/raw_gate.py).
INDEX_RESULTS_LIMIT = 100
# The validation results kept per suite: the results of its latest runs (one run = one check
# of one suite, every batch of it). Older ones are deleted, with their pages.
RUNS_KEPT_PER_SUITE = 7
# GX's default tqdm bars would flood the Dagster logs.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
logging.getLogger("great_expectations").setLevel(logging.WARNING)


@dataclass(frozen=True)
class PageRequest:
    """The pages one check asks for: its stored results (those of `suites` validated at
    `run_stamp`, GX's run-time string) and the pages of the suites it stored anew."""

    run_stamp: str
    suites: list[str]
    changed_suites: list[str]


def data_docs_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "data_docs"


def deferred_pages_path(data_dir: Path) -> Path:
    """Beside GX's own stores, not in the served site."""
    return Path(data_dir) / "gx" / "uncommitted" / "deferred_data_docs.json"


def suite_page(data_dir: Path, suite: str) -> Path:
    """Where the site keeps a suite's page (GX splits the suite name at its dots)."""
    return data_docs_dir(data_dir) / "expectations" / (suite.replace(".", "/") + ".html")


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


def deferred_requests(data_dir: Path) -> list[PageRequest]:
    path = deferred_pages_path(data_dir)
    if not path.exists():
        return []
    return [PageRequest(**item) for item in json.loads(path.read_text())]


def defer_data_docs(data_dir: Path, request: PageRequest) -> None:
    """Leave `request`'s pages to the next build_data_docs, in this process or a later one.
    The list is replaced whole, so a reader never sees half of it."""
    path = deferred_pages_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps([asdict(r) for r in [*deferred_requests(data_dir), request]]))
    scratch.replace(path)


def page_identifiers(context, data_dir: Path, requests: list[PageRequest]) -> list:
    """The stored results and suites whose pages `requests` ask for. A result pruned since it
    was asked for is skipped; a suite page is rendered when its suite changed or the page is
    missing (a new site)."""
    wanted = {(r.run_stamp, suite) for r in requests for suite in r.suites}
    results = [key for key in context.validation_results_store.list_keys()
               if (key.run_id.to_tuple()[1], key.expectation_suite_identifier.name) in wanted]
    suites = sorted({s for r in requests for s in r.changed_suites}
                    | {s for r in requests for s in r.suites
                       if not suite_page(data_dir, s).exists()})
    return [*results, *(ExpectationSuiteIdentifier(name=s) for s in suites)]


def build_data_docs(context, data_dir: Path, requests: list[PageRequest] | None = None,
                    keep_runs: int = RUNS_KEPT_PER_SUITE, build_index: bool = True) -> None:
    """Render the pages of `requests` and of every deferred request (every stored result and
    suite when `requests` is None) and, with `build_index`, the index. Data Docs are a report,
    not a gate: a failure to render must not fail the check, and leaves the deferred requests
    for the next build."""
    try:
        prune_validation_results(context, keep_runs)
        identifiers = None
        if requests is not None:
            identifiers = page_identifiers(context, data_dir,
                                           [*deferred_requests(data_dir), *requests])
        # GX reads an empty list as "every page": nothing asked for is nothing to render.
        if identifiers is None or identifiers:
            context.build_data_docs(site_names=[DATA_DOCS_SITE],
                                    resource_identifiers=identifiers, build_index=build_index)
        deferred_pages_path(data_dir).unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - logged; the validation outcome stands on its own
        logging.getLogger(__name__).exception("building the Data Docs failed")
