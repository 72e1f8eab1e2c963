"""Optional flood limits for the fake Zalo Bot API, so pacing bugs surface as 429s in tests.

Zalo publishes no numbers, only "429 Quota exceeded"; the test chooses the rates. The windows
are the Telegram fake's strict sliding windows, keyed by Zalo's opaque string chat ids.
"""

from __future__ import annotations

import math

from .limits import SlidingWindow


class ZaloFloodControl:
    """Global and per-chat windows over the calls that put something in front of a user."""

    def __init__(self, global_rate: float | None, per_chat_rate: float | None) -> None:
        self._global = SlidingWindow.per_second(global_rate) if global_rate else None
        self._per_chat_rate = per_chat_rate
        self._chats: dict[str, SlidingWindow] = {}
        self.violations = 0
        """Calls refused so far."""

    def retry_after(self, chat_id: str | None, now: float) -> int | None:
        """Admit the call and return None, or refuse it and return whole seconds to wait (≥ 1)."""
        windows = [self._global] if self._global else []
        if self._per_chat_rate and chat_id is not None:
            windows.append(
                self._chats.setdefault(chat_id, SlidingWindow.per_second(self._per_chat_rate))
            )
        wait = max((window.wait_needed(now) for window in windows), default=0.0)
        if wait > 0:
            self.violations += 1
            return max(1, math.ceil(wait))
        for window in windows:
            window.admit(now)
        return None
