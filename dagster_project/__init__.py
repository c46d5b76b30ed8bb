"""The Dagster code location of the consortium warehouse (`definitions.py` assembles it)."""
