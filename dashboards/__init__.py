"""Superset for the consortium: configuration, assets as YAML, provisioning and serving."""
