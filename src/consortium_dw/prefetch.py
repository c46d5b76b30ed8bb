"""Produce the next item of an iterator in a background thread while the caller works on the
current one.

Ingestion chains two: the next batch is read (decoded, parsed: mostly Python) while this one is
judged and the one before written (DuckDB, which releases the GIL); the raw GX suites read the
next batch (DuckDB and Arrow) while GX validates this one. Either way the second core has work.
Items should be whole batches: a producer runs one item ahead, however small the item.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def prefetched(items: Iterable[T], name: str = "prefetch") -> Iterator[T]:
    """`items`, produced one step ahead in a thread; its exceptions re-raise here. Closing the
    consumer early stops the producer at its next step.

    The producer starts the next item only once the consumer has taken the previous one, so at
    most two batches are in memory: the one being written and the one being read."""
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                handoff.put((item, None))
                handoff.join()
        except BaseException as error:  # noqa: BLE001 (handed to the consumer, raised there)
            handoff.put((None, error))
            return
        handoff.put((done, None))

    producer = threading.Thread(target=produce, name=name, daemon=True)
    producer.start()
    try:
        while True:
            item, error = handoff.get()
            handoff.task_done()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while producer.is_alive():
            try:
                handoff.get(timeout=0.1)
                handoff.task_done()
            except queue.Empty:
                pass
