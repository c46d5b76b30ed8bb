"""Build Superset's import bundle (a ZIP of YAML) from the readable YAML under dashboards/assets.

What the repo holds and what Superset imports differ in three ways, all resolved here:
- `${name}` placeholders (the serving path) are rendered from the provisioning settings;
- a dashboard's `layout` (rows and tabs naming charts by file name) becomes Superset's
  `position` tree, and native-filter scopes naming charts become the placeholder chart ids that
  Superset's importer maps to the real ones;
- every chart gets a saved `query_context` built from its params, so its data endpoint
  (`GET /api/v1/chart/<id>/data/`) works before anyone opens it in the browser.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
BUNDLE_ROOT = "consortium_assets"


class BundleError(ValueError):
    """The YAML under dashboards/assets is inconsistent (unknown chart, placeholder, uuid)."""


@dataclass(frozen=True)
class Asset:
    kind: str  # databases, datasets, charts, dashboards
    key: str  # file stem, e.g. headline_cards
    relative_path: str
    config: dict[str, Any]


def render(text: str, values: dict[str, str], source: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise BundleError(f"{source}: unknown placeholder ${{{name}}}")
        return values[name]

    return PLACEHOLDER.sub(substitute, text)


def load_assets(values: dict[str, str], assets_dir: Path = ASSETS_DIR) -> list[Asset]:
    assets = []
    for kind in ("databases", "datasets", "charts", "dashboards"):
        for path in sorted((assets_dir / kind).rglob("*.yaml")):
            relative = path.relative_to(assets_dir).as_posix()
            text = render(path.read_text(encoding="utf-8"), values, relative)
            assets.append(Asset(kind, path.stem, relative, yaml.safe_load(text)))
    _check_unique_uuids(assets)
    return assets


def _check_unique_uuids(assets: list[Asset]) -> None:
    seen: dict[str, str] = {}
    for asset in assets:
        uuid = str(asset.config["uuid"])
        if uuid in seen:
            raise BundleError(f"{asset.relative_path} reuses the uuid of {seen[uuid]}")
        seen[uuid] = asset.relative_path


def chart_placeholder_ids(assets: list[Asset]) -> dict[str, int]:
    charts = sorted(a.key for a in assets if a.kind == "charts")
    return {key: index + 1 for index, key in enumerate(charts)}


def query_context(params: dict[str, Any]) -> dict[str, Any]:
    """The query the chart's frontend would send, for the viz types used in this repo."""
    where = " AND ".join(
        f"({f['sqlExpression']})" for f in params.get("adhoc_filters", [])
        if f.get("expressionType") == "SQL" and f.get("clause") == "WHERE"
    )
    query: dict[str, Any] = {
        "filters": [],
        "extras": {"where": where, "having": ""},
        "applied_time_extras": {},
        "annotation_layers": [],
        "row_limit": params.get("row_limit", 1000),
        "series_limit": 0,
        "order_desc": params.get("order_desc", True),
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
    }
    if params.get("query_mode") == "raw":
        query["columns"] = list(params["all_columns"])
        query["metrics"] = None  # no metrics at all means no GROUP BY
        query["orderby"] = [json.loads(o) for o in params.get("order_by_cols", [])]
    elif params["viz_type"].startswith("echarts_timeseries"):
        x_axis = params["x_axis"]
        query["columns"] = [
            {"timeGrain": params.get("time_grain_sqla", "P1M"), "columnType": "BASE_AXIS",
             "sqlExpression": x_axis, "label": x_axis, "expressionType": "SQL"},
            *params.get("groupby", []),
        ]
        query["series_columns"] = list(params.get("groupby", []))
        query["metrics"] = list(params["metrics"])
        query["orderby"] = [[params["metrics"][0], False]]
        query["filters"] = [{"col": x_axis, "op": "TEMPORAL_RANGE", "val": "No filter"}]
        query["time_offsets"] = []
    else:
        raise BundleError(f"no query_context recipe for viz_type {params['viz_type']!r}")
    return {
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": params,
        "result_format": "json",
        "result_type": "full",
    }


def position_from_layout(layout: list[dict[str, Any]], charts: dict[str, Asset],
                         chart_ids: dict[str, int]) -> dict[str, Any]:
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
    }
    counter = iter(range(1, 10_000))

    def add_row(cells: list[dict[str, Any]], parents: list[str]) -> str:
        row_id = f"ROW-{next(counter)}"
        row_parents = [*parents, row_id]
        children = []
        for cell in cells:
            key = cell["chart"]
            if key not in charts:
                raise BundleError(f"dashboard layout names unknown chart {key!r}")
            chart_id = f"CHART-{key}"
            position[chart_id] = {
                "type": "CHART", "id": chart_id, "children": [], "parents": row_parents,
                "meta": {"chartId": chart_ids[key], "uuid": str(charts[key].config["uuid"]),
                         "sliceName": charts[key].config["slice_name"],
                         "width": cell.get("width", 6), "height": cell.get("height", 50)},
            }
            children.append(chart_id)
        position[row_id] = {"type": "ROW", "id": row_id, "children": children,
                            "parents": parents, "meta": {"background": "BACKGROUND_TRANSPARENT"}}
        return row_id

    top = ["ROOT_ID", "GRID_ID"]
    for block in layout:
        if "row" in block:
            position["GRID_ID"]["children"].append(add_row(block["row"], top))
        elif "tabs" in block:
            tabs_id = f"TABS-{next(counter)}"
            tab_ids = []
            for tab in block["tabs"]:
                tab_id = f"TAB-{next(counter)}"
                tab_parents = [*top, tabs_id, tab_id]
                rows = [add_row(cells, tab_parents) for cells in tab["rows"]]
                position[tab_id] = {"type": "TAB", "id": tab_id, "children": rows,
                                    "parents": [*top, tabs_id],
                                    "meta": {"text": tab["title"], "defaultText": "Tab title",
                                             "placeholder": "Tab title"}}
                tab_ids.append(tab_id)
            position[tabs_id] = {"type": "TABS", "id": tabs_id, "children": tab_ids,
                                 "parents": top, "meta": {}}
            position["GRID_ID"]["children"].append(tabs_id)
        else:
            raise BundleError(f"layout block must be a row or tabs: {block}")
    return position


def _dashboard_config(asset: Asset, charts: dict[str, Asset],
                      chart_ids: dict[str, int]) -> dict[str, Any]:
    config = dict(asset.config)
    config["position"] = position_from_layout(config.pop("layout"), charts, chart_ids)
    for native_filter in config["metadata"].get("native_filter_configuration", []):
        scope = native_filter.get("scope", {})
        unknown = [key for key in scope.get("excluded", []) if key not in chart_ids]
        if unknown:
            raise BundleError(f"filter {native_filter['name']} excludes unknown charts {unknown}")
        scope["excluded"] = [chart_ids[key] for key in scope.get("excluded", [])]
    return config


def bundle_contents(values: dict[str, str], assets_dir: Path = ASSETS_DIR) -> dict[str, str]:
    """File name → YAML text, as Superset's importers take them (`metadata.yaml`, `<kind>/…`)."""
    assets = load_assets(values, assets_dir)
    charts = {a.key: a for a in assets if a.kind == "charts"}
    chart_ids = chart_placeholder_ids(assets)
    contents = {
        "metadata.yaml": yaml.safe_dump({
            "version": "1.0.0", "type": "assets",
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        }),
    }
    for asset in assets:
        config = dict(asset.config)
        if asset.kind == "charts" and not config.get("query_context"):
            config["query_context"] = json.dumps(query_context(config["params"]),
                                                 ensure_ascii=False)
        if asset.kind == "dashboards":
            config = _dashboard_config(asset, charts, chart_ids)
        contents[asset.relative_path] = yaml.safe_dump(
            config, allow_unicode=True, sort_keys=False)
    return contents


def bundle_zip(values: dict[str, str], assets_dir: Path = ASSETS_DIR) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in bundle_contents(values, assets_dir).items():
            archive.writestr(f"{BUNDLE_ROOT}/{name}", text)
    return buffer.getvalue()
