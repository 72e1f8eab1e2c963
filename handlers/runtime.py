"""The composition root: settings in, a wired service (and channels) out.

The only place that knows every layer, so `bot/` stays pure and each channel stays small.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from urllib.parse import urlsplit
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from handlers.telegram.intake import Intake
    from handlers.telegram.outbox_sender import OutboxSender

from bot.catalog import Catalog, load_catalog
from bot.clock import Clock
from bot.config import Settings
from bot.engine import Engine, EngineSettings
from bot.reminding import ReminderService
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


async def run_telegram(settings: Settings, webhook: bool = False) -> None:
    """Polls Telegram, drains the reminder outbox and (when this worker leads) arms the
    reminder schedule, until SIGINT or SIGTERM; then finishes the updates already taken."""
    from telegram import Bot

    from handlers.inbox import TransactionalInbox
    from handlers.ordering import ChatOrderedDispatcher
    from handlers.ratelimit import SendPacer
    from handlers.telegram.channel import TelegramChannel
    from handlers.telegram.outbox_sender import OutboxSender
    from handlers.telegram.intake import Intake
    from handlers.telegram.polling import TelegramPoller

    assert settings.telegram_bot_token
    async with runtime(settings) as rt:
        clock = rt.service.clock
        inbox = TransactionalInbox(rt.unit_of_work, clock)
        pacer = SendPacer(settings.send_rate)
        channel = TelegramChannel(
            rt.service,
            token=settings.telegram_bot_token,
            api_base_url=settings.telegram_api_base_url,
            file_base_url=settings.telegram_file_base_url,
            files_dir=settings.files_dir,
            max_file_bytes=settings.max_file_bytes,
            on_failure=lambda update_id: inbox.mark_processed("telegram", update_id, "failed"),
            pacer=pacer,
        )
        await channel.start()
        # Broadcasts get their own Bot, paced by SendPacer alone (no second limiter on top).
        broadcaster = Bot(settings.telegram_bot_token, settings.telegram_api_base_url, settings.telegram_file_base_url)
        await broadcaster.initialize()
        sender = OutboxSender(broadcaster, rt.unit_of_work, clock, pacer)
        intake = Intake(channel.application, inbox, ChatOrderedDispatcher())
        receive = receive_webhook(intake, settings) if webhook else TelegramPoller(intake).run()
        tasks = {
            asyncio.create_task(receive, name="updates"),
            asyncio.create_task(lead_reminders(rt, clock, sender), name="reminders"),
        }
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        log.info("polling Telegram at %s", settings.telegram_api_base_url)
        stopping = asyncio.create_task(stop.wait())
        try:
            done, _pending = await asyncio.wait({*tasks, stopping}, return_when=asyncio.FIRST_COMPLETED)
            for task in done - {stopping}:
                task.result()
        finally:
            stopping.cancel()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await broadcaster.shutdown()
            await channel.stop()


async def receive_webhook(intake: Intake, settings: Settings) -> None:
    """Serves the webhook until cancelled, after telling Telegram where it is."""
    from aiohttp import web

    from handlers.telegram.channel import ALLOWED_UPDATES
    from handlers.telegram.webhook import TelegramWebhook

    if not settings.webhook_url or not settings.webhook_secret:
        raise SystemExit("--webhook needs TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET (8 to 256 characters)")
    host, _sep, port = settings.webhook_listen.rpartition(":")
    path = urlsplit(settings.webhook_url).path or "/telegram"
    runner = web.AppRunner(TelegramWebhook(intake, settings.webhook_secret, path).app())
    await runner.setup()
    await web.TCPSite(runner, host or "127.0.0.1", int(port)).start()
    try:
        await intake.resume()
        await intake.application.bot.set_webhook(
            settings.webhook_url, secret_token=settings.webhook_secret, allowed_updates=ALLOWED_UPDATES
        )
        log.info("webhook at %s, listening on %s", settings.webhook_url, settings.webhook_listen)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await intake.drain()


async def lead_reminders(rt: Runtime, clock: Clock, sender: OutboxSender) -> None:
    """Tries for leadership every half minute; the leader schedules reminders and sends them.

    Telegram's limit is per bot, not per worker, so a second sender would add no speed, only
    a second pacer that knows nothing of the first. Other workers serve chats and stand by;
    when the leader dies its lock goes with its connection and one of them takes over (the
    outbox's SKIP LOCKED claims keep an overlap during the handover from sending twice).
    """
    from scheduler import ReminderScheduler
    from storage.leadership import Leadership

    leadership = Leadership(rt.database)
    scheduler = ReminderScheduler(
        ReminderService(rt.unit_of_work, rt.catalog.form, rt.settings.zone), clock, rt.settings.zone, sender.wake.set
    )
    try:
        while not await leadership.try_acquire():
            await asyncio.sleep(30)
        log.info("this worker schedules reminders")
        await scheduler.start()
        await sender.run()
    finally:
        scheduler.stop()
        await leadership.release()
