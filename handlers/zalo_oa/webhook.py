"""What Zalo posts to an Official Account's webhook: checking that Zalo signed it, and reading the
events the bot acts on.

Zalo signs each call with `X-ZEvent-Signature` (written bare or as "mac=<hex>"): the hex SHA-256
of the app id, the raw body, the event's `timestamp` (milliseconds, as a string in the body) and
the OA's secret key, concatenated — a plain hash over the raw bytes, not an HMAC. A call whose
signature is missing or wrong, or whose timestamp is too far from now (a replay), is refused
before anything is stored. The OA's echoes of its own sends (`oa_send_*`) are dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

__all__ = ["ECHO_PREFIX", "MAX_AGE", "SIGNATURE_HEADER", "EventKind", "OaEvent", "identity_of", "read_event", "signature_valid"]

SIGNATURE_HEADER = "X-ZEvent-Signature"
ECHO_PREFIX = "oa_send_"
"""The events that echo what the OA itself sent."""
MAX_AGE = timedelta(minutes=5)
"""How far an event's timestamp may be from now: Zalo answers within seconds, a replay later."""


def signature_valid(
    headers: Mapping[str, str], body: bytes, app_id: str, secret_key: str, now: datetime, max_age: timedelta = MAX_AGE
) -> bool:
    """Whether Zalo signed this body, and recently. Compared in constant time."""
    given = headers.get(SIGNATURE_HEADER, "").strip().lower().removeprefix("mac=").strip()
    stamp = timestamp_of(body)
    if not given or stamp is None:
        return False
    sent = datetime.fromtimestamp(int(stamp) / 1000, timezone.utc)
    if abs(now - sent) > max_age:
        return False
    expected = hashlib.sha256(app_id.encode() + body + stamp.encode() + secret_key.encode()).hexdigest()
    return hmac.compare_digest(given.encode(), expected.encode())


def timestamp_of(body: bytes) -> str | None:
    """The event's `timestamp` as Zalo wrote it (a string of milliseconds), or None."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None
    stamp = payload.get("timestamp") if isinstance(payload, dict) else None
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        stamp = str(stamp)
    return stamp if isinstance(stamp, str) and stamp.isdigit() and len(stamp) <= 15 else None


class EventKind(StrEnum):
    TEXT = "user_send_text"  # typed, or the payload of a pressed oa.query.hide button
    IMAGE = "user_send_image"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    SUBMIT_INFO = "user_submit_info"  # the phone an officer shared through a request_user_info card


@dataclass(frozen=True)
class OaEvent:
    """One event from a person, as the channel turns it into an update."""

    kind: EventKind
    user_id: str  # the person's id for this OA
    message_id: str  # what de-duplicates a redelivery
    sent_at: datetime
    text: str = ""
    image_urls: tuple[str, ...] = ()
    phone: str = ""


def identity_of(payload: Any) -> tuple[str, str] | None:
    """(the event's id, the person whose events must stay in order) for anything Zalo posts,
    the OA's echoes included; None for a body that is no event. The id is the message's
    `msg_id`, or for an event without one its name, person and timestamp, so a redelivery of
    either is recognised."""
    if not isinstance(payload, dict) or not isinstance(payload.get("event_name"), str):
        return None
    stamp = payload.get("timestamp")
    if not isinstance(stamp, str | int) or isinstance(stamp, bool) or not str(stamp).isdigit():
        return None
    name = payload["event_name"]
    holder = payload.get("follower") if name in (EventKind.FOLLOW, EventKind.UNFOLLOW) else payload.get("sender")
    if name.startswith(ECHO_PREFIX):
        holder = payload.get("recipient")  # the OA wrote: the conversation is the person's
    user = holder.get("id") if isinstance(holder, dict) else None
    user = str(user) if isinstance(user, str | int) and not isinstance(user, bool) else ""
    message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
    message_id = message.get("msg_id")
    return (str(message_id) if isinstance(message_id, str | int) and str(message_id) else f"{name}:{user}:{stamp}"), user


def read_event(payload: Any) -> OaEvent | None:
    """The event the bot acts on, or None for anything else (the OA's own echoes, events it does
    not use, a malformed body)."""
    identity = identity_of(payload)
    if identity is None:
        return None
    try:
        kind = EventKind(payload.get("event_name"))
    except ValueError:
        return None
    message_id, user = identity
    if not user:
        return None
    message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
    sent_at = datetime.fromtimestamp(int(payload["timestamp"]) / 1000, timezone.utc)
    if kind is EventKind.TEXT:
        text = message.get("text")
        return OaEvent(kind, user, message_id, sent_at, text=text) if isinstance(text, str) else None
    if kind is EventKind.IMAGE:
        urls = tuple(
            str(item["payload"]["url"])
            for item in message.get("attachments") or []
            if isinstance(item, dict) and isinstance(item.get("payload"), dict) and item["payload"].get("url")
        )
        return OaEvent(kind, user, message_id, sent_at, image_urls=urls)
    if kind is EventKind.SUBMIT_INFO:
        info = payload.get("info") if isinstance(payload.get("info"), dict) else {}
        return OaEvent(kind, user, message_id, sent_at, phone=str(info.get("phone") or ""))
    return OaEvent(kind, user, message_id, sent_at)
