"""The whole schema in one metadata, for what needs every table: the migrations' environment,
which compares the models with what the migrations made, and a test emptying its database.
A table joins `Base.metadata` when its module is imported, so this imports each table module."""

from __future__ import annotations

from types import ModuleType

from sqlalchemy import MetaData

from storage import machinery_models, models

__all__ = ["METADATA", "TABLE_MODULES"]

TABLE_MODULES: tuple[ModuleType, ...] = (models, machinery_models)
METADATA: MetaData = models.Base.metadata
