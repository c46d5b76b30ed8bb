"""What is in a landing folder: delivery folders, their manifests, the reference files."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from consortium_dw.contract import SYSTEMS, TABLES_BY_SYSTEM, Table

MANIFEST = "_manifest.json"
REF_FOLDER = "ref"
_DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class ManifestEntry:
    name: str
    rows: int | None
    sha256: str | None
    encoding: str | None


@dataclass
class Delivery:
    """One `<system>/<YYYY-MM-DD>/` folder."""

    system: str
    day: date
    folder: Path
    manifest_sha256: str | None = None
    entries: dict[str, ManifestEntry] = field(default_factory=dict)
    # Set when the manifest itself cannot be read: every file of the folder is refused.
    manifest_error: str | None = None

    @property
    def key(self) -> str:
        return f"{self.system}/{self.day.isoformat()}"

    def files_on_disk(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir() if p.is_file() and p.name != MANIFEST)


def read_delivery(system: str, folder: Path) -> Delivery:
    delivery = Delivery(system, date.fromisoformat(folder.name), folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        delivery.manifest_error = f"{MANIFEST} missing"
        return delivery
    raw = manifest_path.read_bytes()
    delivery.manifest_sha256 = hashlib.sha256(raw).hexdigest()
    try:
        manifest = json.loads(raw.decode("utf-8-sig"))
        for item in manifest["files"]:
            rows = item.get("rows")
            delivery.entries[item["name"]] = ManifestEntry(
                item["name"], int(rows) if rows is not None else None, item.get("sha256"),
                item.get("encoding"))
    except (ValueError, KeyError, TypeError) as error:
        delivery.entries.clear()
        delivery.manifest_error = f"{MANIFEST} unreadable ({type(error).__name__})"
    return delivery


def day_folders(landing: Path, system: str) -> list[Path]:
    system_dir = Path(landing) / system
    if not system_dir.is_dir():
        return []
    return sorted(p for p in system_dir.iterdir() if p.is_dir() and _DAY_FOLDER.match(p.name))


def delivery_days(landing: Path, systems: tuple[str, ...] = SYSTEMS) -> list[date]:
    """Every delivery day that has a folder for at least one system."""
    days = {date.fromisoformat(p.name) for s in systems for p in day_folders(landing, s)}
    return sorted(days)


def manifest_hashes(landing: Path) -> dict[str, str]:
    """`<system>/<day>` -> sha256 of its manifest (or of the folder listing if it has none)."""
    hashes = {}
    for system in SYSTEMS:
        for folder in day_folders(landing, system):
            manifest_path = folder / MANIFEST
            if manifest_path.is_file():
                digest = hashlib.sha256(manifest_path.read_bytes()).hexdigest()
            else:
                listing = "\n".join(sorted(p.name for p in folder.iterdir()))
                digest = "no-manifest-" + hashlib.sha256(listing.encode()).hexdigest()
            hashes[f"{system}/{folder.name}"] = digest
    return hashes


def reference_hash(landing: Path) -> str | None:
    ref_dir = Path(landing) / REF_FOLDER
    files = sorted(ref_dir.glob("*.csv")) if ref_dir.is_dir() else []
    if not files:
        return None
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + sha256_file(path).encode())
    return digest.hexdigest()


def entry_for_table(delivery: Delivery, table: Table) -> ManifestEntry | None:
    for name, entry in delivery.entries.items():
        if Path(name).stem == table.name:
            return entry
    return None


def owns_strays(table: Table) -> bool:
    """Files that belong to no contract table are reported by the system's first table, so each
    such file is refused exactly once."""
    return TABLES_BY_SYSTEM[table.system][0].name == table.name


def files_for_table(delivery: Delivery, table: Table) -> tuple[list[str], list[str]]:
    """(files on disk or in the manifest named after this table, stray files it reports)."""
    names = set(delivery.files_on_disk()) | set(delivery.entries)
    table_names = {t.name for t in TABLES_BY_SYSTEM[delivery.system]}
    own = sorted(n for n in names if Path(n).stem == table.name)
    strays = sorted(n for n in names if Path(n).stem not in table_names) if owns_strays(table) \
        else []
    return own, strays
