"""The processes the bench measures write and read compiled bytecode, even when the machine
sets PYTHONDONTWRITEBYTECODE (as the Makefile unexports it): otherwise each of them compiled
everything it imported again (docs/performance.md, sixth session)."""

import subprocess
import sys

from consortium_dw.bench import _environment


def test_a_measured_process_writes_bytecode_when_the_machine_forbids_it(tmp_path, monkeypatch):
    (tmp_path / "probe_module.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    subprocess.run([sys.executable, "-c", "import probe_module"], env=_environment(),
                   check=True)
    assert list((tmp_path / "__pycache__").glob("probe_module.*.pyc"))
