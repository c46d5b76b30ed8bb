"""What the dashboard tests share: paths, a small Superset REST client, expected headlines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import requests

REPO = Path(__file__).resolve().parents[2]
SUPERSET_PYTHON = REPO / ".venv-superset" / "bin" / "python"
GUNICORN = REPO / ".venv-superset" / "bin" / "gunicorn"
DASHBOARD_SLUG = "sansheng-erjiang"
HEADLINES = ("in_district_rate", "health_literacy_level", "fd_signing_rate", "oop_ratio",
             "outflow_rate")
PERIOD_RANK = {"month": 1, "quarter": 2, "year": 3}


def latest_headline_text(serving_path: Path) -> dict[str, str]:
    """Each headline's newest district value at its finest period, as the card writes it."""
    with duckdb.connect(str(serving_path), read_only=True) as con:
        rows = con.execute(
            "select metric_code, period_type, period_start, value from marts.metric_values "
            "where scope_type = 'district' and metric_code in ?", [list(HEADLINES)]).fetchall()
    best: dict[str, tuple] = {}
    for code, period_type, start, value in rows:
        key = (-PERIOD_RANK[period_type], start)
        if code not in best or key > best[code][0]:
            best[code] = (key, value)
    return {code: "—" if value is None else f"{value * 100:.1f}%"
            for code, (_, value) in best.items()}


class SupersetSession:
    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        response = self.http.post(f"{self.base_url}/api/v1/security/login", json={
            "username": username, "password": password, "provider": "db", "refresh": True,
        }, timeout=60)
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = self.http.get(f"{self.base_url}/api/v1/security/csrf_token/", timeout=60)
        csrf.raise_for_status()
        self.http.headers["X-CSRFToken"] = csrf.json()["result"]
        self.http.headers["Referer"] = self.base_url

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(f"{self.base_url}{path}", params=params, timeout=120)

    def post(self, path: str, payload: dict[str, Any]) -> requests.Response:
        return self.http.post(f"{self.base_url}{path}", json=payload, timeout=120)

    def list_all(self, resource: str) -> list[dict[str, Any]]:
        response = self.get(f"/api/v1/{resource}/", q="(page_size:100)")
        response.raise_for_status()
        return response.json()["result"]

    def run_sql(self, database_id: int, sql: str) -> requests.Response:
        return self.post("/api/v1/sqllab/execute/", {
            "database_id": database_id, "sql": sql, "schema": "marts", "runAsync": False,
            "queryLimit": 100, "select_as_cta": False, "tab": "test",
            "client_id": "", "sql_editor_id": "test",
        })
