"""Provision Superset from the repo: `python -m dashboards.provision` (from .venv-superset).

Idempotent, in one process: migrate the metadata database, sync Superset's built-in roles,
create or update the admin, import the asset bundle built from dashboards/assets with
overwrite (same UUIDs, so a re-run updates in place), refresh the datasets' columns from the
served file, rebuild the committee and analyst roles, and create or update the demo users
(random passwords kept in the secrets dir, printed at the end).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dashboards.bundle import bundle_contents
from dashboards.settings import DEMO_USERS, Settings, password, secret_key

ROLE_OF_USER = {"committee": "committee", "analyst": "analyst"}
DASHBOARD_SLUG = "sansheng-erjiang"


def _prepare_environment(settings: Settings) -> None:
    settings.superset_home.mkdir(parents=True, exist_ok=True)
    os.environ.update(settings.superset_env())
    secret_key(settings)  # superset_config.py reads it from the file when not in the env


def _metadata_stamp(settings: Settings) -> Path | None:
    """Marks a metadata database already migrated by this Superset version (SQLite only: a
    shared Postgres metadata database is always re-checked)."""
    if os.environ.get("SUPERSET_METADATA_URI"):
        return None
    from importlib.metadata import version

    return settings.superset_home / f".metadata-ready-{version('apache-superset')}"


def _migrate_and_init(settings: Settings) -> None:
    from flask_migrate import upgrade
    from superset import appbuilder, db, security_manager

    stamp = _metadata_stamp(settings)
    if stamp is not None and stamp.exists():
        return  # migrating and syncing permissions again costs ~40 s and changes nothing
    upgrade()
    appbuilder.add_permissions(update_perms=True)
    security_manager.sync_role_definitions()
    db.session.commit()
    if stamp is not None:
        stamp.touch()


def _import_bundle(settings: Settings):
    from flask import g
    from superset import db, security_manager
    from superset.commands.importers.v1.assets import ImportAssetsCommand
    from superset.connectors.sqla.models import SqlaTable

    contents = bundle_contents({"serving_path": str(settings.serving_path)})
    g.user = security_manager.find_user(username="admin")
    ImportAssetsCommand(contents).run()
    uuids = {_uuid_of(text) for name, text in contents.items()
             if name.startswith("datasets/")}
    datasets = [d for d in db.session.query(SqlaTable).all() if str(d.uuid) in uuids]
    for dataset in datasets:
        # Fails loudly when a mart or a column the SQL needs is missing from the served file.
        dataset.fetch_metadata()
    db.session.commit()
    return datasets


def _uuid_of(yaml_text: str) -> str:
    import yaml

    return str(yaml.safe_load(yaml_text)["uuid"])


@contextmanager
def _migrated_app(settings: Settings) -> Iterator[str]:
    """Superset's app context over a migrated metadata database with the admin in place;
    yields the admin's password."""
    _prepare_environment(settings)
    from superset.app import create_app

    with create_app().app_context():
        from dashboards.roles import ensure_user

        _migrate_and_init(settings)
        admin_password = password(settings, "admin")
        ensure_user("admin", admin_password, "Admin", "Admin")
        yield admin_password


def prepare_metadata(settings: Settings) -> None:
    """The slow half of provisioning, which needs no served file, so `make run` does it while
    the pipeline runs."""
    with _migrated_app(settings):
        pass


def provision(settings: Settings) -> dict[str, str]:
    if not settings.serving_path.exists():
        raise SystemExit(f"No served file at {settings.serving_path}: run `make pipeline` first "
                         "(DATA_DIR selects the folder).")
    with _migrated_app(settings) as admin_password:
        from dashboards.roles import ensure_user, sync_roles

        logins = {"admin": admin_password}
        datasets = _import_bundle(settings)
        sync_roles(datasets)
        for username in DEMO_USERS:
            logins[username] = password(settings, username)
            ensure_user(username, logins[username], ROLE_OF_USER[username], username)
    return logins


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="do not print the logins")
    parser.add_argument("--metadata-only", action="store_true",
                        help="only migrate the metadata database (no served file needed)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.from_env()
    if args.metadata_only:
        prepare_metadata(settings)
        print(f"Superset metadata ready in {settings.superset_home}.")
        return 0
    logins = provision(settings)
    print(f"Superset provisioned from dashboards/ (served file {settings.serving_path}).")
    if not args.quiet:
        print(f"Logins (kept in {settings.secrets_dir}):")
        for username, secret in logins.items():
            print(f"  {username:<10} {secret}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
