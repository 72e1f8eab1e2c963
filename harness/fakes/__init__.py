"""Fakes of the outside world for tests and benchmarks; `FakeBotApi` stands in for Telegram's Bot API."""

from .bot_api import FakeBotApi, RecordedRequest
from .chat import FakeUser
from .wire import Upload

__all__ = ["FakeBotApi", "FakeUser", "RecordedRequest", "Upload"]
