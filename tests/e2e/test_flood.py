"""Per-user flood control: past 5 updates a second (burst 20) one user's updates are acknowledged,
answered once with "slow down" and dropped before they are stored, so one user cannot spend the bot's
Telegram quota or the workers' time. Payments are never dropped.

Regression (issue 13, item 11): any number of updates per second from one user was stored and
answered.
"""

from __future__ import annotations

from runtime.flood import FloodGate
from sandbox.telegram import make_callback_update, make_message_update, make_successful_payment_update
from tests.e2e.harness import running_app


class FrozenClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_one_user_flooding_is_slowed_down_and_never_stored(db, database_url):
    clock = FrozenClock()
    async with running_app(database_url, flood=FloodGate(clock=clock)) as client:
        assert (client.app.flood.rate, client.app.flood.burst) == (5.0, 20)
        statuses = []
        for n in range(30):
            status, _ = await client.post(make_message_update(1000 + n, 801, "/start"))
            statuses.append(status)
        status, _ = await client.post(make_callback_update(1100, 801, "m:menu", 1))
        statuses.append(status)
        # A payment in the middle of a flood is money: it is always stored.
        payment = make_successful_payment_update(1200, 801, payload="S-AAAAAA", total_amount=77)
        statuses.append((await client.post(payment))[0])
        # Another user is not affected.
        statuses.append((await client.post(make_message_update(1300, 802, "/start")))[0])
        await client.settle()
        assert set(statuses) == {200}, "every update is acknowledged"
        stored = await db.fetch("SELECT update_id FROM inbox WHERE chat_key = 801 ORDER BY update_id")
        assert [r["update_id"] for r in stored] == [*range(1000, 1020), 1200]
        assert await db.fetchval("SELECT count(*) FROM inbox WHERE chat_key = 802") == 1
        notices = [t for t in client.tg.sent_texts(801) if "Слишком часто" in t]
        assert len(notices) == 1, client.tg.sent_texts(801)
        # A calm second later the user is heard again (5 updates per second refill).
        clock.now += 1.0
        await client.post(make_message_update(1400, 801, "/help"))
        await client.settle()
        assert await db.fetchval("SELECT count(*) FROM inbox WHERE update_id = 1400") == 1


async def test_the_gate_given_to_the_app_is_the_one_it_uses(db, database_url):
    """Regression: `flood or FloodGate()` swapped any gate with no users yet (an empty gate is falsy:
    it has a length) for the default 5/s one, so tests talking fast were slowed down."""
    gate = FloodGate(rate=10_000, burst=100_000)
    async with running_app(database_url, flood=gate) as client:
        assert client.app.flood is gate
