"""Two workers sending through one platform share its limit: each call takes a slot of a budget
counted in the database, so together they never exceed it in any second (SQLite and PostgreSQL,
on the real clock: about two seconds each)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from handlers.pacer import BudgetGate
from storage.send_budget import SqlSendBudget
from storage.unit_of_work import UnitOfWorkFactory


async def test_two_workers_together_stay_within_the_limit_each_second(uow_factory: UnitOfWorkFactory) -> None:
    budget = SqlSendBudget(uow_factory.engine)
    workers = [BudgetGate(budget, "telegram", 20) for _ in range(2)]
    sent: list[int] = []

    async def send(gate: BudgetGate) -> None:
        sent.append(await gate.acquire())

    await asyncio.gather(*(send(workers[n % 2]) for n in range(50)))
    per_second = {second: sent.count(second) for second in set(sent)}
    assert sum(per_second.values()) == 50 and max(per_second.values()) <= 20 and len(per_second) >= 3
    async with uow_factory.engine.connect() as connection:
        counted = dict((await connection.execute(text("SELECT second, used FROM send_budget"))).all())
    assert counted == per_second  # what the database counted is what went out


async def test_channels_have_budgets_of_their_own(uow_factory: UnitOfWorkFactory) -> None:
    budget = SqlSendBudget(uow_factory.engine)
    assert [await budget.take("telegram", 5, 1), await budget.take("telegram", 5, 1)] == [True, False]
    assert await budget.take("zalo_bot", 5, 1) and await budget.take("telegram", 6, 1)
