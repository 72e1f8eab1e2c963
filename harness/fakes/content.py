"""What Telegram accepts as message content: parse modes, length limits and inline keyboards.

The checks mirror the errors the real Bot API returns for mistakes bots really make (overlong
texts, unescaped MarkdownV2, tags Telegram's HTML does not know, oversized callback_data), so a
bot that passes against the fake does not trip over them in production. Messages carry the
plain text a user would see; formatting entities are not reported back.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .errors import ApiError, bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS_PER_ROW = 8
MAX_BUTTONS = 100

_HTML_TAGS = frozenset(
    {
        "a", "b", "blockquote", "code", "del", "em", "i", "ins", "pre",
        "s", "span", "strike", "strong", "tg-emoji", "tg-spoiler", "u",
    }
)  # fmt: skip
_HTML_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_LEGACY_ESCAPABLE = frozenset("_*`[")
_BUTTON_ACTIONS = frozenset(
    {
        "callback_data", "url", "login_url", "web_app", "switch_inline_query",
        "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
        "copy_text", "callback_game", "pay",
    }
)  # fmt: skip


def utf16_length(text: str) -> int:
    """Telegram counts lengths and entity offsets in UTF-16 code units, not code points."""
    return len(text.encode("utf-16-le")) // 2


def message_text(params: dict[str, Any]) -> str:
    """The visible text of a sendMessage/editMessageText call, checked like Telegram does."""
    text = visible_text(str(params.get("text", "")), params.get("parse_mode")).strip()
    if not text:
        raise bad_request("message text is empty")
    if utf16_length(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return text


def caption(params: dict[str, Any]) -> str | None:
    """The visible caption of a media message, or None when there is none."""
    text = visible_text(str(params.get("caption", "")), params.get("parse_mode")).strip()
    if utf16_length(text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return text or None


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees once Telegram has parsed the `parse_mode` markup out of `text`."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text
    if mode == "html":
        return _parse_html(text)
    if mode in ("markdown", "markdownv2"):
        return _parse_markdown(text, strict=mode == "markdownv2")
    raise bad_request("unsupported parse_mode")


def inline_keyboard(markup: Any) -> dict[str, Any] | None:
    """Validate `reply_markup`; return it if it is an inline keyboard, as the Message echoes it.

    Reply keyboards, removals and force-replies are accepted but, as in Telegram, not echoed.
    More than 8 buttons in a row is refused here; Telegram's clients silently drop them instead.
    """
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    buttons = [button for row in rows for button in row]
    if len(buttons) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    if any(len(row) > MAX_BUTTONS_PER_ROW for row in rows):
        raise bad_request("too many buttons in a row")
    for button in buttons:
        _check_button(button)
    return markup if buttons else None


def _check_button(button: Any) -> None:
    if not (isinstance(button, dict) and isinstance(button.get("text"), str) and button["text"]):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not _BUTTON_ACTIONS & button.keys():
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and not (
        isinstance(data, str) and 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")


def _parse_html(text: str) -> str:
    out: list[str] = []
    open_tags: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            end = text.find(">", i)
            is_end_tag = text.startswith("/", i + 1)
            name = _TAG_NAME.match(text, i + 1 + is_end_tag, end) if end >= 0 else None
            offset = _byte_offset(text, i)
            if name is None:
                raise _parse_error(f"Unexpected end of name token at byte offset {offset}")
            tag = name.group().lower()
            if is_end_tag:
                if not open_tags or open_tags[-1] != tag:
                    expected = f'"</{open_tags[-1]}>"' if open_tags else "no end tag"
                    raise _parse_error(
                        f"Unmatched end tag at byte offset {offset}, expected {expected}, "
                        f'found "</{tag}>"'
                    )
                open_tags.pop()
            elif tag not in _HTML_TAGS:
                raise _parse_error(f'Unsupported start tag "{tag}" at byte offset {offset}')
            else:
                open_tags.append(tag)
            i = end + 1
        elif char == "&" and (entity := _HTML_ENTITY.match(text, i)):
            out.append(html.unescape(entity.group()))
            i = entity.end()
        else:
            out.append(char)
            i += 1
    if open_tags:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(out)


def _parse_markdown(text: str, *, strict: bool) -> str:
    """Strip Markdown markup; `strict` is MarkdownV2, where reserved characters need escaping."""
    toggles = ("||", "__", "*", "_", "~") if strict else ("*", "_")
    out: list[str] = []
    open_at: dict[str, int] = {}  # open marker -> index where it started, for the error message
    i = 0
    while i < len(text):
        char = text[i]
        toggle = next((marker for marker in toggles if text.startswith(marker, i)), None)
        if char == "\\" and i + 1 < len(text) and _escapable(text[i + 1], strict):
            out.append(text[i + 1])
            i += 2
        elif char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = _find_closing(text, fence, i + len(fence), escapes=strict)
            if end < 0:
                raise _unclosed(text, i)
            body = text[i + len(fence) : end]
            if fence == "```":
                body = _without_language_line(body)
            out.append(re.sub(r"\\([\\`])", r"\1", body) if strict else body)
            i = end + len(fence)
        elif toggle:
            if open_at.pop(toggle, None) is None:
                open_at[toggle] = i
            i += len(toggle)
        elif char == "[" and "[" not in open_at:
            open_at["["] = i
            i += 1
        elif char == "]" and "[" in open_at:
            close = _find_closing(text, ")", i + 2, escapes=strict)
            if not text.startswith("(", i + 1) or close < 0:
                raise _unclosed(text, open_at["["])
            del open_at["["]
            i = close + 1
        elif strict and char == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # a blockquote line
        elif strict and char in _V2_RESERVED:
            raise _parse_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            out.append(char)
            i += 1
    if open_at:
        raise _unclosed(text, min(open_at.values()))
    return "".join(out)


def _escapable(char: str, strict: bool) -> bool:
    return ord(char) < 127 if strict else char in _LEGACY_ESCAPABLE


def _find_closing(text: str, token: str, start: int, *, escapes: bool) -> int:
    """Index of the next `token` at or after `start`, skipping backslash-escaped characters."""
    i = start
    while i < len(text):
        if escapes and text[i] == "\\":
            i += 2
        elif text.startswith(token, i):
            return i
        else:
            i += 1
    return -1


def _without_language_line(body: str) -> str:
    first, newline, rest = body.partition("\n")
    return rest if newline and " " not in first else body


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _unclosed(text: str, index: int) -> ApiError:
    return _parse_error(
        f"Can't find end of the entity starting at byte offset {_byte_offset(text, index)}"
    )


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")
