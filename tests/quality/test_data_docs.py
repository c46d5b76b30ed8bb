"""Data Docs after each check: that check's results are rendered and indexed, and each suite
keeps only the results of its latest runs (pages included), so the docs stop growing."""

import great_expectations as gx
import pandas as pd

from expectations.context import build_data_docs, data_docs_dir, get_context
from expectations.gate import SuiteRunner


def _suite() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name="docs_test.numbers", expectations=[
        gx.expectations.ExpectColumnValuesToNotBeNull(column="n")])


def _pages(data_dir) -> list[str]:
    root = data_docs_dir(data_dir) / "validations"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.html"))


def test_each_check_renders_its_own_results_and_old_runs_are_dropped(tmp_path):
    context = get_context(tmp_path)
    stamps = []
    for _ in range(3):
        runner = SuiteRunner(context)
        runner.run(_suite(), [("2025-01-01..2025-01-07", pd.DataFrame({"n": [1, 2]})),
                              ("2025-01-08..2025-01-14", pd.DataFrame({"n": [3, None]}))])
        build_data_docs(context, runner.result_identifiers(), keep_runs=2)
        stamps.append(runner.run_time.strftime("%Y%m%dT%H%M%S.%fZ"))
        assert len(runner.result_identifiers()) == 2 + 1  # two batches, and the suite

    # Two runs kept, two batches each; the first run's results and pages are gone.
    assert len(context.validation_results_store.list_keys()) == 4
    pages = _pages(tmp_path)
    assert len(pages) == 4
    assert not [p for p in pages if stamps[0] in p]
    assert len([p for p in pages if stamps[2] in p]) == 2
    assert any("batch_2025-01-08..2025-01-14" in p for p in pages)

    index = (data_docs_dir(tmp_path) / "index.html").read_text()
    assert stamps[2] in index and stamps[1] in index and stamps[0] not in index
