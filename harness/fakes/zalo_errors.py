"""How the fake Zalo Bot API refuses a call, shared by every layer that can refuse one.

Zalo's documented error codes are HTTP-shaped: 400 Bad request, 401 Unauthorized, 403 (which
Zalo's own table labels "Internal server error"), 404 Not found, 408 Request timeout and 429
Quota exceeded. Only "Request timeout", "Unauthorized" and "Not Found" are descriptions seen in
clients' code; the fake's other descriptions are made up to be readable in test failures.
"""

from __future__ import annotations

from typing import Any


class ZaloApiError(Exception):
    """An `{"ok": false, ...}` answer; `error_code` doubles as the HTTP status unless the fake
    is told to answer errors with HTTP 200."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """Zalo documents no retry hint for 429; the fake sends `parameters.retry_after`, the
        field the official python-zalo-bot SDK (a python-telegram-bot fork) turns into
        RetryAfter."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ZaloApiError:
    return ZaloApiError(400, f"Bad Request: {detail}")
