"""Official criterion texts a province imported, kept in the database (the source of truth)
and laid over the packaged catalogs at start-up."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.base.forms import LocalText
from bot.catalog.model import CriteriaSet, Criterion
from storage.models import CatalogOverride
from storage.unit_of_work import UnitOfWorkFactory

__all__ = ["load_overrides", "save_override"]


async def load_overrides(unit_of_work: UnitOfWorkFactory) -> dict[str, CriteriaSet]:
    """The newest imported version of each criteria set."""
    newest = (
        select(CatalogOverride.criteria_set_id, func.max(CatalogOverride.version).label("version"))
        .group_by(CatalogOverride.criteria_set_id)
        .subquery()
    )
    async with unit_of_work() as uow:
        rows = await uow.session.execute(
            select(CatalogOverride.payload).join(
                newest,
                (CatalogOverride.criteria_set_id == newest.c.criteria_set_id)
                & (CatalogOverride.version == newest.c.version),
            )
        )
        sets = [_from_payload(payload) for (payload,) in rows]
    return {criteria_set.id: criteria_set for criteria_set in sets}


async def save_override(
    unit_of_work: UnitOfWorkFactory, criteria_set: CriteriaSet, source: str, now: datetime
) -> None:
    async with unit_of_work() as uow:
        uow.session.add(
            CatalogOverride(
                criteria_set_id=criteria_set.id,
                version=criteria_set.version,
                payload=asdict(criteria_set),
                source=source,
                imported_at=now,
            )
        )


def _text(data: dict[str, Any] | None) -> LocalText | None:
    return LocalText(**data) if data else None


def _from_payload(payload: dict[str, Any]) -> CriteriaSet:
    criteria = tuple(
        Criterion(
            number=c["number"], group=_text(c.get("group")), text=_text(c.get("text")), guidance=_text(c.get("guidance"))
        )
        for c in payload["criteria"]
    )
    shell = CriteriaSet(
        id=payload["id"],
        version=payload["version"],
        title=LocalText(**payload["title"]),
        legal_basis=tuple(payload["legal_basis"]),
        total=payload["total"],
        criteria=(),
        citation=LocalText(**payload["citation"]),
    )
    return replace(shell, criteria=criteria)
