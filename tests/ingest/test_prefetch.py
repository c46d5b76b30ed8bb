"""Ingestion reads the next batch while DuckDB writes this one, and the raw GX suites read the
next batch while GX validates this one (consortium_dw/prefetch.py): the items must come in
order, a producer's error must reach the caller at that item, and leaving early must stop the
producer."""

import threading

import pytest

from consortium_dw.prefetch import prefetched


def test_items_arrive_in_order_and_all_of_them():
    assert list(prefetched(iter(range(50)))) == list(range(50))


def test_an_error_while_producing_is_raised_at_that_item():
    def batches():
        yield "first day"
        raise ValueError("warehouse read failed")

    seen = []
    with pytest.raises(ValueError, match="warehouse read failed"):
        for item in prefetched(batches()):
            seen.append(item)
    assert seen == ["first day"]


def test_leaving_early_stops_the_producer():
    produced = []

    def batches():
        for n in range(1000):
            produced.append(n)
            yield n

    for item in prefetched(batches()):
        if item == 2:
            break
    # One item in the queue and one being offered at most, never the whole stream.
    assert len(produced) <= 5
    assert not any(t.name == "prefetch" and t.is_alive() for t in threading.enumerate())
