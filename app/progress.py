"""A progress line on stderr for the long set-up commands (a 100,000-row import): rows read so far,
then the share written. Only when stderr is a terminal: a pipe, a log or a test sees nothing.
A dozen lines of our own instead of a library: one line rewritten with "\r", in the CLI's
language, with Vietnamese digit grouping (45.000)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from app.cli_text import _

__all__ = ["Progress"]


class Progress:
    """`with Progress(number) as progress:` … `progress.reading(name)` and `progress.writing(total)`
    give the callbacks the importers call; the line is wiped when the block ends, or by `clear()`
    before something is printed. It is redrawn at most every `interval` seconds."""

    def __init__(self, number: Callable[[int], str] = str, stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.shown = self.stream.isatty()
        self.number = number
        self.interval = interval
        self._drawn_at = 0.0
        self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.clear()

    def reading(self, name: str) -> Callable[[int], None]:
        """Told the row reached so far."""
        return lambda rows: self.show(_("Reading {file} … {rows} rows").format(file=name, rows=self.number(rows)))

    def writing(self, total: int) -> Callable[[int], None]:
        """Told how many more of `total` rows were written."""
        done = 0

        def written(rows: int) -> None:
            nonlocal done
            done += rows
            percent = min(100, done * 100 // total) if total else 100
            self.show(_("Writing to the database … {percent}%").format(percent=percent), now=done >= total)

        return written

    def show(self, text: str, now: bool = False) -> None:
        if not self.shown:
            return
        moment = time.monotonic()
        if not now and moment - self._drawn_at < self.interval:
            return
        self._drawn_at = moment
        self.stream.write("\r" + text + " " * max(0, self._width - len(text)))
        self.stream.flush()
        self._width = len(text)

    def clear(self) -> None:
        if self.shown and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
