"""Alembic migrations for the schema in storage/models.py; run them with storage.migrate.upgrade."""
