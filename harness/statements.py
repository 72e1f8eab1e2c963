"""Counting the SQL a piece of code sends, to show it stays a constant number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from storage.unit_of_work import UnitOfWorkFactory


@contextmanager
def counting_statements(factory: UnitOfWorkFactory) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(factory.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(factory.engine.sync_engine, "before_cursor_execute", count)
