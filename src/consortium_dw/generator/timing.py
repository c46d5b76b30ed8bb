"""Random days and times inside a month, vectorised."""

from __future__ import annotations

import datetime as dt

import numpy as np

SECOND = np.timedelta64(1, "s")
DAY = np.timedelta64(1, "D")


def month_days(first: dt.date, last: dt.date) -> np.ndarray:
    return np.arange(np.datetime64(first), np.datetime64(last) + DAY, dtype="datetime64[D]")


def random_days(rng: np.random.Generator, days: np.ndarray, n: int,
                weekend_weight: float = 1.0) -> np.ndarray:
    weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    w = np.where(weekday >= 5, weekend_weight, 1.0)
    return days[rng.choice(len(days), n, p=w / w.sum())]


def at_time(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[s]") + np.asarray(seconds, dtype=np.int64) * SECOND


def office_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Between 08:00 and 17:30, busier in the morning."""
    morning = rng.random(n) < 0.62
    return np.where(morning, rng.integers(8 * 3600, 12 * 3600, n),
                    rng.integers(14 * 3600, 17 * 3600 + 1800, n))


def any_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 24 * 3600, n)


def day_of(times: np.ndarray) -> np.ndarray:
    return np.asarray(times).astype("datetime64[D]")
