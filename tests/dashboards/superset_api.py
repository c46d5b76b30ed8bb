"""A small Superset REST client for the tests: log in as a user, then call the API."""

from __future__ import annotations

from typing import Any

import requests


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
