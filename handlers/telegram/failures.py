"""Which failures of a Bot API call Telegram cannot have acted on. python-telegram-bot raises
TimedOut for a connect timeout and a read timeout alike, and NetworkError for a refused
connection, a broken one and a 5xx; what httpx raised underneath (the error's __cause__) tells
"never sent" from "sent, outcome unknown"."""

from __future__ import annotations

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter

__all__ = ["never_sent", "outcome_unknown"]

NOT_CONNECTED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""httpx's failures before a byte of the request left: refused, no such name, no connection made
in time, or none free in the pool."""


def never_sent(error: BaseException) -> bool:
    """Telegram cannot have acted on the call: it never left, or Telegram said to slow down (429)."""
    return isinstance(error, RetryAfter) or (isinstance(error, NetworkError) and isinstance(error.__cause__, NOT_CONNECTED))


def outcome_unknown(error: BaseException) -> bool:
    """The call may have been carried out: a read timeout, a connection broken after sending, a 5xx."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest) and not never_sent(error)
