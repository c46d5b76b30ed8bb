"""The bench's memory sampling: a forked child shares its parent's pages, and the process
tree's figure must count them once (the generator forks its month writers)."""

import os
import signal
import subprocess
import sys
import time

from consortium_dw.bench import _children, _tree_memory

MIB = 1024 ** 2

# Touches 400 MiB, forks a child that only sleeps, then waits: the pages are shared, never copied.
PARENT = """
import os, sys, time
block = bytearray(400 * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1
if os.fork() == 0:
    time.sleep(30)
    os._exit(0)
print("ready", flush=True)
time.sleep(30)
"""


def _summed_resident_sets(pids: list[int]) -> int:
    page = os.sysconf("SC_PAGE_SIZE")
    return sum(int(open(f"/proc/{pid}/statm").read().split()[1]) * page for pid in pids)


def test_shared_pages_of_a_forked_child_count_once():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    children: list[int] = []
    try:
        assert parent.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 10
        while not children and time.monotonic() < deadline:
            children = _children(parent.pid)
            time.sleep(0.05)
        assert len(children) == 1
        # Summed resident sets see the 400 MiB twice; the tree's memory sees it once.
        assert _summed_resident_sets([parent.pid, *children]) > 800 * MIB
        assert 400 * MIB < _tree_memory(parent.pid) < 560 * MIB
    finally:
        for child in children:
            os.kill(child, signal.SIGKILL)
        parent.kill()
        parent.wait()
