"""ref/ files have no manifest to declare their encoding: UTF-8 or GB18030, with or without
a BOM, load the same rows; bytes valid in neither refuse the file and keep the old one."""

from consortium_dw.ingest import load_reference

INSTITUTIONS = "ref/institutions.csv"


def _institutions(warehouse):
    return warehouse.execute("SELECT inst_code, inst_name FROM raw.ref_institutions "
                             "ORDER BY inst_code").fetchall()


def test_gb18030_and_utf8_with_bom_load_the_same_rows(warehouse, landing):
    path = landing / INSTITUTIONS
    text = path.read_text(encoding="utf-8")
    assert "机构" in text  # the file holds Chinese, so the encodings differ in bytes
    load_reference(warehouse, landing)
    expected = _institutions(warehouse)
    for data in (text.encode("gb18030"), b"\xef\xbb\xbf" + text.encode("utf-8"),
                 "\ufeff".encode("gb18030") + text.encode("gb18030")):
        path.write_bytes(data)
        loads = {loaded.name: loaded for loaded in load_reference(warehouse, landing)}
        assert loads["institutions"].refused is None
        assert _institutions(warehouse) == expected


def test_bytes_in_neither_encoding_refuse_the_file_and_keep_the_loaded_one(warehouse, landing):
    load_reference(warehouse, landing)
    expected = _institutions(warehouse)
    path = landing / INSTITUTIONS
    path.write_bytes(path.read_bytes() + b"\xff\xff\n")
    loads = {loaded.name: loaded for loaded in load_reference(warehouse, landing)}
    assert loads["institutions"].refused.reason.value == "undecodable"
    assert _institutions(warehouse) == expected
