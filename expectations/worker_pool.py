"""Validate a suite's batches in worker processes, so GX uses both cores.

GX's pandas engine is pure Python: in one process it keeps one core busy while the other
waits. Here each worker process takes one Arrow batch at a time (cheap to send), turns it into
the dataframe GX validates, runs the suite's stored validation definition on it (the result
lands in the same file store the Data Docs are built from) and sends back the result items.
The main process keeps reading the next batches meanwhile, and folds the results in batch
order, so the outcome is the one an in-process run gives.

The suite and its validation definition are stored by the main process before any batch is
sent; a worker opens the context again and keeps the definition until its fingerprint changes.
Workers are started once per process (spawn: the main process has DuckDB's threads running)
and kept for every later check of the run. A worker that dies (out of memory, killed) breaks
the pool: its batch and those still pending are validated in the main process instead, with a
warning, and later checks run in-process.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from consortium_dw.worker_start import give_main_a_file

log = logging.getLogger(__name__)

# 0 or 1: validate in the main process.
WORKERS = int(os.environ.get("CONSORTIUM_GX_WORKERS", str(min(2, os.cpu_count() or 1))))

# (data dir, suite name, fingerprint) -> validation definition, in a worker process.
_definitions: dict[tuple[str, str, str | None], object] = {}


def _validate_in_worker(data_dir: str, stored: tuple[str, str | None], label: str,
                        table: pa.Table, index_columns: list[str] | None,
                        run_time: datetime) -> tuple[int, list[dict]]:
    from expectations.context import get_context
    from expectations.frames import arrow_to_frame
    from expectations.gate import validate_frame

    key = (data_dir, *stored)
    definition = _definitions.get(key)
    if definition is None:
        definition = get_context(Path(data_dir)).validation_definitions.get(stored[0])
        _definitions[key] = definition
    frame = arrow_to_frame(table)
    return len(frame), validate_frame(definition, label, frame, index_columns, run_time)


class WorkerPool:
    def __init__(self, workers: int):
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.broken = False

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=give_main_a_file)
            return self._executor

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def validate(self, data_dir: Path, stored: tuple[str, str | None],
                 batches: Iterable[tuple[str, pa.Table]], index_columns: list[str] | None,
                 run_time: datetime,
                 in_process: Callable[[str, pa.Table], tuple[int, list[dict]]],
                 ) -> Iterator[tuple[str, int, list[dict]]]:
        """(label, rows, result items) per batch, in batch order. At most one batch per
        worker is in flight; `in_process` validates a batch here when the pool is broken."""
        pending: deque[tuple[str, pa.Table, Future | None]] = deque()

        def settle(label: str, table: pa.Table, future: Future | None):
            if future is not None:
                try:
                    rows, items = future.result()
                    return label, rows, items
                except BrokenProcessPool:
                    if not self.broken:
                        log.warning("a GX worker process died; validating in the main "
                                    "process from batch %s on", label)
                    self.broken = True
            rows, items = in_process(label, table)
            return label, rows, items

        for label, table in batches:
            while len(pending) >= self.workers:
                yield settle(*pending.popleft())
            future = None
            if not self.broken:
                try:
                    future = self._pool().submit(_validate_in_worker, str(data_dir), stored,
                                                 label, table, index_columns, run_time)
                except BrokenProcessPool:
                    self.broken = True
            pending.append((label, table, future))
        while pending:
            yield settle(*pending.popleft())


_shared: WorkerPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> WorkerPool | None:
    """The process' pool (None when WORKERS < 2 or the pool broke)."""
    global _shared
    if WORKERS < 2:
        return None
    with _shared_lock:
        if _shared is None:
            _shared = WorkerPool(WORKERS)
            atexit.register(_shared.shutdown)
        return None if _shared.broken else _shared
