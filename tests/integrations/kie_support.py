"""What the Kie client tests share: the fake's key, a fast retry policy, polling a task to its end."""

from __future__ import annotations

from integrations.kie import KieClient, RetryPolicy

API_KEY = "kie-secret-key-4f9a0c1e77b2d3"
FAST = RetryPolicy(attempts=5, within_seconds=5, base_seconds=0.01, max_wait_seconds=0.05)


async def poll_until_done(client: KieClient, family: str, task_id: str, polls: int = 10):
    seen = []
    for _ in range(polls):
        status = await client.get_task(family, task_id)
        seen.append(status.state)
        if status.done:
            return status, seen
    raise AssertionError(f"task never finished: {seen}")
