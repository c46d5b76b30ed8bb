"""The two demo roles, derived from Superset's built-in ones (run inside an app context).

- committee: reads dashboards and the charts on them, nothing else (Gamma without any write,
  explore or data-browsing permission, plus access to the bundle's datasets).
- analyst: Superset's Gamma (dashboards, explore, own charts) plus SQL Lab, on the serving
  database's `marts` schema only.
  The connection itself is read-only with DuckDB's external access off (databases/serving.yaml),
  so SQL Lab can neither write nor reach other files.
"""

from __future__ import annotations

from collections.abc import Iterable

COMMITTEE = "committee"
ANALYST = "analyst"
# Datasets for analysts only: row-level lineage (pseudonymised person keys, files, lines) that no
# committee chart shows (docs/budget.md, "Drill-through").
ANALYST_ONLY_DATASETS = {"fct_metric_drillthrough"}

# Gamma permissions the committee must not have: anything that writes, explores or browses data.
COMMITTEE_DROPPED_PERMISSIONS = {
    "can_write", "can_explore", "can_delete_embedded", "can_bulk_create", "can_tag",
    "can_add", "can_edit", "can_delete", "can_export_streaming_csv", "can_csv",
    "can_external_metadata", "can_external_metadata_by_name", "can_fetch_datasource_metadata",
    "can_get_drill_info", "can_drill", "can_view_query", "can_view_chart_as_table",
    "can_samples", "can_invalidate", "can_file_handler", "can_put_chart_customizations",
    "can_export", "can_export_as_example",
}
COMMITTEE_DROPPED_MENUS = {
    "Action Log", "Charts", "Data", "Databases", "Datasets", "Plugins", "Tags", "Tasks",
    "Themes",
}
# Views a committee member has no use for: chart building, databases, saved queries.
COMMITTEE_DROPPED_VIEWS = {
    "Explore", "ExploreFormDataRestApi", "ExplorePermalinkRestApi", "Database", "SavedQuery",
    "SQLLab", "DynamicPlugin", "AdvancedDataType",
}
# What committee members still write: their own filter state and permalinks while viewing.
COMMITTEE_KEPT_WRITES = {
    ("can_write", "DashboardFilterStateRestApi"), ("can_write", "DashboardPermalinkRestApi"),
    ("can_write", "CurrentUserRestApi"),
}


def _committee_keeps(permission_name: str, view_name: str) -> bool:
    if (permission_name, view_name) in COMMITTEE_KEPT_WRITES:
        return True
    if permission_name == "menu_access":
        return view_name not in COMMITTEE_DROPPED_MENUS
    if "UserRegistrations" in view_name or view_name in COMMITTEE_DROPPED_VIEWS:
        return False
    return permission_name not in COMMITTEE_DROPPED_PERMISSIONS


def _replace_permissions(role, permissions: Iterable) -> None:
    role.permissions = sorted(set(permissions), key=lambda p: p.id)


def sync_roles(datasets) -> None:
    """(Re)build both roles from scratch, so a re-run converges on the same permissions."""
    from superset import db
    from superset import security_manager as sm

    gamma = sm.find_role("Gamma")
    sql_lab = sm.find_role("sql_lab")
    dataset_access, committee_dataset_access = [], []
    for dataset in datasets:
        pvm = sm.add_permission_view_menu("datasource_access", dataset.get_perm())
        dataset_access.append(pvm)
        if dataset.table_name not in ANALYST_ONLY_DATASETS:
            committee_dataset_access.append(pvm)
    # The datasets' own schema permission (it carries the catalog when the engine has one).
    marts_perms = {d.schema_perm for d in datasets if d.schema == "marts" and d.schema_perm}
    marts_access = [sm.add_permission_view_menu("schema_access", perm) for perm in marts_perms]

    committee = sm.add_role(COMMITTEE)
    _replace_permissions(committee, [
        *(p for p in gamma.permissions
          if _committee_keeps(p.permission.name, p.view_menu.name)),
        *committee_dataset_access,
    ])

    analyst = sm.add_role(ANALYST)
    _replace_permissions(analyst, [
        *(p for p in gamma.permissions if "UserRegistrations" not in p.view_menu.name),
        *dataset_access,
        *sql_lab.permissions,
        *marts_access,
    ])
    db.session.commit()


def ensure_user(username: str, password: str, role_name: str, first_name: str) -> None:
    """Create the user, or reset its password and role (the secret file is the truth)."""
    from superset import db
    from superset import security_manager as sm

    role = sm.find_role(role_name)
    user = sm.find_user(username=username)
    if user is None:
        created = sm.add_user(username, first_name, "demo", f"{username}@consortium.local",
                              role, password=password)
        if not created:
            raise RuntimeError(f"could not create Superset user {username}")
    else:
        user.roles = [role]
        user.active = True
        sm.reset_password(user.id, password)
    db.session.commit()
