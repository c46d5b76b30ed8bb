"""On the generator's tiny district: quarantine = the generator's record of dirtied rows, the
accounting adds up for every file, a generator resend replaces its day, and no PII value of the
landing files is anywhere in DATA_DIR (warehouse, served copy, Dagster storage, logs)."""

import csv
import io
import json
import re
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from consortium_dw.contract import TABLES
from consortium_dw.generator import resend_day
from consortium_dw.ingest import load_table
from consortium_dw.marts_file import connect_warehouse


def load_all(con, landing):
    return {name: load_table(con, landing, table) for name, table in TABLES.items()}


def quarantined(con):
    found = set()
    for name in TABLES:
        found |= set(con.execute(f"SELECT _source_file, _source_line, _reason FROM "
                                 f"quarantine.{name}").fetchall())
    return found


def dirtied(landing: Path):
    with open(f"{landing}.dirtied.csv", encoding="utf-8") as handle:
        return {(f"{r['system']}/{r['delivery_date']}/{r['file']}", int(r["source_line"]),
                 r["reason"]) for r in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def tiny_copy(tiny_landing, tmp_path_factory):
    """A private copy (the resend rewrites folders in place) loaded once."""
    root = tmp_path_factory.mktemp("tiny_ingest")
    landing = root / "landing"
    shutil.copytree(tiny_landing, landing)
    shutil.copy(f"{tiny_landing}.dirtied.csv", f"{landing}.dirtied.csv")
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    results = load_all(con, landing)
    yield landing, con, results
    con.close()


def test_quarantine_matches_the_generators_dirtied_rows(tiny_copy):
    landing, con, _ = tiny_copy
    expected = dirtied(landing)
    assert expected, "the tiny district should contain dirtied rows"
    assert quarantined(con) == expected
    assert not con.execute("SELECT * FROM quarantine.rejected_files").fetchall()


def test_read_equals_loaded_plus_quarantined_for_every_file(tiny_copy):
    landing, con, results = tiny_copy
    manifest_rows = {}
    for manifest in landing.glob("*/*/_manifest.json"):
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["files"]:
            system, day = manifest.parent.parent.name, manifest.parent.name
            manifest_rows[f"{system}/{day}/{entry['name']}"] = entry["rows"]
    outcomes = [o for r in results.values() for o in r.outcomes]
    assert {o.source_file for o in outcomes} == set(manifest_rows)
    for o in outcomes:
        assert o.rows_read == manifest_rows[o.source_file] == o.rows_loaded + o.rows_quarantined
    per_file = con.execute("""
        SELECT l.system || '/' || l.delivery_date || '/' || l.file_name, l.rows_read,
               l.rows_loaded, l.rows_quarantined FROM audit.load_log l""").fetchall()
    held = {}
    for name in TABLES:
        for schema in ("raw", "quarantine"):
            for source, n in con.execute(f"SELECT _source_file, count(*) FROM {schema}.{name} "
                                         "GROUP BY 1").fetchall():
                held.setdefault(source, {})[schema] = n
    for source, read, loaded, rejected in per_file:
        assert read == loaded + rejected == manifest_rows[source]
        assert held.get(source, {}).get("raw", 0) == loaded
        assert held.get(source, {}).get("quarantine", 0) == rejected


def test_a_resend_replaces_its_day_and_a_second_load_changes_nothing(tiny_copy):
    landing, con, _ = tiny_copy
    change = resend_day(landing, "his", "2025-02-03")
    assert change["table"] == "outpatient_visits"
    load_all(con, landing)
    changed = change["changed"]
    # resend_day names a row by its key's values joined with "|".
    key = " || '|' || ".join(TABLES["outpatient_visits"].key)
    rows = con.execute(f"SELECT {changed['column']} FROM raw.outpatient_visits "
                       f"WHERE {key} = ?", [changed["key"]]).fetchall()
    assert rows == [(changed["new"],)]
    assert not con.execute(f"SELECT 1 FROM raw.outpatient_visits WHERE {key} = ?",
                           [change["dropped"]["key"]]).fetchall()
    day_rows = con.execute("SELECT count(*) FROM raw.outpatient_visits WHERE _delivery_date = "
                           "DATE '2025-02-03'").fetchall()[0][0]
    day_quarantined = con.execute("SELECT count(*) FROM quarantine.outpatient_visits WHERE "
                                  "_delivery_date = DATE '2025-02-03'").fetchall()[0][0]
    assert day_rows + day_quarantined == change["rows_after"]
    assert quarantined(con) == dirtied(landing)

    def state():
        return {f"{schema}.{name}": con.execute(
            f"SELECT count(*), sum(hash(t)) FROM {schema}.{name} t").fetchall()[0]
            for name in TABLES for schema in ("raw", "quarantine")}

    before = state()
    outcomes = [o for r in load_all(con, landing).values() for o in r.outcomes]
    assert {o.status for o in outcomes} == {"unchanged"}
    assert state() == before


# --- PII -------------------------------------------------------------------------------------

def landing_pii(landing: Path) -> set[str]:
    values = set()
    for manifest_path in landing.glob("*/*/_manifest.json"):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for entry in manifest["files"]:
            table = TABLES[entry["name"].rsplit(".", 1)[0]]
            pii = [c.name for c in table.pii_columns]
            if not pii:
                continue
            path = manifest_path.parent / entry["name"]
            if path.suffix == ".parquet":
                frame = pq.read_table(path, columns=pii).to_pylist()
            else:
                encoding = "utf-8-sig" if entry["encoding"].startswith("utf-8") \
                    else entry["encoding"]
                text = path.read_bytes().decode(encoding)
                frame = list(csv.DictReader(io.StringIO(text)))
            for row in frame:
                values.update(str(row[c]) for c in pii if row[c])
    return values


TOKEN = re.compile(r"[0-9A-Za-z]+")
HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")


def pii_in_bytes(data: bytes, tokens: set[str], names: set[str]) -> set[str]:
    """PII values found in a file's bytes: identifiers as whole tokens, names (≥ 2 Han
    characters) as substrings of runs of Han characters."""
    text = data.decode("utf-8", errors="ignore")
    found = {t for t in TOKEN.findall(text) if t in tokens}
    found |= {t.upper() for t in TOKEN.findall(text) if t.upper() in tokens}
    for run in HAN_RUN.findall(text):
        for size in range(2, min(len(run), 5) + 1):
            found |= {run[i:i + size] for i in range(len(run) - size + 1)
                      if run[i:i + size] in names}
    return found


@pytest.mark.slow
def test_no_pii_value_is_anywhere_in_the_data_dir(tiny_landing, tiny_warehouse):
    values = landing_pii(tiny_landing)
    names = {v for v in values if HAN_RUN.fullmatch(v)}
    tokens = {v for v in values if v not in names} | {v.upper() for v in values
                                                      if v not in names}
    assert len(names) > 100 and len(tokens) > 1000
    # Positive control: the same search finds clear text in a UTF-8 landing file.
    sample = next(Path(tiny_landing).glob("phs/*/fd_contracts.csv")).read_bytes()
    assert pii_in_bytes(sample, tokens, names)
    files = [p for p in Path(tiny_warehouse).rglob("*") if p.is_file()]
    assert any(p.name == "warehouse.duckdb" for p in files)
    assert any("dagster_home" in p.parts for p in files)
    leaks = {}
    for path in files:
        found = pii_in_bytes(path.read_bytes(), tokens, names)
        if found:
            leaks[str(path.relative_to(tiny_warehouse))] = sorted(found)[:5]
    assert leaks == {}
    # Compressed DuckDB pages would hide a value from a byte search: ask the engine as well.
    for database in ("warehouse.duckdb", "marts_db.duckdb", "serving.duckdb"):
        path = Path(tiny_warehouse) / database
        if not path.exists():
            continue
        # The warehouse's explain views read the marts file: attached, as every reader does.
        con = (connect_warehouse(path, read_only=True) if database == "warehouse.duckdb"
               else duckdb.connect(str(path), read_only=True))
        con.execute("CREATE TEMP TABLE pii(v VARCHAR)")
        con.executemany("INSERT INTO pii VALUES (?)", [(v,) for v in values | tokens])
        columns = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' AND table_catalog = current_database() "
            "AND table_schema NOT IN ('temp')").fetchall()
        hits = [f"{s}.{t}.{c}" for s, t, c in columns if con.execute(
            f'SELECT count(*) FROM "{s}"."{t}" WHERE "{c}" IN (SELECT v FROM pii)'
        ).fetchall()[0][0]]
        con.close()
        assert hits == [], database
