"""Telegram's webhook: an aiohttp endpoint that accepts only requests carrying our secret.

Telegram retries a webhook on any answer but 2xx, and the update is in our inbox before we
answer 200, so a crash after that point loses nothing either. A request without the secret
header (a forgery, or a misconfigured proxy) is refused with 403 and logged.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update

from handlers.telegram.intake import Intake

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


class TelegramWebhook:
    def __init__(self, intake: Intake, secret: str, path: str = "/telegram") -> None:
        if not 1 <= len(secret) <= 256:
            raise ValueError("the webhook secret must be 1 to 256 characters")
        self.intake = intake
        self.secret = secret
        self.path = path

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self.receive)
        return app

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("refused a webhook call without the right secret from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            payload = await request.json()
            update = Update.de_json(payload, self.intake.application.bot)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            log.warning("refused a malformed webhook body from %s: %s", request.remote, error)
            return web.Response(status=400, text="bad update")
        await self.intake.take([update])
        return web.Response(text="ok")
