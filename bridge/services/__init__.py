"""Use cases: short functions taking their dependencies explicitly (see bridge/bootstrap.py)."""
