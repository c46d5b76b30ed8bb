"""Produce the next item of an iterator in a background thread while the caller works on the
current one.

The raw suites alternate between reading a batch (DuckDB and Arrow, which release the GIL)
and validating it (GX and pandas, which hold it); overlapping the two keeps the second core
busy. At most `depth` items wait in memory beside the one being consumed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
_POLL_SECONDS = 0.5


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


def prefetched(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Iterate `items` one ahead in a thread. An error raised while producing an item is
    raised here, at that item; leaving the loop early stops the producer."""
    pending: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, not lost
            offer(_Failure(error))
            return
        offer(_DONE)

    producer = threading.Thread(target=produce, name="prefetch", daemon=True)
    producer.start()
    try:
        while True:
            item = pending.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        producer.join()
