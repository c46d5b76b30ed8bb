"""The import bundle built from dashboards/assets: rendered, consistent, complete."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import yaml

from dashboards.bundle import (
    BundleError,
    bundle_contents,
    bundle_zip,
    position_from_layout,
    render,
)

VALUES = {"serving_path": "/srv/dw/serving.duckdb"}


@pytest.fixture(scope="module")
def contents() -> dict[str, dict]:
    return {name: yaml.safe_load(text) for name, text in bundle_contents(VALUES).items()}


def test_serving_path_is_rendered_read_only(contents):
    database = contents["databases/serving.yaml"]
    assert database["sqlalchemy_uri"] == "duckdb:////srv/dw/serving.duckdb"
    connect_args = database["extra"]["engine_params"]["connect_args"]
    assert connect_args["read_only"] is True
    assert connect_args["config"] == {"enable_external_access": False,
                                      "lock_configuration": True}
    assert database["allow_dml"] is False


def test_unknown_placeholder_is_an_error():
    with pytest.raises(BundleError, match="secret_key"):
        render("password: ${secret_key}", VALUES, "databases/x.yaml")


def test_references_between_assets_resolve(contents):
    uuids = {kind: {str(c["uuid"]) for name, c in contents.items() if name.startswith(kind)}
             for kind in ("databases/", "datasets/", "charts/", "dashboards/")}
    for name, config in contents.items():
        if name.startswith("datasets/"):
            assert str(config["database_uuid"]) in uuids["databases/"], name
        if name.startswith("charts/"):
            assert str(config["dataset_uuid"]) in uuids["datasets/"], name
    dashboard = contents["dashboards/committee.yaml"]
    on_dashboard = {c["meta"]["uuid"] for c in dashboard["position"].values()
                    if isinstance(c, dict) and c.get("type") == "CHART"}
    assert on_dashboard == uuids["charts/"]
    for native_filter in dashboard["metadata"]["native_filter_configuration"]:
        for target in native_filter["targets"]:
            assert target["datasetUuid"] in uuids["datasets/"]


def test_every_chart_has_a_query_context_for_its_dataset_columns(contents):
    columns = {str(c["uuid"]): {col["column_name"] for col in c["columns"]}
               for name, c in contents.items() if name.startswith("datasets/")}
    for name, chart in contents.items():
        if not name.startswith("charts/"):
            continue
        query = json.loads(chart["query_context"])["queries"][0]
        known = columns[str(chart["dataset_uuid"])]
        used = [c if isinstance(c, str) else c["sqlExpression"] for c in query["columns"]]
        assert set(used) <= known, (name, set(used) - known)


def test_tabs_hold_one_theme_each_and_the_anatomy_table(contents):
    position = contents["dashboards/committee.yaml"]["position"]
    tabs = [c["meta"]["text"] for c in position.values()
            if isinstance(c, dict) and c.get("type") == "TAB"]
    assert tabs == ["就诊格局", "费用负担", "家庭医生", "健康素养", "资源下沉与协同", "解剖分析",
                    "医保总额预付"]


def test_layout_naming_an_unknown_chart_is_an_error():
    with pytest.raises(BundleError, match="nope"):
        position_from_layout([{"row": [{"chart": "nope"}]}], {}, {})


def test_zip_has_superset_layout():
    with zipfile.ZipFile(io.BytesIO(bundle_zip(VALUES))) as archive:
        names = archive.namelist()
    assert "consortium_assets/metadata.yaml" in names
    assert {n.split("/")[1] for n in names} == {"metadata.yaml", "databases", "datasets",
                                                 "charts", "dashboards"}
