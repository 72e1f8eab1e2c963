"""The organisation tree: any depth, so the 2023 three tiers and today's two both fit.

Scope and search are computed here, in the core, from the plain unit list storage returns.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import (
    Callable,
    Collection,
    Container,
    Hashable,
    Iterable,
    Iterator,
    Sequence,
)
from typing import TypeVar

from bot.base.records import UnitRecord
from bot.base.text import fold

__all__ = ["UnitTree", "parents_first"]


class UnitTree:
    def __init__(self, units: Sequence[UnitRecord]) -> None:
        self._by_id = {unit.id: unit for unit in units}
        self._by_code = {unit.code.upper(): unit for unit in units}
        self._children: dict[int | None, list[UnitRecord]] = {}
        for unit in units:
            self._children.setdefault(unit.parent_id, []).append(unit)
        self._subtrees: dict[frozenset[int], frozenset[int]] = {}
        self._folded: dict[int, str] = {}
        """What a supervisor's every turn asks of a tree a process holds between turns (its scope,
        units by name), worked out once per tree rather than once per turn."""

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._by_id

    def __iter__(self) -> Iterator[UnitRecord]:
        return iter(self._by_id.values())

    def get(self, unit_id: int) -> UnitRecord:
        return self._by_id[unit_id]

    def by_code(self, code: str) -> UnitRecord | None:
        return self._by_code.get(code.strip().upper())

    def children(self, unit_id: int | None) -> list[UnitRecord]:
        return list(self._children.get(unit_id, ()))

    def subtree(self, roots: Iterable[int]) -> frozenset[int]:
        """The roots and everything below them."""
        wanted = frozenset(roots)
        if wanted not in self._subtrees:
            self._subtrees[wanted] = self._below(wanted)
        return self._subtrees[wanted]

    def _below(self, roots: frozenset[int]) -> frozenset[int]:
        found: set[int] = set()
        pending = [root for root in roots if root in self._by_id]
        while pending:
            unit_id = pending.pop()
            if unit_id not in found:
                found.add(unit_id)
                pending.extend(child.id for child in self._children.get(unit_id, ()))
        return frozenset(found)

    def ancestors(self, unit_id: int) -> list[UnitRecord]:
        """From the unit's parent up to the top."""
        chain = []
        parent = self._by_id[unit_id].parent_id
        while parent is not None and parent in self._by_id:
            chain.append(self._by_id[parent])
            parent = self._by_id[parent].parent_id
        return chain

    def nearest(self, unit_id: int, among: Container[int]) -> int | None:
        """The unit's nearest ancestor (its parent first) that is `among` these ids."""
        return next((above.id for above in self.ancestors(unit_id) if above.id in among), None)

    def branch_under(self, root_id: int, unit_id: int) -> UnitRecord | None:
        """The child of `root_id` whose subtree holds `unit_id` (the unit itself if it is one)."""
        path = [self._by_id[unit_id], *self.ancestors(unit_id)]
        for below, above in itertools.pairwise(path):
            if above.id == root_id:
                return below
        return None

    def name_key(self, unit_id: int) -> str:
        """The unit's name folded (bot.base.text.fold): what lists of units are sorted by."""
        return self._folded_names()[unit_id]

    def _folded_names(self) -> dict[int, str]:
        if not self._folded:
            self._folded = {unit_id: fold(unit.name) for unit_id, unit in self._by_id.items()}
        return self._folded

    def search(self, query: str, within: Collection[int]) -> list[UnitRecord]:
        """Units in `within` matching a code exactly, or whole words of a name ignoring case,
        diacritics and tone-mark placement ("nghi" finds Nghi Hải, not Doanh nghiệp); an exact
        name beats a partial one."""
        by_code = self.by_code(query)
        if by_code is not None and by_code.id in within:
            return [by_code]
        wanted = fold(query)
        if not wanted:
            return []
        folded = self._folded_names()
        candidates = [self._by_id[i] for i in within if i in self._by_id]
        exact = [u for u in candidates if folded[u.id] == wanted]
        if exact:
            return sorted(exact, key=lambda u: u.code)
        words = re.compile(rf"(?<!\w){re.escape(wanted)}(?!\w)")
        return sorted((u for u in candidates if words.search(folded[u.id])), key=lambda u: folded[u.id])


T = TypeVar("T")


def parents_first(items: Iterable[T], key: Callable[[T], Hashable], parent: Callable[[T], Hashable | None]) -> list[T]:
    """The items depth-first from the roots, each parent followed by its children, siblings in
    the order given; an item whose parent is not among them counts as a root. ValueError names
    the items of a cycle, which no root leads to."""
    items = list(items)
    keys = {key(item) for item in items}
    children: dict[Hashable | None, list[T]] = {}
    for item in items:
        above = parent(item)
        children.setdefault(above if above in keys else None, []).append(item)
    ordered: list[T] = []
    pending = list(reversed(children.get(None, [])))
    while pending:
        item = pending.pop()
        ordered.append(item)
        pending.extend(reversed(children.get(key(item), [])))
    if len(ordered) < len(items):
        reached = {key(item) for item in ordered}
        raise ValueError(f"units form a cycle: {', '.join(str(key(item)) for item in items if key(item) not in reached)}")
    return ordered
