"""The scenario: sizes, rates and the per-year reform parameters, read from scenario.yaml."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

SCENARIO_FILE = Path(__file__).with_name("scenario.yaml")
SIZES = ("tiny", "demo", "city")


@dataclass
class Scenario:
    size: str
    seed: int
    residents: int
    start: dt.date
    end: dt.date
    dirty_rate: float
    config: dict

    @property
    def district(self) -> dict:
        return self.config["district"]

    @property
    def rates(self) -> dict:
        return self.config["rates"]

    def phase(self, year: int) -> str:
        phases = {int(y): p for y, p in self.config["phases"].items()}
        years = sorted(phases)
        if year <= years[0]:
            return phases[years[0]]
        return phases[max(y for y in years if y <= year)]

    def params(self, year: int) -> dict:
        return self.config["phase_parameters"][self.phase(year)]

    def months(self) -> list[dt.date]:
        """First days of the calendar months the window touches."""
        out, d = [], self.start.replace(day=1)
        while d <= self.end:
            out.append(d)
            d = (d + dt.timedelta(days=32)).replace(day=1)
        return out

    @property
    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))


def _as_date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def load_scenario(size: str, seed: int, scenario_file: Path | None = None, **overrides) -> Scenario:
    """Overrides: residents, start, end, dirty_rate, and any top-level section of the yaml as a
    dict merged over it (e.g. ``rates={"admissions_per_year": 0.2}``)."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; expected one of {SIZES}")
    config = yaml.safe_load(Path(scenario_file or SCENARIO_FILE).read_text(encoding="utf-8"))
    config = copy.deepcopy(config)
    base = config["sizes"][size]
    residents = int(overrides.pop("residents", None) or base["residents"])
    start = _as_date(overrides.pop("start", None) or base["start"])
    end = _as_date(overrides.pop("end", None) or base["end"])
    dirty_rate = overrides.pop("dirty_rate", None)
    dirty_rate = float(config["dirty"]["rate"] if dirty_rate is None else dirty_rate)
    for section, values in overrides.items():
        if section not in config or not isinstance(values, dict):
            raise ValueError(f"unknown override {section!r}")
        config[section].update(values)
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if residents < 100:
        raise ValueError("a district needs at least 100 residents")
    return Scenario(size, int(seed), residents, start, end, dirty_rate, config)
