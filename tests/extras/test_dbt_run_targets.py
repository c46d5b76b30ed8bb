"""dbt's per-command target folders: the newest few stay, the command's own always; its
partial parse becomes the next command's start."""

import os

from consortium_dw.dbt_run_targets import keep_partial_parse, prune_run_targets


def _folder(root, name, mtime):
    path = root / name
    path.mkdir()
    (path / "dbt.log").write_text("log")
    os.utime(path, (mtime, mtime))
    return path


def test_the_newest_folders_and_the_commands_own_stay(tmp_path):
    folders = [_folder(tmp_path, f"dbt_warehouse-run{i:02d}-abc", 1_000_000 + i)
               for i in range(13)]
    current = folders[2]  # an older mtime than most: a long command's folder
    other_asset = _folder(tmp_path, "other_asset-run00-abc", 0)
    (tmp_path / "dbt_warehouse-not-a-folder").write_text("x")

    removed = prune_run_targets(current, "dbt_warehouse", keep=4)

    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([current.name, *(f.name for f in folders[-3:]), other_asset.name,
                           "dbt_warehouse-not-a-folder"])
    assert sorted(removed) == sorted(f for f in folders if f.name not in left)
    assert prune_run_targets(current, "dbt_warehouse", keep=4) == []


def test_a_commands_partial_parse_becomes_the_next_commands_start(tmp_path):
    seed = tmp_path / "partial_parse.msgpack"
    seed.write_bytes(b"parsed for another warehouse")
    failed_early = _folder(tmp_path, "dbt_warehouse-run01-abc", 1_000_000)
    assert not keep_partial_parse(failed_early)
    assert seed.read_bytes() == b"parsed for another warehouse"

    built = _folder(tmp_path, "dbt_warehouse-run02-abc", 1_000_001)
    (built / "partial_parse.msgpack").write_bytes(b"parsed for this warehouse")
    assert keep_partial_parse(built)
    assert seed.read_bytes() == b"parsed for this warehouse"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["partial_parse.msgpack"]
