"""ZNS: a reminder as a paid template message to the officer's phone, the one way Zalo lets an
OA reach someone who has not written to it for 7 days. Its outbox rows carry the phone as the
chat and the template's fields as data (bot/reminders/rerouting.py builds them); the OA's token pays."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.base.outbox import OutboxMessage
from handlers.channel import DELIVERED, Outcome, SendResult
from handlers.pacer import SendPacer
from handlers.zalo_oa.client import OaClient, OaError, OaUnreachable
from handlers.zalo_oa.tokens import TokensUnavailable

__all__ = ["ZNS_CHANNEL", "ZnsSender"]

ZNS_CHANNEL = "zalo_zns"
RATE_LIMITED = -32
TRACKING_ID_LIMIT = 48

Authorised = Callable[[Callable[[str], Awaitable[Any]]], Awaitable[Any]]


class ZnsSender:
    name = ZNS_CHANNEL
    label = "ZNS"

    def __init__(
        self, client: OaClient, authorised: Authorised, template_id: str, rate: float, counted: Callable[[], None] = lambda: None
    ) -> None:
        self.client = client
        self.authorised = authorised
        self.template_id = template_id
        self.pacer = SendPacer(rate, 0.0, counted=counted)  # each call one paid message, counted against the budget

    async def send(self, message: OutboxMessage) -> SendResult:
        """The template to the phone in `chat_id`, its `tracking_id` the outbox key (so Zalo's
        delivery reports can be matched to the ledger)."""
        if not message.data:
            return SendResult(Outcome.FAILED, detail="a ZNS message without template data")
        body = {
            "phone": message.chat_id,
            "template_id": self.template_id,
            "template_data": dict(message.data),
            "tracking_id": f"{message.person_id}:{message.key}"[-TRACKING_ID_LIMIT:],
        }
        await self.pacer.acquire(message.chat_id)
        try:
            await self.authorised(lambda token: self.client.zns(token, body))
        except OaError as error:
            if error.code == RATE_LIMITED:
                return SendResult(Outcome.THROTTLED, 60.0, str(error))
            return SendResult(Outcome.FAILED, detail=str(error))
        except OaUnreachable as error:
            return SendResult(Outcome.TRANSIENT, detail=str(error))
        except TokensUnavailable as error:
            return SendResult(Outcome.THROTTLED, error.retry_after, f"no access token: {error}")
        return DELIVERED
