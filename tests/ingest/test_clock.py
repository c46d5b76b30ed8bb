"""The load log orders loads by loaded_at, so no two loads may share a timestamp."""

from consortium_dw.ingest.clock import LoadClock


def test_load_timestamps_strictly_increase_even_within_one_microsecond():
    stamps = [LoadClock.now().loaded_at for _ in range(1000)]
    assert all(earlier < later for earlier, later in zip(stamps, stamps[1:], strict=False))
    assert stamps[0].tzinfo is None
