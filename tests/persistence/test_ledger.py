"""The kopeck ledger on a real PostgreSQL: worked stories, idempotency, concurrency, DB-level invariants."""

from __future__ import annotations

import asyncio
import datetime as dt

import asyncpg
import pytest

from persistence import ledger
from persistence.ledger import (
    AmountError,
    Balance,
    IdempotencyConflict,
    InsufficientFunds,
    UnknownHold,
    UnknownTopup,
    UnknownUser,
)

ALICE, BOB, CAROL = 101, 102, 103
ADMIN = 9


async def add_users(db, *ids: int) -> None:
    await db.executemany("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", [(i,) for i in ids])


async def assert_healthy(db) -> None:
    assert await ledger.audit(db) == []


@pytest.fixture
async def alice(db):
    await add_users(db, ALICE, BOB, CAROL)
    return ALICE


async def test_worked_story_to_the_kopeck(db, alice):
    topup = await ledger.credit_topup(db, alice, 500_00, "pay-1", "transfer", "SBP from Alice")
    assert (topup.amount, topup.applied) == (500_00, True)

    await ledger.hold(db, alice, 12_00, "R-AAAAAA:101:flux")
    assert await ledger.balance(db, alice) == Balance(available=488_00, held=12_00)
    assert (await ledger.capture(db, "R-AAAAAA:101:flux")).status == "captured"

    await ledger.hold(db, alice, 45_50, "R-BBBBBB:101:veo")
    assert await ledger.balance(db, alice) == Balance(available=442_50, held=45_50)
    assert (await ledger.release(db, "R-BBBBBB:101:veo")).status == "released"

    await ledger.hold(db, alice, 30_00, "R-CCCCCC:101:suno")
    await ledger.capture(db, "R-CCCCCC:101:suno")

    assert await ledger.balance(db, alice) == Balance(available=458_00, held=0)
    assert await ledger.revenue(db) == 42_00
    assert await ledger.open_holds(db) == ledger.OpenHolds(0, 0)
    await assert_healthy(db)

    history = await ledger.entries(db, alice, limit=10)
    assert [(o.kind, o.available_change, o.held_change) for o in history] == [
        ("capture", 0, -30_00),
        ("hold", -30_00, 30_00),
        ("release", 45_50, -45_50),
        ("hold", -45_50, 45_50),
        ("capture", 0, -12_00),
        ("hold", -12_00, 12_00),
        ("topup", 500_00, 0),
    ]
    assert history[0].reference == "R-CCCCCC:101:suno"
    assert history[-1].reference == "pay-1" and history[-1].note == "SBP from Alice"
    assert [o.kind for o in await ledger.entries(db, alice, limit=2)] == ["capture", "hold"]

    # Every balance is the sum of its entries, and the books as a whole sum to zero.
    sums = {
        r["kind"]: r["total"]
        for r in await db.fetch(
            "SELECT a.kind, sum(e.amount)::bigint AS total FROM ledger_entries e "
            "JOIN ledger_accounts a ON a.id = e.account_id GROUP BY a.kind"
        )
    }
    assert sums == {"available": 458_00, "held": 0, "revenue": 42_00, "topups": -500_00}


async def test_revenue_since_counts_only_later_captures(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "pay-1", "stars")
    await ledger.hold(db, alice, 10_00, "k1")
    await ledger.capture(db, "k1")
    assert await ledger.revenue(db, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)) == 10_00
    assert await ledger.revenue(db, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)) == 0


async def test_open_holds_counts_and_sums_unended_holds(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "pay-1", "stars")
    await ledger.hold(db, alice, 10_00, "k1")
    await ledger.hold(db, alice, 5_50, "k2")
    await ledger.hold(db, alice, 0, "k3")
    await ledger.capture(db, "k1")
    assert await ledger.open_holds(db) == ledger.OpenHolds(count=2, total=5_50)
    assert await ledger.open_holds(db, older_than=dt.timedelta(hours=1)) == ledger.OpenHolds(0, 0)


async def test_unknown_user_balance_is_zero(db):
    assert await ledger.balance(db, 424242) == Balance(0, 0)
    assert await ledger.entries(db, 424242) == []


# --- idempotency ---------------------------------------------------------------------------------


async def test_duplicate_topup_payment_id_credits_once(db, alice):
    first = await ledger.credit_topup(db, alice, 250_00, "charge:charge-1", "stars")
    second = await ledger.credit_topup(db, alice, 250_00, "charge:charge-1", "stars")
    assert second.applied is False
    assert second == ledger.Posting(**{**_fields(first), "applied": False})
    assert await ledger.balance(db, alice) == Balance(250_00, 0)
    await assert_healthy(db)


async def test_topup_payment_id_reused_with_other_amount_is_a_conflict(db, alice):
    await ledger.credit_topup(db, alice, 250_00, "pay-1", "transfer")
    with pytest.raises(IdempotencyConflict):
        await ledger.credit_topup(db, alice, 300_00, "pay-1", "transfer")
    with pytest.raises(IdempotencyConflict):
        await ledger.credit_topup(db, BOB, 250_00, "pay-1", "transfer")
    assert await ledger.balance(db, alice) == Balance(250_00, 0)


async def test_concurrent_duplicate_topups_credit_once(db, alice):
    results = await asyncio.gather(
        *(ledger.credit_topup(db, alice, 70_00, "pay-x", "transfer") for _ in range(20))
    )
    assert sum(r.applied for r in results) == 1
    assert len({r.transaction_id for r in results}) == 1
    assert await ledger.balance(db, alice) == Balance(70_00, 0)
    await assert_healthy(db)


async def test_hold_twice_with_one_key_holds_once(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "pay-1", "transfer")
    first = await ledger.hold(db, alice, 40_00, "R-1:101:m")
    second = await ledger.hold(db, alice, 40_00, "R-1:101:m")
    assert first == second
    assert await ledger.balance(db, alice) == Balance(60_00, 40_00)
    with pytest.raises(IdempotencyConflict):
        await ledger.hold(db, alice, 41_00, "R-1:101:m")
    # Even after it ended, the key still names that hold: no second debit.
    await ledger.capture(db, "R-1:101:m")
    again = await ledger.hold(db, alice, 40_00, "R-1:101:m")
    assert again.status == "captured"
    assert await ledger.balance(db, alice) == Balance(60_00, 0)
    await assert_healthy(db)


async def test_capture_twice_charges_once(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "pay-1", "transfer")
    await ledger.hold(db, alice, 40_00, "k")
    first = await ledger.capture(db, "k")
    second = await ledger.capture(db, "k")
    assert first == second and second.status == "captured"
    assert await ledger.revenue(db) == 40_00
    assert await ledger.balance(db, alice) == Balance(60_00, 0)


async def test_release_after_capture_changes_nothing(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "pay-1", "transfer")
    await ledger.hold(db, alice, 40_00, "k")
    await ledger.capture(db, "k")
    after = await ledger.release(db, "k")
    assert after.status == "captured"
    assert await ledger.balance(db, alice) == Balance(60_00, 0)
    assert await ledger.revenue(db) == 40_00
    await assert_healthy(db)


async def test_capture_after_release_changes_nothing(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "pay-1", "transfer")
    await ledger.hold(db, alice, 40_00, "k")
    await ledger.release(db, "k")
    assert (await ledger.release(db, "k")).status == "released"
    assert (await ledger.capture(db, "k")).status == "released"
    assert await ledger.balance(db, alice) == Balance(100_00, 0)
    assert await ledger.revenue(db) == 0


async def test_unknown_hold(db, alice):
    with pytest.raises(UnknownHold):
        await ledger.capture(db, "nope")
    with pytest.raises(UnknownHold):
        await ledger.release(db, "nope")


async def test_admin_adjust_twice_with_a_key_applies_once(db, alice):
    first = await ledger.adjust(db, alice, 15_00, "compensation for R-7K2F9Q", ADMIN, "adj-1")
    second = await ledger.adjust(db, alice, 15_00, "compensation for R-7K2F9Q", ADMIN, "adj-1")
    assert first.applied and not second.applied and first.transaction_id == second.transaction_id
    assert await ledger.balance(db, alice) == Balance(15_00, 0)
    await ledger.adjust(db, alice, -5_00, "typo", ADMIN, "adj-2")
    await ledger.adjust(db, alice, -5_00, "typo", ADMIN, "adj-2")
    assert await ledger.balance(db, alice) == Balance(10_00, 0)
    await assert_healthy(db)


async def test_admin_debit_cannot_overdraw(db, alice):
    await ledger.adjust(db, alice, 10_00, "gift", ADMIN, "adj-1")
    with pytest.raises(InsufficientFunds) as info:
        await ledger.adjust(db, alice, -10_01, "too much", ADMIN, "adj-2")
    assert (info.value.available, info.value.needed) == (10_00, 10_01)
    assert await ledger.balance(db, alice) == Balance(10_00, 0)
    # The failed key was not consumed: a corrected retry with it works.
    await ledger.adjust(db, alice, -10_00, "all of it", ADMIN, "adj-2")
    assert await ledger.balance(db, alice) == Balance(0, 0)


# --- holds and funds -----------------------------------------------------------------------------


async def test_hold_beyond_available_raises_and_changes_nothing(db, alice):
    await ledger.credit_topup(db, alice, 10_00, "pay-1", "transfer")
    with pytest.raises(InsufficientFunds) as info:
        await ledger.hold(db, alice, 10_01, "k")
    assert (info.value.available, info.value.needed) == (10_00, 10_01)
    assert await ledger.get_hold(db, "k") is None
    assert await ledger.balance(db, alice) == Balance(10_00, 0)
    # Exactly the balance is fine.
    assert (await ledger.hold(db, alice, 10_00, "k")).status == "held"
    assert await ledger.balance(db, alice) == Balance(0, 10_00)


async def test_zero_hold_is_tracked_and_moves_no_money(db, alice):
    free = await ledger.hold(db, alice, 0, "R-FREE01:101:cheap")
    assert (free.amount, free.status) == (0, "held")
    assert await ledger.open_holds(db) == ledger.OpenHolds(1, 0)
    assert (await ledger.capture(db, "R-FREE01:101:cheap")).status == "captured"
    assert (await ledger.release(db, "R-FREE01:101:cheap")).status == "captured"
    assert await ledger.balance(db, alice) == Balance(0, 0)
    assert await db.fetchval("SELECT count(*) FROM ledger_transactions") == 0


async def test_amounts_are_validated(db, alice):
    for bad in (0, -1, 1.5, True, "100", 10**14):
        with pytest.raises(AmountError):
            await ledger.credit_topup(db, alice, bad, f"pay-{bad}", "transfer")
    with pytest.raises(AmountError):
        await ledger.hold(db, alice, -1, "k")
    with pytest.raises(AmountError):
        await ledger.adjust(db, alice, 0, "nothing", ADMIN, "adj")


async def test_unknown_user_is_refused(db):
    with pytest.raises(UnknownUser):
        await ledger.credit_topup(db, 999, 1_00, "pay-1", "transfer")
    with pytest.raises(UnknownUser):
        await ledger.hold(db, 999, 0, "k")


async def test_reverse_topup_takes_back_what_is_available(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "charge:1", "stars")
    await ledger.credit_topup(db, alice, 50_00, "charge:2", "stars")
    reversal = await ledger.reverse_topup(db, "charge:1", "Stars refund")
    assert (reversal.amount, reversal.applied) == (-100_00, True)
    again = await ledger.reverse_topup(db, "charge:1", "Stars refund")
    assert (again.transaction_id, again.applied) == (reversal.transaction_id, False)
    assert await ledger.balance(db, alice) == Balance(50_00, 0)
    assert (await ledger.entries(db, alice, 1))[0].kind == "topup_reversal"
    await assert_healthy(db)


async def test_reverse_topup_of_spent_money_fails_and_takes_nothing(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "charge:1", "stars")
    await ledger.hold(db, alice, 60_00, "k")
    with pytest.raises(InsufficientFunds) as info:
        await ledger.reverse_topup(db, "charge:1", "Stars refund")
    assert (info.value.available, info.value.needed) == (40_00, 100_00)
    assert await ledger.balance(db, alice) == Balance(40_00, 60_00)
    with pytest.raises(UnknownTopup):
        await ledger.reverse_topup(db, "charge:none", "Stars refund")


async def test_operations_compose_in_the_callers_transaction(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "pay-1", "transfer")
    async with db.acquire() as conn:
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                await ledger.hold(conn, alice, 30_00, "k1")
                raise RuntimeError("the wizard failed after reserving")
        assert await ledger.balance(conn, alice) == Balance(100_00, 0)

        async with conn.transaction():
            await ledger.hold(conn, alice, 30_00, "k1")
            # A failed operation rolls back only its own savepoint; the caller's work survives.
            with pytest.raises(InsufficientFunds):
                await ledger.hold(conn, alice, 80_00, "k2")
            await conn.execute("INSERT INTO sessions (chat_id, state) VALUES (1, '{}'::jsonb)")
        assert await ledger.balance(conn, alice) == Balance(70_00, 30_00)
    await assert_healthy(db)


# --- concurrency on the real database ------------------------------------------------------------


async def test_fifty_concurrent_holds_with_one_key_make_one_hold(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "pay-1", "transfer")
    holds = await asyncio.gather(*(ledger.hold(db, alice, 7_00, "R-SAME01:101:m") for _ in range(50)))
    assert len({h.id for h in holds}) == 1
    assert await ledger.balance(db, alice) == Balance(93_00, 7_00)
    assert await db.fetchval("SELECT count(*) FROM ledger_holds") == 1
    assert await db.fetchval("SELECT count(*) FROM ledger_transactions WHERE kind = 'hold'") == 1
    await assert_healthy(db)


async def test_concurrent_holds_beyond_the_balance_never_overdraw(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "pay-1", "transfer")
    price = 12_00

    async def attempt(i: int) -> bool:
        try:
            await ledger.hold(db, alice, price, f"R-{i:06d}:101:m")
        except InsufficientFunds:
            return False
        return True

    outcomes = await asyncio.gather(*(attempt(i) for i in range(30)))
    assert sum(outcomes) == 100_00 // price == 8
    assert await ledger.balance(db, alice) == Balance(100_00 - 8 * price, 8 * price)
    await assert_healthy(db)


async def test_concurrent_capture_and_release_of_one_hold_have_one_outcome(db, alice):
    await ledger.credit_topup(db, alice, 100_00, "pay-1", "transfer")
    for round_ in range(10):
        key = f"R-RACE{round_:02d}:101:m"
        await ledger.hold(db, alice, 10_00, key)
        ends = await asyncio.gather(
            ledger.capture(db, key), ledger.release(db, key), ledger.capture(db, key), ledger.release(db, key)
        )
        assert len({h.status for h in ends}) == 1
        assert (
            await db.fetchval(
                "SELECT count(*) FROM ledger_transactions t JOIN ledger_holds h ON h.id = t.hold_id "
                "WHERE h.key = $1 AND t.kind IN ('capture', 'release')",
                key,
            )
            == 1
        )
    bal = await ledger.balance(db, alice)
    assert bal.held == 0 and bal.available + await ledger.revenue(db) == 100_00
    await assert_healthy(db)


async def test_mixed_concurrent_operations_across_users_finish_without_deadlock(db, alice):
    users = (ALICE, BOB, CAROL)
    for u in users:
        await ledger.credit_topup(db, u, 1_000_00, f"seed-{u}", "transfer")

    async def worker(u: int, n: int) -> None:
        for i in range(n):
            key = f"R-{u}-{i}:{u}:m"
            try:
                await ledger.hold(db, u, 3_00 + i, key)
            except InsufficientFunds:
                continue
            if i % 3 == 0:
                await ledger.release(db, key)
            else:
                await ledger.capture(db, key)
            if i % 5 == 0:
                await ledger.adjust(db, u, 1_00, "bonus", ADMIN, f"adj-{u}-{i}")
                await ledger.credit_topup(db, u, 2_00, f"pay-{u}-{i}", "stars")

    # Several workers per user, so the same account rows and the shared system rows are contended.
    await asyncio.wait_for(asyncio.gather(*(worker(u, 12) for u in users for _ in range(3))), timeout=30)
    assert await ledger.open_holds(db) == ledger.OpenHolds(0, 0)
    await assert_healthy(db)


# --- the database itself refuses broken books ----------------------------------------------------


async def _some_entry(db, alice) -> int:
    await ledger.credit_topup(db, alice, 10_00, "pay-1", "transfer")
    return await db.fetchval("SELECT min(id) FROM ledger_entries")


async def test_db_rejects_updating_an_entry(db, alice):
    entry = await _some_entry(db, alice)
    with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="append-only"):
        await db.execute("UPDATE ledger_entries SET amount = amount * 2 WHERE id = $1", entry)


async def test_db_rejects_deleting_an_entry_or_a_transaction(db, alice):
    entry = await _some_entry(db, alice)
    with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="append-only"):
        await db.execute("DELETE FROM ledger_entries WHERE id = $1", entry)
    with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="append-only"):
        await db.execute("DELETE FROM ledger_transactions")


async def test_db_rejects_an_unbalanced_transaction(db, alice):
    await _some_entry(db, alice)
    available = await db.fetchval(
        "SELECT id FROM ledger_accounts WHERE user_id = $1 AND kind = 'available'", alice
    )
    async with db.acquire() as conn:
        with pytest.raises(asyncpg.CheckViolationError, match="unbalanced"):
            async with conn.transaction():
                tx = await conn.fetchval(
                    "INSERT INTO ledger_transactions (kind, key, user_id, amount, admin_id) "
                    "VALUES ('adjustment', 'mint', $1, 1000000, 0) RETURNING id",
                    alice,
                )
                await conn.execute(
                    "INSERT INTO ledger_entries (transaction_id, account_id, amount) VALUES ($1, $2, 1000000)",
                    tx,
                    available,
                )
    assert await ledger.balance(db, alice) == Balance(10_00, 0)


async def test_db_rejects_a_transaction_without_entries(db, alice):
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "INSERT INTO ledger_transactions (kind, key, user_id, amount, source) VALUES ('topup', 'p', $1, 5, 's')",
            alice,
        )


async def test_db_rejects_a_negative_available_balance(db, alice):
    await _some_entry(db, alice)
    # Written directly on the account: balances move only through entries.
    with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="only through entries"):
        await db.execute(
            "UPDATE ledger_accounts SET balance = -1 WHERE user_id = $1 AND kind = 'available'", alice
        )
    # Through a balanced transaction that overdraws: the CHECK on the account refuses it.
    ids = await db.fetchrow(
        "SELECT max(id) FILTER (WHERE kind = 'available') AS available, max(id) FILTER (WHERE kind = 'revenue' "
        "OR kind = 'topups') AS system FROM ledger_accounts"
    )
    async with db.acquire() as conn:
        with pytest.raises(asyncpg.CheckViolationError, match="user_balance_not_negative"):
            async with conn.transaction():
                tx = await conn.fetchval(
                    "INSERT INTO ledger_transactions (kind, key, user_id, amount, admin_id) "
                    "VALUES ('adjustment', 'overdraw', $1, 1001, 0) RETURNING id",
                    alice,
                )
                await conn.execute(
                    "INSERT INTO ledger_entries (transaction_id, account_id, amount) VALUES ($1, $2, -1001), ($1, $3, 1001)",
                    tx,
                    ids["available"],
                    ids["system"],
                )
    assert await ledger.balance(db, alice) == Balance(10_00, 0)


async def test_db_rejects_reopening_or_editing_a_hold(db, alice):
    await ledger.credit_topup(db, alice, 10_00, "pay-1", "transfer")
    await ledger.hold(db, alice, 5_00, "k")
    with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="only its status"):
        await db.execute("UPDATE ledger_holds SET amount = 1 WHERE key = 'k'")
    await ledger.capture(db, "k")
    with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="already ended"):
        await db.execute("UPDATE ledger_holds SET status = 'held', finished_at = NULL WHERE key = 'k'")
    with pytest.raises(asyncpg.IntegrityConstraintViolationError):
        await db.execute("DELETE FROM ledger_holds")


def _fields(posting: ledger.Posting) -> dict:
    return {f: getattr(posting, f) for f in posting.__struct_fields__}
