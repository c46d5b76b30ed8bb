"""One load's notion of "now", in the contract's local time (Asia/Shanghai, UTC+8, no DST)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

LOCAL_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


_last_issued: datetime | None = None


@dataclass(frozen=True)
class LoadClock:
    loaded_at: datetime  # naive local time, as every timestamp in the extracts

    @classmethod
    def now(cls) -> LoadClock:
        # The load log picks "the last load of a day" by loaded_at, so two loads in one process
        # must never share a timestamp, even within the same microsecond.
        global _last_issued
        stamp = datetime.now(LOCAL_TIME).replace(tzinfo=None)
        if _last_issued is not None and stamp <= _last_issued:
            stamp = _last_issued + timedelta(microseconds=1)
        _last_issued = stamp
        return cls(stamp)

    @property
    def loaded_at_sql(self) -> str:
        return f"TIMESTAMP '{self.loaded_at.isoformat(sep=' ')}'"
