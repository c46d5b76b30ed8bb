"""Asset checks: the Great Expectations gates (quality.py)."""
