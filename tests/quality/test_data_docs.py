"""Data Docs: a check's results are rendered and indexed when it builds, or deferred to the
next build; each suite keeps only the results of its latest runs (pages included), so the
docs stop growing."""

import great_expectations as gx
import pandas as pd

from expectations.context import (
    build_data_docs,
    data_docs_dir,
    defer_data_docs,
    deferred_requests,
    get_context,
    page_identifiers,
    suite_page,
)
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
        build_data_docs(context, tmp_path, [runner.pages()], keep_runs=2)
        stamps.append(runner.run_time.strftime("%Y%m%dT%H%M%S.%fZ"))
        # Two batches; the suite's page only on the first run, when it was stored.
        assert len(page_identifiers(context, tmp_path, [runner.pages()])) == 2 + (not stamps[1:])

    # Two runs kept, two batches each; the first run's results and pages are gone.
    assert len(context.validation_results_store.list_keys()) == 4
    pages = _pages(tmp_path)
    assert len(pages) == 4
    assert not [p for p in pages if stamps[0] in p]
    assert len([p for p in pages if stamps[2] in p]) == 2
    assert any("batch_2025-01-08..2025-01-14" in p for p in pages)

    index = (data_docs_dir(tmp_path) / "index.html").read_text()
    assert stamps[2] in index and stamps[1] in index and stamps[0] not in index


def test_deferred_pages_wait_for_the_next_build_and_a_changed_suite_is_rendered_again(
        tmp_path):
    context = get_context(tmp_path)
    first = SuiteRunner(context)
    first.run(_suite(), [("2025-01-01..2025-01-01", pd.DataFrame({"n": [1]}))])
    build_data_docs(context, tmp_path, [first.pages()])
    assert "never be null" in suite_page(tmp_path, "docs_test.numbers").read_text()

    deferred = SuiteRunner(context)
    deferred.run(_suite(), [("2025-01-02..2025-01-02", pd.DataFrame({"n": [2]}))])
    defer_data_docs(tmp_path, deferred.pages())
    stamp = deferred.run_time.strftime("%Y%m%dT%H%M%S.%fZ")
    assert len(_pages(tmp_path)) == 1
    assert deferred_requests(tmp_path) == [deferred.pages()]

    # A later check's build renders its own page and the deferred one, and the page of the
    # suite it changed.
    changed = gx.ExpectationSuite(name="docs_test.numbers", expectations=[
        gx.expectations.ExpectColumnValuesToBeBetween(column="n", min_value=0)])
    runner = SuiteRunner(context)
    runner.run(changed, [("2025-01-03..2025-01-03", pd.DataFrame({"n": [3]}))])
    assert runner.pages().changed_suites == ["docs_test.numbers"]
    build_data_docs(context, tmp_path, [runner.pages()])
    pages = _pages(tmp_path)
    assert len(pages) == 3
    assert any(stamp in p for p in pages)
    assert deferred_requests(tmp_path) == []
    suite_text = suite_page(tmp_path, "docs_test.numbers").read_text()
    assert "greater than or equal to" in suite_text and "never be null" not in suite_text
