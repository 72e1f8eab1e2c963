"""A turn's replies as few messages as they read well in: an acknowledgement ("✓ Saved …") that
has nothing to press or open goes at the head of the reply after it, when both fit in one
message. Each message is a platform call, and on Telegram calls are the throughput ceiling."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.base.events import Reply

__all__ = ["folded"]


def folded(replies: Sequence[Reply], fits: Callable[[str], bool]) -> list[Reply]:
    """The replies with each plain one joined to the next, where the joined text `fits`."""
    out: list[Reply] = []
    for reply in replies:
        previous = out[-1] if out else None
        if previous is not None and not previous.buttons and previous.attachment is None:
            joined = f"{previous.text}\n\n{reply.text}"
            if fits(joined):
                out[-1] = replace(reply, text=joined)
                continue
        out.append(reply)
    return out
