"""Random sequences of ledger operations against a plain Python model of the books.

After every step: each user's available/held equal the model, every balance equals the sum of its
entries, all accounts sum to zero, every transaction balances, no user balance is negative.
Keys and payment ids are drawn from small pools so that repeats (idempotent retries and conflicts)
happen often.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persistence import ledger
from persistence.ledger import Balance, IdempotencyConflict, InsufficientFunds, UnknownHold, UnknownTopup

RESET = "TRUNCATE ledger_entries, ledger_transactions, ledger_holds, ledger_accounts RESTART IDENTITY"

USERS = (201, 202)
ADMIN = 9

users = st.sampled_from(USERS)
kopecks = st.integers(min_value=1, max_value=50_00)
slots = st.integers(min_value=0, max_value=5)

operations = st.one_of(
    st.tuples(st.just("topup"), users, kopecks, slots),
    st.tuples(st.just("reverse"), slots),
    st.tuples(st.just("hold"), users, st.one_of(st.just(0), kopecks), slots),
    # Ends pick the n-th most recent hold key; n beyond the known holds names an unknown key.
    st.tuples(st.just("capture"), st.integers(min_value=0, max_value=3)),
    st.tuples(st.just("release"), st.integers(min_value=0, max_value=3)),
    st.tuples(st.just("adjust"), users, st.one_of(kopecks, kopecks.map(lambda k: -k)), slots),
)


@dataclass
class Books:
    available: dict[int, int] = field(default_factory=lambda: dict.fromkeys(USERS, 0))
    held: dict[int, int] = field(default_factory=lambda: dict.fromkeys(USERS, 0))
    revenue: int = 0
    topups: dict[str, tuple[int, int]] = field(default_factory=dict)  # payment id -> (user, amount)
    reversed: set[str] = field(default_factory=set)
    holds: dict[str, list] = field(default_factory=dict)  # key -> [user, amount, status]
    adjustments: dict[str, tuple[int, int]] = field(default_factory=dict)


async def apply(db, books: Books, op: tuple) -> None:
    """Run one operation on the real ledger and on the model; the outcomes must agree."""
    name = op[0]
    if name == "topup":
        _, user, amount, slot = op
        pid = f"pay-{slot}"
        if pid in books.topups and books.topups[pid] != (user, amount):
            with pytest.raises(IdempotencyConflict):
                await ledger.credit_topup(db, user, amount, pid, "stars")
            return
        posting = await ledger.credit_topup(db, user, amount, pid, "stars")
        assert posting.applied == (pid not in books.topups)
        if posting.applied:
            books.topups[pid] = (user, amount)
            books.available[user] += amount
    elif name == "reverse":
        pid = f"pay-{op[1]}"
        if pid not in books.topups:
            with pytest.raises(UnknownTopup):
                await ledger.reverse_topup(db, pid, "refund")
            return
        user, amount = books.topups[pid]
        if pid not in books.reversed and books.available[user] < amount:
            with pytest.raises(InsufficientFunds):
                await ledger.reverse_topup(db, pid, "refund")
            return
        posting = await ledger.reverse_topup(db, pid, "refund")
        assert posting.applied == (pid not in books.reversed)
        if posting.applied:
            books.reversed.add(pid)
            books.available[user] -= amount
    elif name == "hold":
        _, user, amount, slot = op
        key = f"R-{slot}:{user}:m"
        known = books.holds.get(key)
        if known is not None and known[1] != amount:
            with pytest.raises(IdempotencyConflict):
                await ledger.hold(db, user, amount, key)
            return
        if known is None and books.available[user] < amount:
            with pytest.raises(InsufficientFunds):
                await ledger.hold(db, user, amount, key)
            return
        result = await ledger.hold(db, user, amount, key)
        if known is None:
            books.holds[key] = [user, amount, "held"]
            books.available[user] -= amount
            books.held[user] += amount
        assert result.status == books.holds[key][2]
    elif name in ("capture", "release"):
        recent = list(books.holds)[::-1]
        key = recent[op[1]] if op[1] < len(recent) else f"R-unknown-{op[1]}"
        end = ledger.capture if name == "capture" else ledger.release
        known = books.holds.get(key)
        if known is None:
            with pytest.raises(UnknownHold):
                await end(db, key)
            return
        result = await end(db, key)
        user, amount, status = known
        if status == "held":
            known[2] = "captured" if name == "capture" else "released"
            books.held[user] -= amount
            if name == "capture":
                books.revenue += amount
            else:
                books.available[user] += amount
        assert result.status == known[2]
    elif name == "adjust":
        _, user, amount, slot = op
        key = f"adj-{slot}"
        known = books.adjustments.get(key)
        if known is not None and known != (user, amount):
            with pytest.raises(IdempotencyConflict):
                await ledger.adjust(db, user, amount, "why", ADMIN, key)
            return
        if known is None and books.available[user] + amount < 0:
            with pytest.raises(InsufficientFunds):
                await ledger.adjust(db, user, amount, "why", ADMIN, key)
            return
        posting = await ledger.adjust(db, user, amount, "why", ADMIN, key)
        assert posting.applied == (known is None)
        if known is None:
            books.adjustments[key] = (user, amount)
            books.available[user] += amount


async def check(db, books: Books) -> None:
    for user in USERS:
        assert await ledger.balance(db, user) == Balance(books.available[user], books.held[user])
    assert await ledger.revenue(db) == books.revenue
    # audit(): balances == sums of entries, books sum to zero, transactions balance, held == open holds.
    assert await ledger.audit(db) == []
    lowest = await db.fetchval("SELECT min(balance) FROM ledger_accounts WHERE user_id IS NOT NULL")
    assert lowest is None or lowest >= 0


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=30))
async def test_random_operations_keep_the_books_exact(pool, ops):
    # Only the ledger's tables: emptying every table of the schema per example is several times slower.
    await pool.execute(RESET)
    await pool.executemany("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", [(u,) for u in USERS])
    books = Books()
    for op in ops:
        await apply(pool, books, op)
        await check(pool, books)
