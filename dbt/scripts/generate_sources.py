"""Write models/staging/_sources.yml from the extract contract (src/consortium_dw/contract.py).

Run from the repository root: `PYTHONPATH=src .venv/bin/python dbt/scripts/generate_sources.py`.
The output is committed; re-run it when the contract changes.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from consortium_dw import contract

OUT = Path(__file__).resolve().parents[1] / "models" / "staging" / "_sources.yml"
LINEAGE_DOCS = {
    "_source_file": "File the row was loaded from.",
    "_source_line": "1-based ordinal of the data row in its file (header excluded).",
    "_delivery_date": "Business day of the delivery folder.",
    "_loaded_at": "When ingestion loaded the row.",
    "_batch_id": "Ingestion batch (audit.load_log).",
}


def column_doc(column: contract.Column, key: tuple[str, ...]) -> dict:
    parts = [column.description] if column.description else []
    parts.append(f"{contract.DUCKDB_TYPES[column.type]}")
    if column.pii:
        parts.append(f"PII ({column.pii.value}): HMAC-SHA256 hex")
    if column.codes:
        parts.append("codes: " + " / ".join(column.codes))
    if column.code_pattern:
        parts.append(f"an open set: any code matching {column.code_pattern} is valid")
    doc: dict = {"name": column.name, "description": "; ".join(parts)}
    tests = []
    # Ingestion quarantines rows that break the contract; these tests re-check what staging
    # relies on (keys present, codes in their sets) without testing every column twice.
    if column.name in key:
        tests.append("not_null")
    if column.codes and not column.code_pattern:
        tests.append({"accepted_values": {"arguments": {"values": list(column.codes)}}})
    if tests:
        doc["data_tests"] = tests
    return doc


def table_entry(table: contract.Table) -> dict:
    columns = [column_doc(c, table.key) for c in table.columns]
    columns += [{"name": n, "description": d} for n, d in LINEAGE_DOCS.items()]
    return {
        "name": table.name,
        "identifier": table.name,
        "description": table.description or f"{table.system}.{table.name} as delivered "
        f"(key {', '.join(table.key)}; all versions).",
        "meta": {"dagster": {"asset_key": ["raw", table.name]}},
        "columns": columns,
    }


def ref_entry(name: str, columns) -> dict:
    return {
        "name": f"ref_{name}",
        "identifier": f"ref_{name}",
        "description": f"Reference data ref/{name}.csv, replaced whole when it changes.",
        "meta": {"dagster": {"asset_key": ["raw", f"ref_{name}"]}},
        "columns": [{"name": c, "description": t} for c, t in columns],
    }


def main() -> None:
    sources = []
    for system in contract.SYSTEMS:
        sources.append({
            "name": system,
            "schema": "raw",
            "description": f"Raw layer of the {system} extract (written by ingestion).",
            "tables": [table_entry(t) for t in contract.TABLES_BY_SYSTEM[system]],
        })
    sources.append({
        "name": "ref",
        "schema": "raw",
        "description": "Reference data: the district, every institution, the population.",
        "tables": [ref_entry(n, cols) for n, cols in contract.REF_TABLES.items()],
    })
    header = "# Generated from src/consortium_dw/contract.py by dbt/scripts/generate_sources.py.\n"
    body = yaml.safe_dump({"version": 2, "sources": sources}, allow_unicode=True,
                          sort_keys=False, width=100)
    OUT.write_text(header + body, encoding="utf-8")


if __name__ == "__main__":
    main()
