"""Asset modules of the code location; definitions.py lists which ones it loads."""
