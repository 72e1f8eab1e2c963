"""The most memory Python held at once while a call ran (tracemalloc), for the tests that check
a file is sent from disk a chunk at a time, never held whole."""

from __future__ import annotations

import tracemalloc
from collections.abc import Awaitable
from typing import TypeVar

__all__ = ["peak_while"]

T = TypeVar("T")


async def peak_while(call: Awaitable[T]) -> tuple[T, int]:
    """What `call` returned, and the most bytes Python held at once meanwhile (a fake server
    running in the same process counts too)."""
    tracemalloc.start()
    try:
        result = await call
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
