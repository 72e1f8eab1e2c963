"""Two `baocao run --webhook` workers on one PostgreSQL database behind a round-robin balancer,
as the README's nginx example runs them: one is killed (SIGKILL) in the middle of an officer's
burst of answers and started again, as a process manager does. Every answer is applied once, on
the question it was typed for, in the order sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.balancer import RoundRobinBalancer
from tests.bot_process import BotProcess
from tests.channels.test_telegram_e2e import burst_cut_by_sigkill
from tests.channels.test_webhook_e2e import SECRET, free_port
from tests.conftest import POSTGRES_URL, _new_schema, _postgres_schema
from tests.fakes import FakeBotApi


@dataclass
class Workers:
    api: FakeBotApi
    workers: list[BotProcess]


@pytest.fixture
async def workers(tmp_path: Path) -> AsyncIterator[Workers]:
    if not POSTGRES_URL:
        pytest.skip("BAOCAO_TEST_POSTGRES_URL is not set")
    schema, url = _new_schema()
    await _postgres_schema(f'CREATE SCHEMA "{schema}"')
    ports = [free_port(), free_port()]
    balancer = RoundRobinBalancer([f"http://127.0.0.1:{port}" for port in ports])
    processes: list[BotProcess] = []
    try:
        async with FakeBotApi(token="8080:WORKERS") as api:
            await balancer.start()
            for n, port in enumerate(ports):
                home = tmp_path / f"worker-{n}"
                home.mkdir()
                env = {
                    "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{balancer.port}/telegram-hook",
                    "TELEGRAM_WEBHOOK_SECRET": SECRET,
                    "BAOCAO_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
                }
                processes.append(BotProcess(api, home, url, extra_env=env, run_args=("run", "--webhook")))
            await processes[0].prepare_demo()
            for process in processes:
                await process.start()
            for _ in range(150):
                if api.webhook.url and all(process.logs().count("webhook") for process in processes):
                    break
                await asyncio.sleep(0.1)
            assert api.webhook.url, processes[0].logs()
            yield Workers(api, processes)
    finally:
        for process in processes:
            await process.stop()
        await balancer.stop()
        await _postgres_schema(f'DROP SCHEMA "{schema}" CASCADE')


async def test_a_worker_killed_mid_burst_loses_nothing_and_applies_nothing_twice(workers: Workers) -> None:
    [first, second] = workers.workers
    officer = await burst_cut_by_sigkill(workers.api, first, user_id=7007)
    served = first.logs() + second.logs()
    assert "Traceback" not in served, served
    asked = [m["text"].split("\n")[0] for m in officer.user.messages if (m.get("text") or "").startswith("Câu")]
    assert len(asked) == len(set(asked)), asked  # each question shown once
