"""Print an HTML file to PDF with Debian's headless Chromium (no network, no JavaScript needed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-pdf-header-footer")
RENDER_TIMEOUT_SECONDS = 180


class PdfRenderError(RuntimeError):
    pass


def chromium_path() -> str:
    path = os.environ.get("CONSORTIUM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise PdfRenderError(f"Chromium not found at {path}: run `make setup-browser`")
    return path


def html_to_pdf(html_file: Path, pdf_file: Path) -> Path:
    pdf_file = Path(pdf_file).resolve()
    pdf_file.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target, then renamed: a reader never sees half a PDF.
    partial = pdf_file.with_name(pdf_file.name + ".partial")
    partial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="report-chromium-") as profile:
        command = [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                   f"--print-to-pdf={partial}", Path(html_file).resolve().as_uri()]
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    timeout=RENDER_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfRenderError(f"Chromium did not finish within {RENDER_TIMEOUT_SECONDS} s"
                                 ) from exc
    if result.returncode != 0 or not partial.exists() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        raise PdfRenderError(f"Chromium failed (exit {result.returncode}): "
                             f"{result.stderr.strip()[-800:]}")
    os.replace(partial, pdf_file)
    return pdf_file
