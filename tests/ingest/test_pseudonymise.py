import hashlib
import hmac
import os
import stat

import duckdb
import pytest

from consortium_dw.contract import Pii
from consortium_dw.pseudonymise import (
    KEY_ENV,
    KEY_FILE_ENV,
    MissingKeyError,
    ensure_key_file,
    hmac_sql,
    load_key,
    pseudonym,
)


def test_pseudonym_is_hmac_sha256_of_kind_and_value():
    expected = hmac.new(b"k", "name:张三".encode(), hashlib.sha256).hexdigest()
    assert pseudonym(b"k", Pii.NAME, "张三") == expected


def test_identity_numbers_are_upper_cased_so_both_spellings_meet():
    assert pseudonym(b"k", Pii.ID_CARD, "11010119800101007x") == \
        pseudonym(b"k", Pii.ID_CARD, "11010119800101007X")


def test_sql_hmac_equals_python_for_short_and_long_keys():
    con = duckdb.connect()
    values = ["11010119800101007x", "张三", "", "a'b"]
    for key in (b"short", b"x" * 100):
        for kind in (Pii.ID_CARD, Pii.NAME):
            for v in values:
                got = con.execute(f"SELECT {hmac_sql(key, kind, '?')}", [v]).fetchall()[0][0]
                assert got == pseudonym(key, kind, v)
    assert con.execute(f"SELECT {hmac_sql(b'k', Pii.NAME, 'NULL')}").fetchall()[0][0] is None


def test_no_key_refuses_to_run(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "absent.key"))
    with pytest.raises(MissingKeyError):
        load_key()


def test_ensure_key_creates_a_private_file_once(monkeypatch, tmp_path):
    path = tmp_path / "secrets" / "pseudonym.key"
    assert ensure_key_file(path) is True
    first = path.read_text()
    assert ensure_key_file(path) is False and path.read_text() == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV, str(path))
    assert load_key() == first.strip().encode()
