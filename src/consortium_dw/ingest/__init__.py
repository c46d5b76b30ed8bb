"""Ingestion: landing folders -> pseudonymised, validated `raw.*` and `quarantine.*` tables."""

from consortium_dw.ingest.clock import LoadClock
from consortium_dw.ingest.landing import delivery_days, manifest_hashes, reference_hash
from consortium_dw.ingest.loader import FileOutcome, TableLoadResult, load_table
from consortium_dw.ingest.reference import load_reference
from consortium_dw.ingest.warehouse import ensure_schema

__all__ = ["FileOutcome", "LoadClock", "TableLoadResult", "delivery_days", "ensure_schema",
           "load_reference", "load_table", "manifest_hashes", "reference_hash"]
