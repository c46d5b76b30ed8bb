"""On the demo district, the five headlines move the way the generator's scenario says, from
the baseline year to each reform year (slow: generates the demo and runs the real pipeline)."""

from __future__ import annotations

import pytest

from consortium_dw.generator.scenario import load_scenario
from consortium_dw.marts_file import connect_warehouse
from tests.conftest import DEMO_SEED

BASELINE_YEAR = 2023
REFORM_YEARS = (2024, 2025)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def expected_directions() -> dict[str, int]:
    """+1 rises, −1 falls: read from the scenario's phase parameters, not assumed."""
    scenario = load_scenario("demo", DEMO_SEED)

    def change(parameter: str) -> int:
        before = scenario.params(BASELINE_YEAR)[parameter]
        after = scenario.params(REFORM_YEARS[-1])[parameter]
        return _sign(after - before)

    return {
        # fewer residents treated outside means more encounters in the district
        "in_district_rate": -change("inpatient_out_of_district"),
        "health_literacy_level": change("literacy_share"),
        "fd_signing_rate": change("signing_rate"),
        # the fund pays more, the resident less
        "oop_ratio": -change("reimbursement_factor"),
        "outflow_rate": change("inpatient_out_of_district"),
    }


@pytest.mark.slow
def test_headlines_move_as_the_scenario_sets(demo_warehouse):
    directions = expected_directions()
    assert all(directions.values()), f"the scenario moves every headline: {directions}"
    with connect_warehouse(demo_warehouse / "warehouse.duckdb", read_only=True) as con:
        rows = con.execute(
            "select metric_code, extract(year from period_start), value "
            "from marts.metric_values where period_type = 'year' and scope_type = 'district' "
            "and metric_code in (select unnest(?))", [list(directions)]).fetchall()
        (headlines,) = con.execute(
            "select list(metric_code order by metric_code) from marts.dim_metric "
            "where is_headline").fetchone()
    assert sorted(headlines) == sorted(directions)
    values = {(code, int(year)): value for code, year, value in rows}
    for code, direction in directions.items():
        baseline = values[(code, BASELINE_YEAR)]
        for year in REFORM_YEARS:
            moved = _sign(values[(code, year)] - baseline)
            assert moved == direction, (code, year, baseline, values[(code, year)])
