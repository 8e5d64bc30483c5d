"""Repositories: small, typed, each bound to the unit of work's connection."""
