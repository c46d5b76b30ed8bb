"""One load's notion of "now", in the contract's local time (Asia/Shanghai, UTC+8, no DST)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

LOCAL_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class LoadClock:
    loaded_at: datetime  # naive local time, as every timestamp in the extracts

    @classmethod
    def now(cls) -> LoadClock:
        return cls(datetime.now(LOCAL_TIME).replace(tzinfo=None, microsecond=0))

    @property
    def loaded_at_sql(self) -> str:
        return f"TIMESTAMP '{self.loaded_at.isoformat(sep=' ')}'"
