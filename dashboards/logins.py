"""Print the Superset logins kept in the secrets dir: `python -m dashboards.logins`."""

from __future__ import annotations

import os

from dashboards.settings import DEMO_USERS, Settings


def main() -> None:
    settings = Settings.from_env()
    print(f"Logins (kept in {settings.secrets_dir}, never in git):")
    for username in ("admin", *DEMO_USERS):
        path = settings.secrets_dir / f"superset_{username}.password"
        if username == "admin" and os.environ.get("SUPERSET_ADMIN_PASSWORD"):
            secret = "(from SUPERSET_ADMIN_PASSWORD)"
        elif path.exists():
            secret = path.read_text(encoding="utf-8").strip()
        else:
            secret = "(not created yet: run `make dashboards`)"
        print(f"  {username:<10} {secret}")


if __name__ == "__main__":
    main()
