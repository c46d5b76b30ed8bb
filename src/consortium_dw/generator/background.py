"""Encodes and writes a month's delivery folders in a forked child process while the parent
simulates the next month.

Encoding (Arrow conversion, CSV/Parquet, GB18030, sha256) is about half of a run's CPU and
depends on nothing the parent does next, so it overlaps with the simulation on a second core.
A forked child inherits the month's rendered columns without pickling them; only the byte
count comes back. At most `in_flight` children (two) run at a time, so the parent never runs
more than two months ahead and memory stays bounded by about two extra months of rendered
rows. The bytes written are exactly those of the in-process path
(the same `encode_file`), so output stays byte-identical for a seed.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import traceback
from dataclasses import dataclass
from pathlib import Path

from consortium_dw.contract import Table, file_name


@dataclass
class FolderToWrite:
    """One system's delivery on one day: files in contract order, columns already dirtied."""

    folder: Path
    system: str
    day: str
    files: list[tuple[Table, dict]]


def write_folders(folders: list[FolderToWrite]) -> int:
    """Write each folder's files and manifest; return the bytes written (manifests excluded)."""
    from consortium_dw.generator.delivery import encode_file, write_manifest

    total = 0
    for item in folders:
        item.folder.mkdir(parents=True, exist_ok=True)
        entries = []
        for table, columns in item.files:
            raw, encoding = encode_file(table, columns)
            name = file_name(table)
            (item.folder / name).write_bytes(raw)
            entries.append({"name": name, "rows": len(columns[table.key[0]]),
                            "sha256": hashlib.sha256(raw).hexdigest(), "encoding": encoding})
            total += len(raw)
        write_manifest(item.folder, item.system, item.day, entries)
    return total


def _child(folders: list[FolderToWrite], reply) -> None:
    try:
        reply.send(("ok", write_folders(folders)))
    except BaseException:  # the parent re-raises it: a month must never be silently missing
        reply.send(("error", traceback.format_exc()))
    finally:
        reply.close()


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class MonthWriter:
    """Writes months of folders, each in a child process (or in this process when
    `background` is false or fork is unavailable)."""

    def __init__(self, background: bool = True, in_flight: int = 2):
        self.background = background and can_fork()
        self.in_flight = in_flight
        self.bytes = 0
        self._running: list = []  # (process, connection) per month being written, oldest first

    def submit(self, folders: list[FolderToWrite]) -> None:
        if not folders:
            return
        if not self.background:
            self.bytes += write_folders(folders)
            return
        while len(self._running) >= self.in_flight:
            self._wait_oldest()
        context = multiprocessing.get_context("fork")
        receive, reply = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(folders, reply), daemon=True,
                                  name="generator-writer")
        process.start()
        reply.close()
        self._running.append((process, receive))

    def wait(self) -> None:
        """Block until every submitted month is on disk; raise if a child failed."""
        while self._running:
            self._wait_oldest()

    def _wait_oldest(self) -> None:
        process, receive = self._running.pop(0)
        try:
            status, payload = receive.recv()
        except EOFError:
            status, payload = "error", "the writer process ended without a reply"
        finally:
            receive.close()
        process.join()
        if status != "ok" or process.exitcode != 0:
            self.wait()  # the other months finish writing before the error surfaces
            raise RuntimeError(f"writing a month's delivery folders failed "
                               f"(exit code {process.exitcode}):\n{payload}")
        self.bytes += payload
