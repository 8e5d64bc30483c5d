"""Alembic migrations for the storage schema (run with storage.migrate.upgrade or `edoc-bridge migrate`)."""
