"""Keyed pseudonyms for PII: `hmac_sha256(key, "<pii kind>:" + value)` as lowercase hex.

The key comes from `CONSORTIUM_PSEUDONYM_KEY`, else from the file named by
`CONSORTIUM_PSEUDONYM_KEY_FILE` (default `.secrets/pseudonym.key`). Without a key nothing runs:
a silent fallback key would make every pseudonym guessable.

The same HMAC is available as DuckDB SQL (`hmac_sql`) so city-sized tables are hashed inside
the engine instead of in a Python loop; a test checks both give the same value.

    python -m consortium_dw.pseudonymise --ensure-key FILE   # create a random key file (0600)
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

from consortium_dw.contract import Pii

KEY_ENV = "CONSORTIUM_PSEUDONYM_KEY"
KEY_FILE_ENV = "CONSORTIUM_PSEUDONYM_KEY_FILE"
DEFAULT_KEY_FILE = Path(".secrets/pseudonym.key")
_SHA256_BLOCK = 64


class MissingKeyError(RuntimeError):
    pass


def load_key() -> bytes:
    """The pseudonymisation key as bytes; raises MissingKeyError when there is none."""
    from_env = os.environ.get(KEY_ENV, "").strip()
    if from_env:
        return from_env.encode("utf-8")
    key_file = Path(os.environ.get(KEY_FILE_ENV) or DEFAULT_KEY_FILE)
    if key_file.is_file():
        from_file = key_file.read_text(encoding="utf-8").strip()
        if from_file:
            return from_file.encode("utf-8")
    raise MissingKeyError(
        f"No pseudonymisation key: set {KEY_ENV}, or {KEY_FILE_ENV} to a key file "
        f"(looked for {key_file}); `make key` creates a local demo key.")


def ensure_key_file(path: Path) -> bool:
    """Create a random key file readable only by its owner; True if it was created."""
    path = Path(path)
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    os.chmod(path, 0o600)
    return True


def normalise(kind: Pii, value: str) -> str:
    return value.upper() if kind == Pii.ID_CARD else value


def pseudonym(key: bytes, kind: Pii, value: str) -> str:
    """The reference implementation, one value at a time."""
    message = f"{Pii(kind).value}:{normalise(kind, value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _pads(key: bytes) -> tuple[bytes, bytes]:
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def _blob_literal(data: bytes) -> str:
    return "unhex('" + data.hex() + "')"


def hmac_sql(key: bytes, kind: Pii, value_sql: str) -> str:
    """A DuckDB expression computing `pseudonym(key, kind, value)`; NULL stays NULL.

    HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)); the pads are constants of the run, so the
    key appears in the SQL text only as its two pads (never logged: the SQL is not logged)."""
    inner_pad, outer_pad = _pads(key)
    normalised = f"upper({value_sql})" if kind == Pii.ID_CARD else value_sql
    message = f"encode('{Pii(kind).value}:' || {normalised})"
    inner = f"unhex(sha256({_blob_literal(inner_pad)} || {message}))"
    return f"sha256({_blob_literal(outer_pad)} || {inner})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ensure-key", type=Path, metavar="FILE",
                        help="create a random key file (mode 0600) if it does not exist")
    args = parser.parse_args(argv)
    if args.ensure_key:
        created = ensure_key_file(args.ensure_key)
        print(f"{'created' if created else 'kept'} pseudonymisation key file {args.ensure_key}")
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
