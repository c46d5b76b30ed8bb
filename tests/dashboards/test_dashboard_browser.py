"""The committee's dashboard in headless Chromium (Debian's, never a downloaded one)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.dashboards.superset_api import (
    DASHBOARD_SLUG,
    REPO,
    SUPERSET_PYTHON,
    latest_headline_text,
)

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
THEME_TABS = ["就诊格局", "费用负担", "家庭医生", "健康素养", "资源下沉与协同", "解剖分析",
              "医保总额预付"]


@pytest.fixture(scope="module")
def committee_view(superset, tmp_path_factory) -> tuple[dict, Path]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: run `make setup-browser`")
    screenshot = tmp_path_factory.mktemp("browser") / "dashboard.png"
    result = subprocess.run(
        [str(SUPERSET_PYTHON), str(REPO / "tests" / "dashboards" / "browser_check.py"),
         superset.base_url, "committee", superset.password("committee"), DASHBOARD_SLUG,
         str(screenshot)],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (f"{result.stderr[-3000:]}\n--- Superset's log ---\n"
                                    f"{superset.log_tail()}")
    # DASHBOARD_SCREENSHOT=docs/dashboard.png keeps the picture the README shows current.
    if os.environ.get("DASHBOARD_SCREENSHOT"):
        shutil.copyfile(screenshot, os.environ["DASHBOARD_SCREENSHOT"])
    return json.loads(result.stdout), screenshot


def test_headline_numbers_appear(committee_view, superset):
    report, screenshot = committee_view
    assert report["title"] == "医疗集团“三升二降”监测"
    for code, text in latest_headline_text(superset.data_dir / "serving.duckdb").items():
        assert text in report["body_text"], code
    assert screenshot.stat().st_size > 50_000


def test_no_chart_shows_an_error(committee_view):
    report, _ = committee_view
    assert report["errors"] == []
    assert report["api_failures"] == []


def test_every_theme_tab_renders_its_charts(committee_view):
    report, _ = committee_view
    assert list(report["tabs"]) == THEME_TABS
    assert "指标一览" in report["tabs"]["就诊格局"]["text"]
    assert "成员机构" in report["tabs"]["解剖分析"]["text"] or \
        "乡镇" in report["tabs"]["解剖分析"]["text"]
    assert "执行率" in report["tabs"]["医保总额预付"]["text"]
