"""Superset configuration for the consortium dashboards (loaded via SUPERSET_CONFIG_PATH).

Secrets never live in git: the secret key comes from SUPERSET_SECRET_KEY, else from the local
ignored file `<secrets dir>/superset_secret_key` (created by `dashboards.provision`).
Metadata: SQLite under SUPERSET_HOME by default; SUPERSET_METADATA_URI (e.g. a
postgresql+psycopg2:// URI) replaces it.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRETS_DIR = Path(os.environ.get("CONSORTIUM_SECRETS_DIR", REPO_ROOT / ".secrets"))
SUPERSET_HOME = Path(os.environ.get("SUPERSET_HOME", REPO_ROOT / "data" / "superset_home"))


def _secret_key() -> str:
    from_env = os.environ.get("SUPERSET_SECRET_KEY")
    if from_env:
        return from_env
    key_file = SECRETS_DIR / "superset_secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    raise RuntimeError(
        f"No Superset secret key: set SUPERSET_SECRET_KEY or run `make dashboards` "
        f"(it writes {key_file})."
    )


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "SUPERSET_METADATA_URI", f"sqlite:///{SUPERSET_HOME / 'superset.db'}"
)
DATA_DIR = str(SUPERSET_HOME)

BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {"zh": {"flag": "cn", "name": "简体中文"}, "en": {"flag": "us", "name": "English"}}

# The headline cards (Handlebars chart) colour themselves by class; allow class and style.
HTML_SANITIZATION_SCHEMA_EXTENSIONS = {
    "attributes": {"*": ["className", "style"]},
}

# DuckDB can read any file or attach another database from plain SQL: refuse those in SQL Lab
# and charts (the connection also disables external access; this is the second lock).
DISALLOWED_SQL_FUNCTIONS = {
    "duckdb": {
        "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json",
        "read_json_auto", "read_text", "read_blob", "glob", "sniff_csv", "duckdb_settings",
        "duckdb_databases", "getenv",
    },
}

FEATURE_FLAGS = {
    "DASHBOARD_NATIVE_FILTERS": True,
    "ENABLE_TEMPLATE_PROCESSING": False,
    # Render every chart at once (the dashboard is small): screenshots and tests see them all.
    "DASHBOARD_VIRTUALIZATION": False,
}

# Local, single-user-machine serving: no HTTPS redirects, no external CDN.
TALISMAN_ENABLED = False
WTF_CSRF_ENABLED = True
SESSION_COOKIE_SECURE = False
CONTENT_SECURITY_POLICY_WARNING = False
SUPERSET_WEBSERVER_TIMEOUT = 120
SQLLAB_TIMEOUT = 120
ROW_LIMIT = 50000

# Warnings and errors only: `make serve` and `make dashboards` print what the user needs.
LOG_LEVEL = "WARNING"
