"""Run a GX suite over a stream of dataframes and fold the results into one outcome.

Severity lives on each expectation (GX's own field): `critical` is an ERROR (blocks
materialisation downstream and the publish), `warning` and `info` are recorded as WARN.
Samples of unexpected values never carry PII: values of PII columns are redacted.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.execution_engine import pandas_execution_engine

from expectations.context import PageRequest

# GX fingerprints every dataframe below this size (an md5 over a full row hash) only to label
# the batch; nothing here reads the fingerprint, and on a raw table it cost an eighth of the
# validation time. GX has no setting for it, so the module threshold is lowered.
pandas_execution_engine.HASH_THRESHOLD = 0

DATASOURCE = "consortium_pandas"
SAMPLE_SIZE = 5
REDACTED = "<redacted: PII>"


@dataclass
class FailedExpectation:
    expectation: str
    columns: list[str]
    severity: str  # "ERROR" or "WARN"
    unexpected_count: int = 0
    element_count: int = 0
    observed: object = None
    sample_values: list = field(default_factory=list)
    sample_rows: list = field(default_factory=list)
    batches: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict:
        row = {
            "expectation": self.expectation,
            "columns": self.columns,
            "severity": self.severity,
            "unexpected_count": self.unexpected_count,
            "element_count": self.element_count,
            "sample_values": self.sample_values,
            "sample_rows": self.sample_rows,
            "batches": self.batches[:SAMPLE_SIZE],
        }
        if self.observed is not None:
            row["observed"] = self.observed
        return row


@dataclass
class SuiteOutcome:
    suite: str
    batches: int = 0
    rows: int = 0
    evaluated: int = 0
    failed: list[FailedExpectation] = field(default_factory=list)

    @property
    def errors(self) -> list[FailedExpectation]:
        return [f for f in self.failed if f.severity == "ERROR"]

    @property
    def warnings(self) -> list[FailedExpectation]:
        return [f for f in self.failed if f.severity == "WARN"]


@dataclass
class GateOutcome:
    """Everything one asset check reports: several suites over one asset."""

    name: str
    suites: list[SuiteOutcome] = field(default_factory=list)
    data_docs: str | None = None

    @property
    def errors(self) -> list[FailedExpectation]:
        return [f for s in self.suites for f in s.errors]

    @property
    def warnings(self) -> list[FailedExpectation]:
        return [f for s in self.suites for f in s.warnings]

    @property
    def passed(self) -> bool:
        return not self.errors and not self.warnings

    @property
    def severity(self) -> str:
        return "ERROR" if self.errors else "WARN"

    def failed_expectation_names(self) -> set[str]:
        return {f"{s.suite}:{f.expectation}:{','.join(f.columns)}"
                for s in self.suites for f in s.failed}


def _severity(config: dict) -> str:
    return "ERROR" if config.get("severity", "critical") == "critical" else "WARN"


def _columns(kwargs: dict) -> list[str]:
    if "column" in kwargs:
        return [kwargs["column"]]
    if "column_list" in kwargs:
        return list(kwargs["column_list"])
    if "column_A" in kwargs:
        return [kwargs["column_A"], kwargs["column_B"]]
    return []


def _plain(value):
    """JSON-friendly scalars for Dagster metadata (numpy, Decimal, dates)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if hasattr(value, "item"):
        return _plain(value.item())
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _scrub(value, pii: set[str], columns: list[str]):
    if any(c in pii for c in columns):
        return REDACTED
    return value


def _scrub_row(row: dict, pii: set[str]) -> dict:
    return {k: (REDACTED if k in pii else v) for k, v in row.items()}


class SuiteRunner:
    """Validates dataframes against suites in one GX context, writing results to its stores
    (so the Data Docs show them)."""

    def __init__(self, context):
        self.context = context
        # Looked up before it is added: GX's add_or_update replaces the datasource with an
        # empty one, so every check re-added its assets and rewrote the project config.
        try:
            self.datasource = context.data_sources.get(DATASOURCE)
        except KeyError:
            self.datasource = context.data_sources.add_pandas(DATASOURCE)
        # One run time for everything this runner validates (one check), one run name per
        # batch: the stored results of a check are found again by their run time, and two
        # batches of a suite never share a result key.
        self.run_time = datetime.now(UTC)
        self.suite_names: list[str] = []
        self.changed_suites: list[str] = []

    def pages(self) -> PageRequest:
        """What the Data Docs must render after this runner: its stored results, and the
        pages of the suites it stored anew (expectations/context.py renders them)."""
        return PageRequest(run_stamp=RunIdentifier(run_time=self.run_time).to_tuple()[1],
                           suites=list(self.suite_names),
                           changed_suites=list(self.changed_suites))

    def _stored_suite(self, suite: gx.ExpectationSuite) -> gx.ExpectationSuite:
        """The suite as stored, replaced only when its expectations changed (GX's own
        add_or_update compares expectation by expectation, in quadratic time)."""
        fingerprint = hashlib.sha256(json.dumps(
            [e.configuration.to_json_dict() for e in suite.expectations], sort_keys=True,
            default=str).encode()).hexdigest()
        try:
            stored = self.context.suites.get(suite.name)
        except Exception:  # noqa: BLE001 - GX raises its own not-found types per version
            stored = None
        if stored is not None and stored.meta.get("fingerprint") == fingerprint:
            return stored
        if stored is not None:
            self.context.suites.delete(suite.name)
        suite.meta["fingerprint"] = fingerprint
        self.changed_suites.append(suite.name)
        return self.context.suites.add(suite)

    def _validation_definition(self, suite: gx.ExpectationSuite):
        suite = self._stored_suite(suite)
        try:
            asset = self.datasource.get_asset(suite.name)
        except LookupError:
            asset = self.datasource.add_dataframe_asset(suite.name)
        try:
            batch = asset.get_batch_definition("whole")
        except (KeyError, LookupError):
            batch = asset.add_batch_definition_whole_dataframe("whole")
        definitions = self.context.validation_definitions
        try:
            existing = definitions.get(suite.name)
        except Exception:  # noqa: BLE001 - not found
            existing = None
        if existing is not None:
            if existing.suite.meta.get("fingerprint") == suite.meta.get("fingerprint"):
                return existing
            definitions.delete(suite.name)
        return definitions.add(gx.ValidationDefinition(name=suite.name, data=batch, suite=suite))

    def run(self, suite: gx.ExpectationSuite, batches: Iterable[tuple[str, pd.DataFrame]],
            index_columns: list[str] | None = None,
            pii_columns: Iterable[str] = ()) -> SuiteOutcome:
        """`batches` yields (label, dataframe); each is validated and then dropped, so memory
        holds one batch at a time."""
        pii = set(pii_columns)
        definition = self._validation_definition(suite)
        self.suite_names.append(definition.suite.name)
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
        outcome = SuiteOutcome(suite=suite.name)
        failures: dict[str, FailedExpectation] = {}
        for label, frame in batches:
            fmt = dict(result_format)
            usable_index = [c for c in (index_columns or []) if c in frame.columns]
            if usable_index and len(frame):
                fmt["unexpected_index_column_names"] = usable_index
            # Prefixed: Data Docs parse a run name as a date when they can, and choke on
            # "2025-01-01..2025-01-30".
            run_id = RunIdentifier(
                run_name="batch_" + re.sub(r"[^0-9A-Za-z._-]+", "_", label),
                run_time=self.run_time)
            result = definition.run(batch_parameters={"dataframe": frame}, result_format=fmt,
                                    run_id=run_id)
            outcome.batches += 1
            outcome.rows += len(frame)
            outcome.evaluated += len(result.results)
            for item in result.results:
                self._fold(item.to_json_dict(), label, failures, pii)
        outcome.failed = list(failures.values())
        return outcome

    @staticmethod
    def _fold(item: dict, label: str, failures: dict, pii: set[str]) -> None:
        if item["success"]:
            return
        config = item["expectation_config"]
        kwargs = config.get("kwargs", {})
        columns = _columns(kwargs)
        key = config.get("id") or f"{config['type']}:{columns}"
        failure = failures.setdefault(key, FailedExpectation(
            expectation=config["type"], columns=columns, severity=_severity(config)))
        result = item.get("result") or {}
        exception = (item.get("exception_info") or {}).get("exception_message")
        if exception:
            failure.observed = f"exception: {exception}"
        failure.batches.append(label)
        failure.unexpected_count += int(result.get("unexpected_count") or 0)
        failure.element_count += int(result.get("element_count") or 0)
        if "observed_value" in result and failure.observed is None:
            failure.observed = _plain(_scrub(result["observed_value"], pii, columns))
        if "partial_missing_list" in result and failure.observed is None:
            failure.observed = {"missing": _plain(result["partial_missing_list"])}
        room = SAMPLE_SIZE - len(failure.sample_values)
        if room > 0:
            values = [_scrub(v, pii, columns)
                      for v in result.get("partial_unexpected_list") or []][:room]
            failure.sample_values.extend(_plain(values))
        room = SAMPLE_SIZE - len(failure.sample_rows)
        if room > 0:
            rows = [r for r in result.get("partial_unexpected_index_list") or []
                    if isinstance(r, dict)][:room]
            failure.sample_rows.extend(_plain([_scrub_row(r, pii) for r in rows]))
