"""Maintenance scripts of the course: run from the repository root as ``python -m tools.NAME``."""
