"""What Zalo posts to an Official Account's webhook: checking that Zalo signed it, and reading the
events the bot acts on.

Zalo signs each call with `X-ZEvent-Signature` (written bare or as "mac=<hex>"): the hex SHA-256
of the app id, the raw body, the event's timestamp (milliseconds, as a string) and the OA's
secret key, concatenated — a plain hash over the raw bytes, not an HMAC. The timestamp is the
`X-ZEvent-Timestamp` header's where a call carries one (other verifiers read it there), else the
body's `timestamp`. An event whose signature is missing or wrong is refused before anything is
stored; so is one older than the inbox remembers ids for (handlers/inbox.KEEP_HANDLED), since
a replay of it could no longer be told from a new event. Anything younger is taken, however
late: Zalo redelivers for hours after an outage, and its msg_id stops a second copy.

A call that carries no event at all (an empty body, a JSON object without `event_name`) is Zalo
checking a new webhook URL: several integrations report it unsigned, expecting 200
(`is_url_check`). The OA's echoes of its own sends (`oa_send_*`) are dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from handlers.channel import Payload, object_at
from handlers.inbox import KEEP_HANDLED

__all__ = [
    "ECHO_PREFIX",
    "MAX_AGE",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "EventKind",
    "OaEvent",
    "SentFile",
    "identity_of",
    "is_url_check",
    "read_event",
    "signature_valid",
    "unpacked",
]

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
TIMESTAMP_HEADER = "X-ZEvent-Timestamp"
ECHO_PREFIX = "oa_send_"
"""The events that echo what the OA itself sent."""
MAX_AGE = KEEP_HANDLED
"""The oldest event taken: as long as its msg_id is remembered, so a replay is still known."""
LATE = timedelta(minutes=5)
"""An event older than this is a redelivery (Zalo answers within seconds): taken, and logged."""
FUTURE_SKEW = timedelta(minutes=5)
"""How far ahead of our clock Zalo's may be."""


def is_url_check(body: bytes) -> bool:
    """Whether a call carries no event: nothing, or a JSON object without `event_name`."""
    if not body.strip():
        return True
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(payload, dict) and "event_name" not in payload


def signature_valid(
    headers: Mapping[str, str], body: bytes, app_id: str, secret_key: str, now: datetime, max_age: timedelta = MAX_AGE
) -> bool:
    """Whether Zalo signed this body, at most `max_age` ago. Compared in constant time."""
    given = headers.get(SIGNATURE_HEADER, "").strip().lower().removeprefix("mac=").strip()
    stamp = timestamp_of(headers, body)
    if not given or stamp is None:
        return False
    expected = hashlib.sha256(app_id.encode() + body + stamp.encode() + secret_key.encode()).hexdigest()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return False
    age = now - datetime.fromtimestamp(int(stamp) / 1000, timezone.utc)
    if age > max_age or -age > FUTURE_SKEW:
        log.warning("Zalo OA webhook: refused a signed event stamped %s, %s from now (taken up to %s old)", stamp, age, max_age)
        return False
    if age > LATE:
        log.info("Zalo OA webhook: a redelivered event %s old (taken; its msg_id stops a second copy)", age)
    return True


def timestamp_of(headers: Mapping[str, str], body: bytes) -> str | None:
    """The timestamp Zalo signed with (a string of milliseconds): the header's, else the body's."""
    stamp: Any = headers.get(TIMESTAMP_HEADER)
    if stamp is None:
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return None
        stamp = payload.get("timestamp") if isinstance(payload, dict) else None
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        stamp = str(stamp)
    if isinstance(stamp, str):
        stamp = stamp.strip()
    return stamp if isinstance(stamp, str) and stamp.isdigit() and len(stamp) <= 15 else None


class EventKind(StrEnum):
    TEXT = "user_send_text"  # typed, or the payload of a pressed oa.query.hide button
    IMAGE = "user_send_image"
    FILE = "user_send_file"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    SUBMIT_INFO = "user_submit_info"  # the phone an officer shared through a request_user_info card
    UNSUPPORTED = "unsupported"  # anything else a person sends: `what` says which


USER_SENT = "user_send_"
UNSUPPORTED = {
    "user_send_sticker": "sticker",
    "user_send_gif": "gif",
    "user_send_audio": "voice",
    "user_send_video": "video",
    "user_send_location": "location",
    "user_send_link": "link",
    "user_send_business_card": "contact",
}
"""What a person may send that no question takes, and the word the bot's log uses for it; any
other `user_send_*` event is unsupported too, under its own name."""
READ = frozenset(EventKind) - {EventKind.UNSUPPORTED}
"""The events read by their own name."""
SPLIT = frozenset({EventKind.IMAGE, EventKind.FILE})
"""Events whose attachments become one update each (several pictures sent at once)."""


@dataclass(frozen=True)
class SentFile:
    """A file a person sent, where Zalo keeps it."""

    url: str
    name: str
    size: int | None = None


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
    file: SentFile | None = None
    what: str = ""
    """For an unsupported event: what it was ("sticker", "location"…)."""


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
    message_id = object_at(payload, "message").get("msg_id")
    return (str(message_id) if isinstance(message_id, str | int) and str(message_id) else f"{name}:{user}:{stamp}"), user


def unpacked(payload: Payload) -> list[Payload]:
    """The updates one call carries: an event with several pictures or files becomes one per
    attachment, the first under the event's msg_id and the others under "<msg_id>.<n>", so a
    redelivery unpacks to the same ids."""
    message = object_at(payload, "message")
    attachments = message.get("attachments")
    if payload.get("event_name") not in SPLIT or not isinstance(attachments, list) or len(attachments) < 2:
        return [payload]
    msg_id = message.get("msg_id")
    return [
        {**payload, "message": {**message, "msg_id": f"{msg_id}.{n}" if n else msg_id, "attachments": [attachment]}}
        for n, attachment in enumerate(attachments)
    ]


def read_event(payload: Any) -> OaEvent | None:
    """The event the bot acts on, or None for anything else (the OA's own echoes, Zalo's delivery
    and read receipts, a malformed body)."""
    identity = identity_of(payload)
    if identity is None:
        return None
    message_id, user = identity
    name = str(payload.get("event_name"))
    message = object_at(payload, "message")
    sent_at = datetime.fromtimestamp(int(payload["timestamp"]) / 1000, timezone.utc)
    text = message.get("text")
    if name == "user_send_link" and isinstance(text, str) and text.strip():
        name = EventKind.TEXT  # a link typed in a message: some sources give its text, the answer may be in it
    if name in READ and user:
        kind = EventKind(name)
    elif name.startswith(USER_SENT) and user:
        kind = EventKind.UNSUPPORTED
    else:
        return None
    payloads = [item["payload"] for item in message.get("attachments") or [] if isinstance(item, dict) and isinstance(item.get("payload"), dict)]
    match kind:
        case EventKind.TEXT:
            return OaEvent(kind, user, message_id, sent_at, text=text) if isinstance(text, str) else None
        case EventKind.IMAGE:
            return OaEvent(kind, user, message_id, sent_at, image_urls=tuple(str(item["url"]) for item in payloads if item.get("url")))
        case EventKind.FILE:
            return OaEvent(kind, user, message_id, sent_at, file=next((sent_file(item) for item in payloads if item.get("url")), None))
        case EventKind.SUBMIT_INFO:
            return OaEvent(kind, user, message_id, sent_at, phone=str(object_at(payload, "info").get("phone") or ""))
        case EventKind.UNSUPPORTED:
            return OaEvent(kind, user, message_id, sent_at, what=UNSUPPORTED.get(name, name.removeprefix(USER_SENT)))
    return OaEvent(kind, user, message_id, sent_at)


def sent_file(payload: Mapping[str, Any]) -> SentFile:
    """A file attachment's `payload`: its url, name and size (a string of bytes, as Zalo writes it)."""
    size = str(payload.get("size") or "")
    return SentFile(str(payload["url"]), str(payload.get("name") or ""), int(size) if size.isdigit() else None)
