"""GX outcome -> Dagster AssetCheckResult (dagster-ge targets GX < 1.0, so this is ours).

ERROR when a `critical` expectation failed (a blocking check then stops everything downstream,
the publish included); WARN when only `warning` expectations failed (recorded, not blocking).
"""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from expectations.gate import GateOutcome

LISTED_FAILURES = 50


def _summary_markdown(outcome: GateOutcome) -> str:
    lines = ["| suite | batches | rows | expectations | errors | warnings |",
             "|---|---|---|---|---|---|"]
    for s in outcome.suites:
        lines.append(f"| {s.suite} | {s.batches} | {s.rows} | {s.evaluated} | "
                     f"{len(s.errors)} | {len(s.warnings)} |")
    failures = [(s.suite, f) for s in outcome.suites for f in s.failed]
    if failures:
        lines += ["", "| severity | suite | expectation | columns | unexpected | sample |",
                  "|---|---|---|---|---|---|"]
        for suite, f in failures[:LISTED_FAILURES]:
            sample = f.sample_values[:3] if f.sample_values else f.observed
            lines.append(f"| {f.severity} | {suite} | {f.expectation} | "
                         f"{', '.join(f.columns)} | {f.unexpected_count} | "
                         f"{str(sample)[:120].replace('|', '/')} |")
    return "\n".join(lines)


def to_check_result(outcome: GateOutcome, **kwargs) -> AssetCheckResult:
    """kwargs pass through (e.g. `check_name`, `asset_key` for multi-check functions)."""
    failures = [dict(f.as_metadata(), suite=s.suite) for s in outcome.suites for f in s.failed]
    metadata = {
        "errors": len(outcome.errors),
        "warnings": len(outcome.warnings),
        "unexpected_rows": sum(f.unexpected_count for f in outcome.errors + outcome.warnings),
        "rows_validated": sum(s.rows for s in outcome.suites),
        "batches_validated": sum(s.batches for s in outcome.suites),
        "expectations_evaluated": sum(s.evaluated for s in outcome.suites),
        "failed_expectations": MetadataValue.json(failures[:LISTED_FAILURES]),
        "summary": MetadataValue.md(_summary_markdown(outcome)),
    }
    if outcome.data_docs:
        metadata["data_docs"] = MetadataValue.url(f"file://{outcome.data_docs}")
    if outcome.errors:
        passed, severity = False, AssetCheckSeverity.ERROR
    elif outcome.warnings:
        passed, severity = False, AssetCheckSeverity.WARN
    else:
        passed, severity = True, AssetCheckSeverity.ERROR
    description = (f"{outcome.name}: {len(outcome.errors)} failed ERROR and "
                   f"{len(outcome.warnings)} failed WARN expectations")
    return AssetCheckResult(passed=passed, severity=severity, metadata=metadata,
                            description=description, **kwargs)
