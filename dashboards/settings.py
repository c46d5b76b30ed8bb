"""Where provisioning and serving find things: data, Superset's home, secrets.

Environment: DATA_DIR (the pipeline's output folder, holding serving.duckdb), SUPERSET_HOME
(metadata and Superset's own files; default $DATA_DIR/superset_home), CONSORTIUM_SECRETS_DIR
(default <repo>/.secrets), SUPERSET_METADATA_URI (optional Postgres metadata database).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = Path(__file__).resolve().parent / "superset_config.py"
DEMO_USERS = ("committee", "analyst")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    superset_home: Path
    secrets_dir: Path

    @property
    def serving_path(self) -> Path:
        return self.data_dir / "serving.duckdb"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("DATA_DIR", REPO_ROOT / "data" / "warehouse")).resolve()
        home = Path(os.environ.get("SUPERSET_HOME", data_dir / "superset_home")).resolve()
        secrets_dir = Path(os.environ.get("CONSORTIUM_SECRETS_DIR",
                                          REPO_ROOT / ".secrets")).resolve()
        return cls(data_dir, home, secrets_dir)

    def superset_env(self) -> dict[str, str]:
        """What a Superset process (CLI, server, provisioning) needs in its environment."""
        return {
            "SUPERSET_CONFIG_PATH": str(CONFIG_PATH),
            "SUPERSET_HOME": str(self.superset_home),
            "CONSORTIUM_SECRETS_DIR": str(self.secrets_dir),
            "FLASK_APP": "superset",
        }


def read_or_create_secret(settings: Settings, name: str, env_var: str | None = None) -> str:
    """The environment wins; else the local ignored file; else a new random one is written."""
    if env_var and os.environ.get(env_var):
        return os.environ[env_var]
    path = settings.secrets_dir / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    settings.secrets_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32 if name.endswith("key") else 12)
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)
    return value


def secret_key(settings: Settings) -> str:
    return read_or_create_secret(settings, "superset_secret_key", "SUPERSET_SECRET_KEY")


def password(settings: Settings, username: str) -> str:
    env_var = "SUPERSET_ADMIN_PASSWORD" if username == "admin" else None
    return read_or_create_secret(settings, f"superset_{username}.password", env_var)
