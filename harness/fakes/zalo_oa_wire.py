"""What the fake Zalo OA accepts and how it refuses: the error codes of the OA Open API, ZNS and
OAuth v4, and the rules a consultation message (`/v3.0/oa/message/cs`) must follow.

Zalo's own documentation pages are not at hand; the codes and their wording come from tables
integrators copied from it, and where none was found the choice is written next to the code:
- OA Open API: the error table in hoangnd25/monorepo, wip/zalo-platform-integration.md (-32, -201,
  -210, -213, -216, -220, -230, -234), which also gives the message shapes and button types;
  -230 is confirmed live by khoicodedao/Poto_platform docs/FIX_ERROR_230.md.
- The quota codes (-211, -218) and -305, -311: zalo-sdk 0.3.0 (connext-biz/zalo_integration),
  ZaloOAException.ERROR_CODE_TO_STR, which cites developers.zalo.me's OA error table
  (official-account-api/phu-luc/ma-loi-post-735); the wording below is that table's.
- ZNS: zalo.cloud/zns/guidelines/handle-error-code (-108, -109, -111, -112 in that table's
  order); -124 for a bad access token from the ZNS constants in
  Tran-Huu-Tai-12-04-23/quiz-wise-backend src/constants/server.ts.
- OAuth v4: -14014 "invalid refresh token" from the same constants file; -14003 "invalid
  parameter or authentication failed" from datvt88/CPLS docs/FIX_ERROR_14003.md.

A request_user_info card is the one template that carries no `text`; a template with buttons
must carry the message's `text` (Zalo shows the buttons under it); `template_type` may be left
out of it or be "button". A media template holds one uploaded picture by `attachment_id`; a
picture by URL, which Zalo also takes, is refused because the fake could not show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# --- the OA Open API ----------------------------------------------------------------------
RATE_LIMITED = -32
INVALID_PARAM = -201
OVER_LIMIT = -210
NOT_FOLLOWER = -213
TOKEN_INVALID = -216
TOKEN_EXPIRED = -220
OUTSIDE_WINDOW = -230
NIGHT = -234
OUT_OF_QUOTA = -211
OUT_OF_RECEIVING_QUOTA = -218
NO_REPLY_AFTER_48_HOURS = -305
OUT_OF_REPLY_QUOTA = -311
OA_MESSAGES = {
    RATE_LIMITED: "Your application reached limit call api",
    OVER_LIMIT: "Parameter exceeds allowable limit",
    NOT_FOLLOWER: "User has not followed OA",
    TOKEN_INVALID: "Access token is invalid",
    TOKEN_EXPIRED: "access_token is expired or removed",
    OUTSIDE_WINDOW: "User has not interacted with the OA in the past 7 days",
    NIGHT: "Message cannot be sent at night (10PM - 6AM)",
    OUT_OF_QUOTA: "Out of quota",
    OUT_OF_RECEIVING_QUOTA: "Out of quota for receiving",
    NO_REPLY_AFTER_48_HOURS: "Offical Account cannot response to user after 48 hours",
    OUT_OF_REPLY_QUOTA: "Out of quota for responding to user message",
}

# --- ZNS ------------------------------------------------------------------------------------
ZNS_PHONE_INVALID = -108
ZNS_TEMPLATE_INVALID = -109
ZNS_DATA_EMPTY = -111
ZNS_DATA_INVALID = -112
ZNS_TOKEN_INVALID = -124
"""ZNS answers this for an expired token too: its table has no separate code for expiry."""
ZNS_MESSAGES = {
    RATE_LIMITED: OA_MESSAGES[RATE_LIMITED],
    ZNS_PHONE_INVALID: "Phone number invalid",
    ZNS_TEMPLATE_INVALID: "Template ID invalid",
    ZNS_DATA_EMPTY: "Template data empty",
    ZNS_DATA_INVALID: "Template data invalid",
    ZNS_TOKEN_INVALID: "Access token invalid",
}

# --- OAuth v4 -------------------------------------------------------------------------------
OAUTH_INVALID_REQUEST = -14003
"""A wrong app id or secret key too: the source gives one code for both."""
OAUTH_INVALID_REFRESH_TOKEN = -14014

# --- what a consultation message may hold --------------------------------------------------
TEXT_LIMIT = 2000
MAX_BUTTONS = 5
QUERY_BUTTONS = frozenset({"oa.query.hide", "oa.query.show"})
"""Pressed, these send their payload back as the user's text."""
LINK_BUTTON_FIELDS = {"oa.open.url": ("url",), "oa.open.phone": ("phone_code",), "oa.open.sms": ("content", "phone_code")}
"""The other button types, and the fields their payload object must carry."""


class OaRefusal(Exception):
    """Zalo's answer to a call it refuses: `{"error": code, "message": message}`."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


def refusal(code: int, messages: dict[int, str] = OA_MESSAGES) -> OaRefusal:
    return OaRefusal(code, messages[code])


def invalid(field: str) -> OaRefusal:
    """Zalo names the offending field: "<field> is invalid!"."""
    return OaRefusal(INVALID_PARAM, f"{field} is invalid!")


@dataclass(frozen=True)
class Upload:
    """A file or picture uploaded for sending, kept as sent, and where the fake serves it."""

    name: str
    data: bytes
    content_type: str
    url: str


@dataclass(frozen=True)
class Sent:
    """A consultation message Zalo accepted, as the user sees it."""

    text: str = ""
    buttons: tuple[dict[str, Any], ...] = ()
    """{"title", "payload"} of each button; the raw message says which type each is."""
    file: Upload | None = None
    image: Upload | None = None
    request_user_info: bool = False

    def shown(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The message as FakeOaUser.messages keeps it; `raw` is the call's `message`."""
        return {
            "text": self.text,
            "buttons": list(self.buttons),
            "file": {"name": self.file.name, "data": self.file.data} if self.file else None,
            "image": self.image.data if self.image else None,
            "request_user_info": self.request_user_info,
            "raw": raw,
        }

    def echo(self) -> tuple[str, dict[str, Any]]:
        """The event name and `message` fields (besides msg_id) of the OA's echo of this send.
        No published echo of a request_user_info card was found: `oa_send_list` is a guess."""
        if self.image:
            payload = {"url": self.image.url, "thumbnail": self.image.url}
            return "oa_send_image", {"attachments": [{"type": "image", "payload": payload}]}
        if self.file:
            payload = {"url": self.file.url, "name": self.file.name, "size": str(len(self.file.data))}
            return "oa_send_file", {"attachments": [{"type": "file", "payload": payload}]}
        if self.request_user_info:
            return "oa_send_list", {"text": self.text}
        return "oa_send_text", {"text": self.text}


def read_message(message: Any, files: dict[str, Upload], images: dict[str, Upload]) -> Sent:
    """The consultation message in a call's `message`, or the refusal Zalo answers it with;
    `files` and `images` are the uploads by token and attachment id."""
    if not isinstance(message, dict):
        raise invalid("message")
    text = message.get("text")
    if text is not None and (not isinstance(text, str) or not text):
        raise invalid("text")
    if text is not None and len(text) > TEXT_LIMIT:
        raise refusal(OVER_LIMIT)
    attachment = message.get("attachment")
    if attachment is None:
        if text is None:
            raise invalid("message")
        return Sent(text=text)
    if not isinstance(attachment, dict) or not isinstance(attachment.get("payload"), dict):
        raise invalid("attachment")
    payload = attachment["payload"]
    match attachment.get("type"), payload.get("template_type"):
        case "template", None | "button":
            return _with_buttons(text, payload.get("buttons"))
        case "template", "request_user_info":
            return _request_user_info(text or "", payload.get("elements"))
        case "template", "media":
            return Sent(text=text or "", image=_uploaded_image(payload.get("elements"), images))
        case "file", _:
            token = payload.get("token")
            if not isinstance(token, str) or token not in files:
                raise invalid("token")
            return Sent(file=files[token])
    raise invalid("attachment.type")


def _with_buttons(text: str | None, buttons: Any) -> Sent:
    if text is None:
        raise invalid("text")
    if not isinstance(buttons, list) or not buttons:
        raise invalid("buttons")
    if len(buttons) > MAX_BUTTONS:
        raise refusal(OVER_LIMIT)
    return Sent(text=text, buttons=tuple(_button(button) for button in buttons))


def _button(button: Any) -> dict[str, Any]:
    """The button as the user sees it: {"title", "payload"}."""
    if not isinstance(button, dict) or not isinstance(button.get("title"), str) or not button["title"]:
        raise invalid("button.title")
    kind, payload = button.get("type"), button.get("payload")
    if kind in QUERY_BUTTONS:
        if not isinstance(payload, str) or not payload:
            raise invalid("button.payload")
    elif kind in LINK_BUTTON_FIELDS:
        if not isinstance(payload, dict) or not all(
            isinstance(payload.get(f), str) and payload[f] for f in LINK_BUTTON_FIELDS[kind]
        ):
            raise invalid("button.payload")
    else:
        raise invalid("button.type")
    return {"title": button["title"], "payload": payload}


def _request_user_info(text: str, elements: Any) -> Sent:
    element = _only_element(elements)
    for field in ("title", "subtitle", "image_url"):
        if not isinstance(element.get(field), str) or not element[field]:
            raise invalid(f"elements.{field}")
    if not element["image_url"].startswith(("http://", "https://")):
        raise invalid("elements.image_url")
    return Sent(text=text, request_user_info=True)


def _uploaded_image(elements: Any, images: dict[str, Upload]) -> Upload:
    element = _only_element(elements)
    if element.get("media_type") != "image":
        raise invalid("elements.media_type")
    attachment_id = element.get("attachment_id")
    if not isinstance(attachment_id, str) or attachment_id not in images:
        raise invalid("attachment_id")
    return images[attachment_id]


def _only_element(elements: Any) -> dict[str, Any]:
    if not isinstance(elements, list) or len(elements) != 1 or not isinstance(elements[0], dict):
        raise invalid("elements")
    return elements[0]
