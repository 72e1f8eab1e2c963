"""Runtime wiring: settings in, a wired service and the configured channels out; and `baocao run`,
which serves every channel, makes the files asked for one at a time (app/export_runner.py), drains
each one's outbox and (when this worker leads) arms the reminder schedule."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from app.channels import CHANNELS
from app.database import opened_database
from app.documents import FileDocuments
from app.downloads import DownloadLinks, download_links, download_route
from app.export_runner import ExportRunner
from app.settings import Settings
from bot.base.clock import Clock
from bot.base.codes import new_code
from bot.base.i18n import N_
from bot.base.ports import UnitOfWork
from bot.base.records import InviteLink
from bot.catalog.loading import load_catalog
from bot.catalog.model import Catalog
from bot.delivery.usage import Quota
from bot.feature.settings import FeatureSettings
from bot.reminders.composing import ReminderService
from bot.reminders.rerouting import Routes
from bot.reporting.engine import Engine
from bot.reporting.turn import EngineSettings
from bot.service import ReportingService
from handlers.channel import Channel, ChannelPlugin, Shared, StartError
from handlers.inbox import RENEW, TransactionalInbox
from handlers.intake import ChannelIntake
from handlers.ordering import ChatOrderedDispatcher
from handlers.outbox_sender import OutboxSender
from handlers.usage import UsageCounter
from handlers.webhook_server import WebhookServer
from scheduler import ReminderScheduler
from storage.catalog_overrides import load_overrides
from storage.credentials import SqlCredentials
from storage.leadership import Leadership
from storage.message_usage import SqlUsageLedger
from storage.migrate import ensure_current
from storage.organisation import OrganisationSnapshots
from storage.send_budget import SqlSendBudget
from storage.unit_of_work import UnitOfWorkFactory

__all__ = [
    "LEADERSHIP_RETRY_SECONDS",
    "ChannelStartError",
    "Runtime",
    "build_service",
    "lead_reminders",
    "routes_of",
    "runtime",
    "serve",
    "start_webhook_server",
    "until_stopped",
    "waker",
]

log = logging.getLogger(__name__)

LEADERSHIP_RETRY_SECONDS = 5
"""How often a worker that does not lead asks for the lock: a dead leader's lock goes with its
connection at once, and what it would have sent (a file, a notice) waits this long for the next
leader. One cheap query per worker each time."""
ANNOUNCE_BACKOFF_CEILING = 60.0
"""Seconds between tries at most, while a platform cannot be told where the webhook is."""


class ChannelStartError(RuntimeError):
    """A configured channel could not start (a wrong token, the platform unreachable, the
    webhook's address taken); `reason` is a StartError where the channel could say why."""

    def __init__(self, channel: str, reason: Exception) -> None:
        super().__init__(f"{channel}: {reason}")
        self.channel = channel
        self.reason = reason


@dataclass
class Runtime:
    settings: Settings
    database: AsyncEngine
    unit_of_work: UnitOfWorkFactory
    catalog: Catalog
    channels: list[Channel]
    service: ReportingService
    downloads: DownloadLinks | None
    """The links this installation hands out, where it has a public address (BAOCAO_PUBLIC_URL)."""
    usage: UsageCounter
    """This worker's count of each channel's messages; it knows every configured quota."""


def build_service(
    unit_of_work: Callable[[], UnitOfWork],
    catalog: Catalog,
    settings: Settings,
    clock: Clock,
    channels: Sequence[Channel] = (),
    plugins: Sequence[ChannelPlugin] = CHANNELS,
    downloads: DownloadLinks | None = None,
    quotas: Mapping[str, Quota] | None = None,
) -> ReportingService:
    """The service as every entry point (the bot, the console, the tests) runs it."""
    labels = {plugin.name: plugin.label for plugin in plugins} | {
        sender.name: sender.label for channel in channels for sender in channel.phone_senders
    }

    def invite_links(code: str) -> list[InviteLink]:
        """How the code is opened on each configured channel that has links."""
        return [InviteLink(channel.label, link) for channel in channels if (link := channel.invite_link(code))]

    features = FeatureSettings(
        forms=catalog.forms,
        kind_label=catalog.kind_label,
        letterhead=catalog.letterhead,
        invite_links=invite_links,
        channel_label=lambda name: labels.get(name, name),
        invite_days=settings.invite_days,
        new_code=new_code,
        documents=FileDocuments(settings.files_dir, downloads),
        quotas=quotas or {},
    )
    engine = Engine(EngineSettings(zone=settings.zone, max_file_bytes=settings.max_file_bytes))
    return ReportingService(unit_of_work, engine, features, OrganisationSnapshots(), clock, settings.zone, settings.locale)


@contextlib.asynccontextmanager
async def runtime(settings: Settings, plugins: Sequence[ChannelPlugin] = CHANNELS) -> AsyncIterator[Runtime]:
    """Opens the database (DatabaseNotReady unless it has been migrated), loads the forms (with
    any imported official texts) and creates the channels whose settings are present (not
    started: that is `serve`'s job)."""
    async with opened_database(settings.database_url) as database:
        await ensure_current(database)
        unit_of_work = UnitOfWorkFactory(database)
        catalog = load_catalog(overrides=await load_overrides(unit_of_work), extra_kinds=settings.unit_kinds_file)
        clock = settings.clock()
        downloads = download_links(settings.files_dir, settings.public_url, clock)
        service: ReportingService | None = None

        async def alert(topic: str, message: str, fields: Mapping[str, str]) -> None:
            assert service is not None, "no channel alerts before it is started"
            await service.alert(topic, message, fields)

        usage = UsageCounter(SqlUsageLedger(database), clock, settings.zone, alert)
        shared = Shared(
            files_dir=settings.files_dir,
            max_file_bytes=settings.max_file_bytes,
            credentials=SqlCredentials(database, lambda: datetime.now(timezone.utc)),
            alert=alert,
            download_link=(lambda attachment: downloads.link(Path(attachment.path), attachment.name)) if downloads else None,
            send_budget=SqlSendBudget(database) if settings.shared_send_budget else None,
            usage=usage,
        )
        channels = [channel for plugin in plugins if (channel := plugin.create(shared)) is not None]
        service = build_service(unit_of_work, catalog, settings, clock, channels, plugins, downloads, usage.quotas)
        yield Runtime(settings, database, unit_of_work, catalog, channels, service, downloads, usage)


async def serve(rt: Runtime, webhook: bool = False) -> None:
    """Receives every channel's updates (long polling, or webhooks where configured), drains each
    channel's outbox and, when this worker leads, arms the reminders; until SIGINT or SIGTERM,
    then finishes the updates already taken."""
    clock = rt.service.clock
    pushed = {channel.name for channel in rt.channels if webhook and channel.webhook() is not None}
    # A chat's updates can reach several workers only by webhook (a platform serves one poller),
    # and only when they share the database, which takes PostgreSQL.
    several_workers = rt.database.dialect.name == "postgresql"
    inboxes = {
        channel.name: TransactionalInbox(rt.unit_of_work, clock, shared=several_workers and channel.name in pushed)
        for channel in rt.channels
    }
    routes = routes_of(rt.channels)
    senders: list[OutboxSender] = []
    senders += [
        OutboxSender(
            sender, rt.unit_of_work, clock, rt.settings.outbox_lease, routes=routes, on_queued=waker(senders), held=rt.usage.held,
            zone=rt.settings.zone,
        )
        for channel in rt.channels
        for sender in (channel, *channel.phone_senders)
    ]
    intakes = [
        ChannelIntake(channel, rt.service, inboxes[channel.name], ChatOrderedDispatcher(), waker(senders))
        for channel in rt.channels
    ]
    started: list[Channel] = []
    server: WebhookServer | None = None
    tasks: set[asyncio.Task[None]] = set()
    announcements: set[asyncio.Task[None]] = set()
    try:
        for channel in rt.channels:
            try:
                await channel.start()
            except Exception as error:
                raise ChannelStartError(channel.label, error) from error
            started.append(channel)
        await rt.usage.flush()  # every worker's counts, before the first reminder is weighed against them
        tasks.add(asyncio.create_task(rt.usage.run(), name="usage"))
        tasks.add(asyncio.create_task(ExportRunner(rt.unit_of_work, clock, rt.settings, waker(senders)).run(), name="exports"))
        for intake in intakes:
            await intake.resume()
        if webhook or rt.downloads is not None:
            extra_routes = [download_route(rt.downloads)] if rt.downloads is not None else []
            server = await start_webhook_server(rt.settings.webhook_listen, intakes if webhook else [], extra_routes)
        for intake in intakes:
            if server is not None and intake.channel.name in pushed:
                announcements.add(asyncio.create_task(announcing(intake.channel), name=f"announce-{intake.channel.name}"))
            else:
                tasks.add(asyncio.create_task(receiving(intake), name=f"receive-{intake.channel.name}"))
                log.info("polling %s", intake.channel.label)
        tasks.add(asyncio.create_task(lead_reminders(rt, clock, senders), name="reminders"))
        if shared := [intake for intake in intakes if intake.inbox.shared]:
            tasks.add(asyncio.create_task(taking_over(shared), name="take-over"))
        await until_stopped(tasks)
    finally:
        for task in tasks | announcements:
            task.cancel()
        for task in tasks | announcements:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if server is not None:
            await server.stop()
        for intake in intakes:
            await intake.drain()
        for channel in started:
            await channel.stop()
        await rt.usage.flush()


async def start_webhook_server(
    listen: str, intakes: Sequence[ChannelIntake], routes: Sequence[web.RouteDef] = ()
) -> WebhookServer:
    """The one server every channel's webhook is a route of (and the downloads, in `routes`);
    ChannelStartError when webhooks were asked for and no channel has webhook settings, or the
    address is taken."""
    server = WebhookServer(listen, intakes, routes)
    if intakes and not server.paths:
        raise ChannelStartError("webhook", StartError(N_("no channel has its webhook settings (see README, Configuration)")))
    try:
        await server.start()
    except OSError as error:
        reason = StartError(N_("cannot listen on {address} (BAOCAO_WEBHOOK_LISTEN): the port is taken, or the address is not this machine's"), address=listen)
        raise ChannelStartError("webhook", reason) from error
    return server


async def receiving(intake: ChannelIntake) -> None:
    """The channel's long polling; a channel that cannot poll (it has only a webhook) says why."""
    try:
        await intake.channel.receive(intake)
    except StartError as error:
        raise ChannelStartError(intake.channel.label, error) from error


async def taking_over(intakes: Sequence[ChannelIntake]) -> None:
    """With several workers, every RENEW: renews this worker's hold on the updates it holds, and
    takes over those a worker that died let go."""
    while True:
        await asyncio.sleep(RENEW.total_seconds())
        for intake in intakes:
            try:
                await intake.keep_holding()
                await intake.take_over()
            except Exception:
                log.exception("%s: could not renew holds or look for updates left unhandled", intake.channel.name)


def routes_of(channels: Sequence[Channel]) -> Routes:
    """Every way this installation can send: the channels, and the first that reaches phones."""
    phones = [sender.name for channel in channels for sender in channel.phone_senders]
    return Routes(frozenset(channel.name for channel in channels) | frozenset(phones), phones[0] if phones else None)


def waker(senders: Sequence[OutboxSender]) -> Callable[[], None]:
    """Wakes every sender at once: something was just queued (a notice, a fired reminder)."""

    def wake() -> None:
        for sender in senders:
            sender.wake.set()

    return wake


async def announcing(channel: Channel) -> None:
    """Tells the platform where the webhook is, again and again while it cannot be told: a
    network blip at start must not stop the other channels (the server takes calls meanwhile).
    Its task is not one whose end stops the bot."""
    failures = 0
    while True:
        try:
            await channel.announce_webhook()
            return
        except Exception as error:
            failures += 1
            delay = min(ANNOUNCE_BACKOFF_CEILING, 2.0 ** (failures - 1))
            log.warning("%s: the webhook could not be announced (%r); trying again in %.0f s", channel.label, error, delay)
            await asyncio.sleep(delay)


async def until_stopped(tasks: set[asyncio.Task[None]]) -> None:
    """Waits for SIGINT or SIGTERM; a task that ends first (it failed) ends the wait too."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    stopping = asyncio.create_task(stop.wait())
    try:
        done, _pending = await asyncio.wait({*tasks, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in done - {stopping}:
            task.result()
    finally:
        stopping.cancel()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


async def lead_reminders(rt: Runtime, clock: Clock, senders: Sequence[OutboxSender]) -> None:
    """Tries for leadership every few seconds; the leader schedules reminders and sends the outbox.

    A platform's limit is per bot, not per worker, so a second sender would add no speed, only
    a second pacer that knows nothing of the first. Other workers serve chats and stand by;
    when the leader dies its lock goes with its connection and one of them takes over (the
    outbox's SKIP LOCKED claims keep an overlap during the handover from sending twice).
    """
    leadership = Leadership(rt.database)
    scheduler = ReminderScheduler(
        ReminderService(rt.unit_of_work, rt.catalog.form, rt.settings.zone, routes_of(rt.channels)),
        clock,
        rt.settings.zone,
        waker(senders),
    )
    try:
        while not await leadership.try_acquire():  # noqa: ASYNC110 (another process holds the lock: nothing here could set an event)
            await asyncio.sleep(LEADERSHIP_RETRY_SECONDS)
        log.info("this worker schedules reminders")
        await scheduler.start()
        await asyncio.gather(*(sender.run() for sender in senders))
    finally:
        scheduler.stop()
        await leadership.release()
