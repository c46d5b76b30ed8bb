"""The first thing a spawned worker process runs, before it imports anything heavy.

pyspark, which GX imports when it is installed, exits a process whose `__main__` has neither
a spec nor a file, taking it for a doctest run (pyspark/sql/connect/utils.py). A spawned
worker keeps the bare `__main__` of multiprocessing's bootstrap when its parent ran a
package's `__main__` (`python -m pytest`), so it would exit while importing GX. This module
imports nothing of the project, so the fix is in place before GX is imported.
"""

import sys


def give_main_a_file() -> None:
    """Name a file for a bare `__main__` (only pyspark's check reads it)."""
    main = sys.modules["__main__"]
    if getattr(main, "__spec__", None) is None and not hasattr(main, "__file__"):
        main.__file__ = __file__
