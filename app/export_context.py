"""What a file is made from, outside a running bot: the database opened for reading, the catalog
and the organisation as they stand. The export's own process (app/export_child.py) and
`baocao export` (app/exporting.py) open the same, and neither starts the bot's runtime: its
channels and its web server are a second of imports a file never needs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from app.settings import Settings
from bot.base.forms import Form, LocalText
from bot.base.letterhead import Letterhead
from bot.base.ports import Queries
from bot.base.records import CampaignRecord
from bot.documents.port import Documents
from bot.organisation.units import UnitTree

__all__ = ["ExportContext", "Layout", "export_context"]


@dataclass(frozen=True)
class Layout:
    """What the builders need of the composition root (bot.documents.exports.ExportSettings)."""

    forms: Mapping[str, Form]
    documents: Documents
    kind_label: Callable[[str], LocalText]
    letterhead: Callable[[str], Letterhead]


@dataclass(frozen=True)
class ExportContext:
    """One read-only unit of work, and what every export looks up in it first."""

    reads: Queries
    tree: UnitTree
    campaigns: Sequence[CampaignRecord]
    layout: Layout


@asynccontextmanager
async def export_context(settings: Settings, check_schema: bool = True) -> AsyncIterator[ExportContext]:
    """Opens the database as the runtime does, for reading only: DatabaseNotReady unless it has
    been migrated, unless `check_schema` is off (the worker that starts an export's process
    checked it when it started; reading the migrations loads Alembic, 8 MB)."""
    from app.database import opened_database
    from app.documents import FileDocuments
    from app.downloads import download_links
    from bot.catalog.loading import load_catalog
    from storage.catalog_overrides import load_overrides
    from storage.unit_of_work import UnitOfWorkFactory

    async with opened_database(settings.database_url, reading=True) as database:
        if check_schema:
            from storage.migrate import ensure_current

            await ensure_current(database)
        unit_of_work = UnitOfWorkFactory(database)
        catalog = load_catalog(overrides=await load_overrides(unit_of_work), extra_kinds=settings.unit_kinds_file)
        documents = FileDocuments(settings.files_dir, download_links(settings.files_dir, settings.public_url, settings.clock()))
        async with unit_of_work() as uow:
            tree = UnitTree(await uow.units.units())
            layout = Layout(catalog.forms, documents, catalog.kind_label, catalog.letterhead)
            yield ExportContext(uow, tree, await uow.units.campaigns(), layout)
