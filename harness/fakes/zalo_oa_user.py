"""A Zalo user in front of an Official Account: the test makes the user follow it, write, press
buttons, send pictures and share a phone number, and reads (or waits for) what the OA sent.

Each action is queued as the signed webhook event Zalo posts for it, shaped as Zalo documents:
`user_send_text` (also for a pressed oa.query.* button, whose payload comes back as the user's
text), `user_send_image` (one event for several pictures sent at once, one attachment each),
`user_send_file` (the file's url, name and size, a string), `follow`/`unfollow` (with
`follower` and `source` instead of a sender), `user_submit_info` (the phone and name the user
agreed to share, with empty address fields), and what no question takes (`send_other`).

The shapes of `user_send_file` and `user_send_location` (a `message.location`) are those of
hoangnd25/monorepo wip/zalo-platform-integration.md; the other location shape (an attachment
with `coordinates`) and the sticker, gif, audio, video and link attachments those integrators
type in trungndpc/CorporateServer (webhook/UserSendMessageEvent.java) and other public
receivers: the shapes disagree, so the fake sends either. Ids are opaque strings: 19-digit user ids, 32-hex-digit message ids. A user has two
ids, as on Zalo: `user_id` for this OA (what the OA sends to), `user_id_by_app` for the app.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, Protocol

from ..waiting import EVENT_CEILING
from .log import Message, MessageLog
from .zalo_oa_wire import QUERY_BUTTONS

DAY = 24 * 60 * 60


def attached(kind: str, **payload: object) -> dict[str, Any]:
    """A message's fields carrying one attachment of `kind`."""
    return {"attachments": [{"type": kind, "payload": payload}]}


COORDINATES = {"latitude": "18.6796", "longitude": "105.6813"}
OTHER_MESSAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "sticker": ("user_send_sticker", attached("sticker", id="bf8a4fc2", url="https://zalo.example/s.png")),
    "gif": ("user_send_gif", attached("gif", url="https://zalo.example/a.gif", thumbnail="https://zalo.example/a.jpg")),
    "audio": ("user_send_audio", attached("audio", url="https://zalo.example/v.aac")),
    "video": ("user_send_video", attached("video", url="https://zalo.example/v.mp4", thumbnail="https://zalo.example/v.jpg", description="")),
    "location": ("user_send_location", {"location": COORDINATES}),
    "location attachment": ("user_send_location", attached("location", coordinates=COORDINATES)),
    "link": ("user_send_link", attached("link", url="https://congan.nghean.gov.vn", title="Công an Nghệ An", description="", thumbnail="")),
}
"""What a user may send that the bot takes as no answer: the event and its `message` fields."""
NEVER = float("-inf")
"""The last interaction of a user who never did anything."""


class Zalo(Protocol):
    """What a user's actions go through: the fake's clock, its picture host and its webhook."""

    oa_id: str

    def now(self) -> float: ...

    def host_media(self, data: bytes, content_type: str | None = None) -> str: ...

    def emit(self, event_id: str, payload: dict[str, Any]) -> None: ...


class FakeOaUser(MessageLog):
    def __init__(self, user_id: str, user_id_by_app: str, display_name: str, zalo: Zalo) -> None:
        super().__init__(user_id)
        self.user_id = user_id
        self.user_id_by_app = user_id_by_app
        self.display_name = display_name
        self.follower = False
        self.last_interaction = NEVER
        """Clock time of the user's last follow, text, press, picture or shared phone: what opens
        Zalo's 7-day window for consultation messages."""
        # self.messages: what the OA sent this user, oldest first, each as {"text", "buttons":
        # [{"title", "payload"}], "file": {"name", "data"} | None, "image": bytes | None,
        # "request_user_info": bool, "raw": the call's `message`, "message_id"}.
        self._zalo = zalo
        self._log: list[str] = []

    # --- what the test makes the user do -------------------------------------------------

    def follow(self) -> None:
        self.follower = True
        self._interacted()
        self._follow_event("follow")

    def unfollow(self) -> None:
        self.follower = False
        self._follow_event("unfollow")

    def send_text(self, text: str) -> str:
        """Write `text` to the OA; returns the event's msg_id."""
        return self._send({"text": text}, repr(text))

    def press(self, title: str) -> str:
        """Press the button titled `title` on the newest message that has one: Zalo sends its
        payload as the user's text. Only oa.query.* buttons send anything back."""
        for message in reversed(self.messages):
            if not message["buttons"]:
                continue
            for button, raw in zip(message["buttons"], message["raw"]["attachment"]["payload"]["buttons"], strict=True):
                if button["title"] == title:
                    assert raw["type"] in QUERY_BUTTONS, f"{title!r} is an {raw['type']} button: pressing it sends nothing"
                    return self._send({"text": button["payload"]}, f"[pressed {title!r}]")
        raise AssertionError(f"user {self.user_id}: no message has a button {title!r}\n{self.transcript()}")

    def send_image(self, data: bytes) -> str:
        """Send a picture: Zalo hosts it and the event carries its URL (and a thumbnail's)."""
        return self.send_images(data)

    def send_images(self, *pictures: bytes) -> str:
        """Send several pictures at once: one event, an attachment for each."""
        attachments = [{"type": "image", "payload": {"url": (url := self._zalo.host_media(data)), "thumbnail": url}} for data in pictures]
        return self._send({"attachments": attachments}, f"[{len(pictures)} image(s)]", "user_send_image")

    def send_file(self, data: bytes, name: str, content_type: str = "application/octet-stream") -> str:
        """Send a file (a PDF, a Word or Excel file…): Zalo hosts it; the event carries its URL,
        name and size."""
        fields = attached("file", url=self._zalo.host_media(data, content_type), name=name, size=str(len(data)))
        return self._send(fields, f"[file {name}]", "user_send_file")

    def send_other(self, what: str, text: str | None = None) -> str:
        """Send one of OTHER_MESSAGES (a sticker, a location…), with `text` if given."""
        event, fields = OTHER_MESSAGES[what]
        return self._send({**fields, **({"text": text} if text is not None else {})}, f"[{what}]", event)

    def submit_info(self, phone: str, name: str = "") -> None:
        """Share a phone number through a request_user_info card; the name defaults to the
        user's own, as Zalo's form fills it in."""
        self._interacted()
        info = {"name": name or self.display_name, "phone": phone, "address": "", "city": "", "district": "", "ward": ""}
        payload = {
            "event_name": "user_submit_info",
            "sender": {"id": self.user_id},
            "recipient": {"id": self._zalo.oa_id},
            "info": info,
            "user_id_by_app": self.user_id_by_app,
        }
        self._zalo.emit("user_submit_info", payload)
        self._log.append(f"user [shared {phone}]")

    def silent_for(self, days: float) -> None:
        """The user has not interacted with the OA for `days` days."""
        self.last_interaction = self._zalo.now() - days * DAY

    # --- what the test reads ------------------------------------------------------------

    async def wait_for_message(self, predicate: Callable[[Message], bool] | None = None, timeout: float = EVENT_CEILING) -> Message:
        """The next message from the OA (that matches), after the last one this returned: a
        message already returned is never returned again."""
        return await super().wait_for_message(predicate, timeout)

    def transcript(self) -> str:
        lines = self._log or ["(nothing happened in this chat)"]
        return "\n".join(f"  {line}" for line in lines)

    # --- what the server does ---------------------------------------------------------------

    def deliver(self, message: Message) -> None:
        """The OA sent this user `message` (as zalo_oa_wire.Sent.shown makes it)."""
        parts = [repr(message["text"])] + [f"[{button['title']}]" for button in message["buttons"]]
        if message["file"]:
            parts.append(f"[file {message['file']['name']}]")
        if message["image"]:
            parts.append("[image]")
        if message["request_user_info"]:
            parts.append("[asks for the phone number]")
        self._log.append("oa   " + " ".join(parts))
        self.appear(message)

    # --- internals ----------------------------------------------------------------------

    def _interacted(self) -> None:
        self.last_interaction = self._zalo.now()

    def _send(self, fields: dict[str, Any], summary: str, event: str = "user_send_text") -> str:
        self._interacted()
        msg_id = new_msg_id()
        payload = {
            "event_name": event,
            "sender": {"id": self.user_id},
            "recipient": {"id": self._zalo.oa_id},
            "message": {"msg_id": msg_id, **fields},
            "user_id_by_app": self.user_id_by_app,
        }
        self._zalo.emit(msg_id, payload)
        self._log.append(f"user {summary}")
        return msg_id

    def _follow_event(self, name: str) -> None:
        payload = {
            "oa_id": self._zalo.oa_id,
            "event_name": name,
            "follower": {"id": self.user_id},
            "source": "oa_profile",
            "user_id_by_app": self.user_id_by_app,
        }
        self._zalo.emit(name, payload)
        self._log.append(f"user [{name}]")


def new_msg_id() -> str:
    """Opaque like Zalo's: 32 hex digits that say nothing about order."""
    return secrets.token_hex(16)


def new_user_id() -> str:
    """A 19-digit id, as Zalo's user ids are."""
    return str(10**18 + secrets.randbelow(9 * 10**18))
