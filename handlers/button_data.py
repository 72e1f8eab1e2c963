"""A pressed button as a platform carries it back: "<step>:<value>", the conversation step the
button belongs to (so a press on an old message is recognised) and the core's value. Telegram
carries it as callback data, the Zalo OA as the payload of an `oa.query.hide` button."""

from __future__ import annotations

from bot.base.inputs import ButtonInput

__all__ = ["BUTTON_DATA_LIMIT", "button_data", "parse_button_data"]

BUTTON_DATA_LIMIT = 64  # bytes: Telegram's limit on callback data, the tightest of the platforms


def button_data(step: int | None, value: str) -> str:
    data = f"{step or 0}:{value}"
    if len(data.encode()) > BUTTON_DATA_LIMIT:
        raise ValueError(f"button data over {BUTTON_DATA_LIMIT} bytes: {data!r}")
    return data


def parse_button_data(data: str) -> ButtonInput | None:
    """The press; None for anything that is not "<step>:<value>"."""
    step, _sep, value = data.partition(":")
    if not step.isdigit() or not value:
        return None
    return ButtonInput(step=int(step), value=value)
