"""How the fake reports a failed Bot API call, shared by every layer that can refuse one."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error response; `description` is the text Telegram puts in the body verbatim."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends; PTB turns `parameters.retry_after` into RetryAfter."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """A 400, which PTB raises as BadRequest carrying `detail` in its message."""
    return ApiError(400, f"Bad Request: {detail}")
