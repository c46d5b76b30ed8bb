"""The month writer: the forked child writes the same bytes as the in-process path, and a
failure in the child surfaces as an error instead of a missing month."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from consortium_dw.contract import TABLES
from consortium_dw.generator import generate
from consortium_dw.generator.background import FolderToWrite, MonthWriter, can_fork

SMALL = {"residents": 300, "start": "2025-01-30", "end": "2025-02-03"}


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.skipif(not can_fork(), reason="the background writer needs fork")
def test_background_and_in_process_writing_give_the_same_bytes(tmp_path):
    forked = generate("tiny", 3, tmp_path / "forked" / "landing", **SMALL)
    inline = generate("tiny", 3, tmp_path / "inline" / "landing", background_writer=False,
                      **SMALL)
    assert _digests(tmp_path / "forked" / "landing") == _digests(tmp_path / "inline" / "landing")
    assert (tmp_path / "forked" / "landing.dirtied.csv").read_bytes() == \
        (tmp_path / "inline" / "landing.dirtied.csv").read_bytes()
    for key in ("rows", "files", "megabytes", "dirtied", "settlements"):
        assert forked[key] == inline[key]
    assert forked["megabytes"] > 0


def _one_folder(folder: Path) -> FolderToWrite:
    table = TABLES["literacy_survey"]
    columns = {c.name: np.array(["1"], dtype=object) for c in table.columns}
    return FolderToWrite(folder, table.system, "2025-01-02", [(table, columns)])


@pytest.mark.skipif(not can_fork(), reason="the background writer needs fork")
def test_a_failed_month_raises_and_earlier_months_are_kept(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the system folder should be")
    writer = MonthWriter(background=True, in_flight=2)
    writer.submit([_one_folder(tmp_path / "phs" / "2025-01-02")])
    writer.submit([_one_folder(blocker / "2025-01-03")])
    with pytest.raises(RuntimeError, match="writing a month's delivery folders failed"):
        writer.wait()
    assert (tmp_path / "phs" / "2025-01-02" / "_manifest.json").exists()
    assert (tmp_path / "phs" / "2025-01-02" / "literacy_survey.csv").stat().st_size > 0
