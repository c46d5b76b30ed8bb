"""Same seed, same bytes; a resend replaces one folder consistently; the CLI and the side
files; the population matches the residents."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import read_file, read_landing

from consortium_dw.generator import generate, resend_day

SMALL = {"residents": 400, "start": "2025-01-30", "end": "2025-02-03"}


def _digest_tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_output(tmp_path):
    a = generate("tiny", 5, tmp_path / "a" / "landing", **SMALL)
    b = generate("tiny", 5, tmp_path / "b" / "landing", **SMALL)
    assert _digest_tree(tmp_path / "a" / "landing") == _digest_tree(tmp_path / "b" / "landing")
    assert (tmp_path / "a" / "landing.dirtied.csv").read_bytes() == \
        (tmp_path / "b" / "landing.dirtied.csv").read_bytes()
    assert a["rows"] == b["rows"]
    c = generate("tiny", 6, tmp_path / "c" / "landing", **SMALL)
    assert _digest_tree(tmp_path / "a" / "landing") != _digest_tree(tmp_path / "c" / "landing")
    assert c["total_rows"] > 0


def test_side_files_sit_beside_the_landing_folder(tiny_landing, tiny_summary):
    assert not list(tiny_landing.glob("*.dirtied.csv"))
    assert tiny_summary["size"] == "tiny" and tiny_summary["seed"] == 7
    assert (tiny_summary["start"], tiny_summary["end"]) == ("2025-01-01", "2025-03-31")
    assert set(tiny_summary["rows"]) == {p for p in tiny_summary["rows"]}
    assert tiny_summary["files"] < 3000
    assert all(v > 0 for v in tiny_summary["rows"].values())


def test_population_matches_the_residents(tiny_landing, tiny_rows):
    pop = pd.read_csv(tiny_landing / "ref" / "population.csv", dtype={"township_code": str})
    assert pop["year"].unique().tolist() == [2025]
    assert pop["population"].sum() == 1500
    assert pop["age"].between(0, 100).all() and set(pop["sex"]) == {1, 2}
    elderly = pop.loc[pop["age"] >= 65, "population"].sum() / 1500
    assert 0.09 < elderly < 0.20  # 2020 census: 13.5 %
    townships = set(pop["township_code"])
    assert len(townships) == 15
    assert set(tiny_rows["fd_contracts"]["township_code"]) <= townships


def test_resend_replaces_one_folder_consistently(tiny_landing, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(tiny_landing, landing)
    dirty = tiny_landing.with_name(tiny_landing.name + ".dirtied.csv")
    shutil.copy(dirty, tmp_path / "landing.dirtied.csv")
    for system in ("insurance", "his"):
        day = sorted(p.name for p in (landing / system).iterdir())[5]
        before = read_landing(landing)
        change = resend_day(landing, system, day, seed=3)
        folder = landing / system / day
        manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
        entry = next(e for e in manifest["files"] if e["name"] == change["file"])
        raw = (folder / entry["name"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"]
        rows = read_file(folder / entry["name"], entry["encoding"])
        assert len(rows) == entry["rows"] == change["rows_before"] - 1
        key = rows.columns[0]
        assert change["dropped"]["key"].split("|")[0] not in set(rows[key])
        old = before[change["table"]]
        old = old[(old["_system"] == system) & (old["_day"] == day)]
        changed = rows[rows[key] == change["changed"]["key"].split("|")[0]]
        assert changed[change["changed"]["column"]].iloc[0] == change["changed"]["new"]
        assert change["changed"]["new"] != change["changed"]["old"]
        assert len(old) == len(rows) + 1
    # The dirtied-rows file still points at dirty rows.
    from conftest import violations
    ref = pd.read_csv(landing / "ref" / "institutions.csv", dtype=str)
    log = pd.read_csv(tmp_path / "landing.dirtied.csv", dtype=str, keep_default_na=False)
    after = read_landing(landing)
    for rec in log.itertuples():
        rows = after[rec.table]
        row = rows[(rows["_system"] == rec.system) & (rows["_day"] == rec.delivery_date)
                   & (rows["_line"] == int(rec.source_line))]
        found = violations(rec.table, rows, set(ref["inst_code"]))
        assert rec.reason in set(found.loc[found["row"] == row.index[0], "reason"])


def test_cli_writes_a_landing_folder(tmp_path):
    landing = tmp_path / "cli" / "landing"
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH",
                                                                                     "")])}
    done = subprocess.run([sys.executable, "-m", "consortium_dw.generator", "--size", "tiny",
                           "--seed", "2", "--landing", str(landing), "--residents", "200",
                           "--start", "2025-03-01", "--end", "2025-03-02", "--no-progress"],
                          capture_output=True, text=True, check=True, env=env)
    assert json.loads(done.stdout.strip().splitlines()[-1])["size"] == "tiny"
    assert (landing / "ref" / "institutions.csv").exists()
    assert (tmp_path / "cli" / "landing.generated.json").exists()


def test_refuses_to_replace_a_folder_that_is_not_a_landing(tmp_path):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        generate("tiny", 1, tmp_path / "precious", **SMALL)
    assert (tmp_path / "precious" / "notes.txt").exists()
