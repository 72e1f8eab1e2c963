"""One address in front of several webhook workers, as nginx's `upstream` block is: each POST
goes to the next worker in turn (same path, headers and body), a worker that cannot be reached
is skipped for the next one (nginx's default `proxy_next_upstream error`), and the worker's
answer goes back to the caller; 502 when none answers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import aiohttp
from aiohttp import web

from harness.fakes.webhook import SECRET_HEADER

__all__ = ["RoundRobinBalancer"]


class RoundRobinBalancer:
    def __init__(self, targets: Sequence[str]) -> None:
        self.count = len(targets)
        self.targets = itertools.cycle(targets)
        self.runner: web.AppRunner | None = None
        self.session: aiohttp.ClientSession | None = None
        self.port = 0

    async def start(self) -> None:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        app = web.Application()
        app.router.add_post("/{path:.*}", self.forward)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = self.runner.addresses[0][1]

    async def forward(self, request: web.Request) -> web.Response:
        assert self.session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", SECRET_HEADER.lower())}
        body = await request.read()
        for _ in range(self.count):
            target = next(self.targets)
            try:
                async with self.session.post(f"{target}{request.path}", data=body, headers=headers) as answer:
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientConnectorError:
                continue  # not listening: the next worker
            except aiohttp.ClientError:
                break  # it took the request and died: a POST is not sent twice
        return web.Response(status=502)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        if self.session is not None:
            await self.session.close()
