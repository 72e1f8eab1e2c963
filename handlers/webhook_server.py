"""One aiohttp server for every channel's webhook, each at its own path.

A call is answered 200 only once its update is in the inbox, so a crash after that point loses
nothing (platforms retry on any other answer). Forged calls are refused and logged, and bodies
that are not an update are refused with 400: a 5xx would make the platform retry them forever.
A channel may say which calls are the platform checking the URL (no update in them): those are
answered 200 and nothing is stored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from handlers.channel import WebhookRoute
from handlers.intake import ChannelIntake

__all__ = ["MAX_BODY", "Handler", "WebhookServer"]

Handler = Callable[[web.Request], Awaitable[web.Response]]

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024


class WebhookServer:
    def __init__(self, listen: str, intakes: Sequence[ChannelIntake], routes: Sequence[web.RouteDef] = ()) -> None:
        host, _sep, port = listen.rpartition(":")
        self.host = host or "127.0.0.1"
        self.port = int(port)
        self.app = web.Application(client_max_size=MAX_BODY)
        self.paths: list[str] = []
        for intake in intakes:
            route = intake.channel.webhook()
            if route is None:
                continue
            self.app.router.add_post(route.path, self.receiver(intake, route))
            self.paths.append(route.path)
        self.app.add_routes(routes)
        self.runner = web.AppRunner(self.app, access_log=None)

    @staticmethod
    def receiver(intake: ChannelIntake, route: WebhookRoute) -> Handler:
        channel = intake.channel

        async def receive(request: web.Request) -> web.Response:
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                log.warning("%s webhook: refused a body over %d bytes from %s", channel.name, MAX_BODY, request.remote)
                return web.Response(status=400, text="too large")
            if route.url_check(body):
                log.info("%s webhook: answered a call without an update from %s (the platform checking the URL)", channel.name, request.remote)
                return web.Response(text="ok")
            if not route.authentic(request.headers, body):
                log.warning("%s webhook: refused a call that failed authentication from %s", channel.name, request.remote)
                return web.Response(status=route.refusal_status, text="forbidden")
            try:
                payload = json.loads(body)
            except (ValueError, RecursionError) as error:
                log.warning("%s webhook: refused a body that is not JSON from %s: %s", channel.name, request.remote, error)
                return web.Response(status=400, text="not json")
            if not isinstance(payload, dict) or channel.identify(payload) is None:
                log.warning("%s webhook: refused a body that is not an update: %.300r", channel.name, payload)
                return web.Response(status=400, text="not an update")
            await intake.take(route.updates(payload))
            return web.Response(text="ok")

        return receive

    async def start(self) -> None:
        await self.runner.setup()
        await web.TCPSite(self.runner, self.host, self.port).start()
        log.info("webhooks served on %s:%s at %s", self.host, self.port, ", ".join(self.paths))

    async def stop(self) -> None:
        await self.runner.cleanup()
