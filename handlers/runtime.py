"""The composition root: settings in, a wired service (and channels) out.

The only place that knows every layer, so `bot/` stays pure and each channel stays small.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.catalog import Catalog, load_catalog
from bot.config import Settings
from bot.engine import Engine, EngineSettings
from bot.service import ReportingService
from storage.catalog_overrides import load_overrides
from storage.database import create_engine
from storage.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    database: AsyncEngine
    unit_of_work: UnitOfWorkFactory
    catalog: Catalog
    service: ReportingService


@contextlib.asynccontextmanager
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Opens the database and loads the forms (with any imported official texts)."""
    database = create_engine(settings.database_url)
    try:
        unit_of_work = UnitOfWorkFactory(database)
        catalog = load_catalog(overrides=await load_overrides(unit_of_work))
        engine = Engine(EngineSettings(zone=settings.zone, max_file_bytes=settings.max_file_bytes))
        service = ReportingService(
            unit_of_work=unit_of_work,
            forms=catalog.form,
            engine=engine,
            clock=settings.clock(),
            zone=settings.zone,
            default_locale=settings.locale,
            kind_label=catalog.kind_label,
            bot_username=settings.telegram_bot_username,
            invite_days=settings.invite_days,
        )
        yield Runtime(settings, database, unit_of_work, catalog, service)
    finally:
        await database.dispose()


async def run_telegram(settings: Settings) -> None:
    """Polls Telegram until SIGINT or SIGTERM, then finishes the updates already taken."""
    from handlers.inbox import TransactionalInbox
    from handlers.ordering import ChatOrderedDispatcher
    from handlers.telegram.channel import TelegramChannel
    from handlers.telegram.polling import TelegramPoller

    assert settings.telegram_bot_token
    async with runtime(settings) as rt:
        inbox = TransactionalInbox(rt.unit_of_work, rt.service.clock)
        channel = TelegramChannel(
            rt.service,
            token=settings.telegram_bot_token,
            api_base_url=settings.telegram_api_base_url,
            file_base_url=settings.telegram_file_base_url,
            files_dir=settings.files_dir,
            max_file_bytes=settings.max_file_bytes,
            on_failure=lambda update_id: inbox.mark_processed("telegram", update_id, "failed"),
        )
        await channel.start()
        poller = TelegramPoller(channel.application, inbox, ChatOrderedDispatcher())
        polling = asyncio.create_task(poller.run())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        log.info("polling Telegram at %s", settings.telegram_api_base_url)
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
            await channel.stop()
