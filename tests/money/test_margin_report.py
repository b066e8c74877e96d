"""The margin report on a worked example (docs/operations.md), on a real PostgreSQL: one query, figures
exact to the kopeck per day, per model and in total; the ledger export one row per entry."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from flows.catalog.pricing import load_policy
from flows.jobs.model import Job
from flows.margin.export import to_csv
from flows.margin.report import Figures, build
from persistence import chat_runs, dialogs, jobs, ledger, margin

A, B, ADMIN = 601, 602, 900001
MSK = dt.timezone(dt.timedelta(hours=3))
NOW = dt.datetime(2026, 11, 28, 18, 0, tzinfo=MSK)
TODAY = dt.datetime(2026, 11, 28, 12, 0, tzinfo=MSK)
YESTERDAY = dt.datetime(2026, 11, 27, 12, 0, tzinfo=MSK)
RATE = Decimal("47.5")  # kopecks per Kie credit: 0.005 $ × 95 ₽ × 100 (no markup)


def test_the_rate_is_the_pricing_policys():
    policy = load_policy()
    assert Decimal(str(policy.usd_per_credit)) * Decimal(str(policy.rub_per_usd)) * 100 == RATE


async def _job(db, request_id, user, model, price, credits, *, free=False, outcome="succeeded"):
    job = Job(
        request_id=request_id,
        user_id=user,
        chat_id=user,
        model_id=model,
        input={"prompt": "кот"},
        price_kopecks=price,
        free=free,
        kie_credits=credits,
    )
    async with db.acquire() as conn, conn.transaction():
        await jobs.create(conn, job)
        await ledger.hold(conn, user, price, job.hold_key)
    async with db.acquire() as conn, conn.transaction():
        await conn.execute(
            # delivered: the job workers of an e2e test leave it alone
            "UPDATE jobs SET state = $2, finished_at = now(), delivered_at = now() WHERE request_id = $1",
            request_id,
            outcome,
        )
        if outcome == "succeeded":
            await ledger.capture(conn, job.hold_key)
        else:
            await ledger.release(conn, job.hold_key)
    return job


async def _chat(db, request_id, user, model, hold, charge, credits):
    key = f"{request_id}:{user}:{model}"
    async with db.acquire() as conn, conn.transaction():
        dialog = await dialogs.open_dialog(conn, user, model, "assistant")
        await ledger.hold(conn, user, hold, key)
        await chat_runs.create(conn, key, request_id, user, user, dialog.id, {"text": "Расскажи о Марсе"})
    async with db.acquire() as conn, conn.transaction():
        await ledger.settle(conn, key, charge)
        await chat_runs.finish(
            conn, key, "answered", cost_kopecks=charge, finish_reason="stop", kie_credits=credits
        )


async def _dated(
    db, moment: dt.datetime, keys: list[str] | None = None, request_ids: list[str] | None = None
):
    """Move rows to a fixed moment (the ledger is append-only: its triggers are off for this session)."""
    async with db.acquire() as conn:
        await conn.execute("SET session_replication_role = replica")
        try:
            tx = "SELECT id FROM ledger_transactions t WHERE $2::text[] IS NULL OR t.key = ANY($2)"
            await conn.execute(
                f"UPDATE ledger_transactions SET created_at = $1 WHERE id IN ({tx})", moment, keys
            )
            await conn.execute(
                f"UPDATE ledger_entries SET created_at = $1 WHERE transaction_id IN ({tx})", moment, keys
            )
            await conn.execute(
                "UPDATE jobs SET finished_at = $1::timestamptz, created_at = $1::timestamptz - interval '1 minute' "
                "WHERE $2::text[] IS NULL OR request_id = ANY($2)",
                moment,
                request_ids,
            )
            await conn.execute(
                "UPDATE chat_runs SET finished_at = $1::timestamptz, created_at = $1::timestamptz - interval '1 minute' "
                "WHERE $2::text[] IS NULL OR request_id = ANY($2)",
                moment,
                request_ids,
            )
        finally:
            await conn.execute("RESET session_replication_role")


@pytest.fixture
async def books(db):
    """The worked example of docs/operations.md."""
    await db.executemany("INSERT INTO users (id) VALUES ($1)", [(A,), (B,)])
    # Yesterday: A tops up 500 ₽; a paid z-image (5 ₽, 4 credits) and a free one (0.8 credits).
    await ledger.credit_topup(db, A, 500_00, "T-AAAAA1", "transfer")
    j1 = await _job(db, "R-AAAAA1", A, "z-image", 5_00, 4.0)
    j2 = await _job(db, "R-AAAAA2", A, "z-image", 0, 0.8, free=True)
    # Today: B tops up 100 ₽, given back (a top-up reversal, as a Stars refund makes).
    await ledger.credit_topup(db, B, 100_00, "T-BBBBB1", "transfer")
    await ledger.reverse_topup(db, "T-BBBBB1", "refund")
    # A paid Kling (95 ₽, 55 credits) refunded by an admin; another that failed (released).
    await _job(db, "R-AAAAA3", A, "kling-2-6", 95_00, 55.0)
    await ledger.adjust(db, A, 95_00, "refund R-AAAAA3", ADMIN, "jobrefund:R-AAAAA3")
    await _job(db, "R-AAAAA4", A, "kling-2-6", 95_00, 55.0, outcome="failed")
    # An admin's own run at zero price (60 credits).
    await _job(db, "R-AAAAA5", A, "veo3", 0, 60.0)
    # Chat: a paid answer (held 1,54 ₽, charged 0,46 ₽, Kie billed 0.48 credits) and a free one (0.1).
    await _chat(db, "R-AAAAA6", A, "gpt-5-2", 154, 46, 0.48)
    await _chat(db, "R-AAAAA7", A, "gpt-5-2", 0, 0, 0.1)
    # Bonuses: an admin credit of 50 ₽ and a debit of 10 ₽.
    await ledger.adjust(db, A, 50_00, "за отзыв", ADMIN, "adm:1")
    await ledger.adjust(db, A, -10_00, "ошибка", ADMIN, "adm:2")
    await _dated(db, TODAY)
    await _dated(
        db, YESTERDAY, keys=["T-AAAAA1", j1.hold_key, j2.hold_key], request_ids=["R-AAAAA1", "R-AAAAA2"]
    )
    assert await ledger.audit(db) == []
    return db


async def test_the_worked_example_per_day_per_model_and_in_total(books):
    report = build(7, await margin.report(books, 7, RATE, now=NOW))
    days = dict(report.by_day)
    assert days[dt.date(2026, 11, 27)] == Figures(
        revenue=5_00, kie=190 + 38, runs=2, free_runs=1, free_kie=38, topups=500_00
    )
    assert days[dt.date(2026, 11, 28)] == Figures(
        revenue=95_00 + 46,
        # Kling 55 × 47.5 = 2612.5 → 2613; veo 60 × 47.5 = 2850; chat 0.48 × 47.5 = 22.8 → 23, 0.1 → 4.75 → 5
        kie=2613 + 2850 + 23 + 5,
        refunds=95_00,
        bonuses=50_00 - 10_00,
        runs=4,
        free_runs=2,
        free_kie=2850 + 5,
        topups=100_00,
        topups_reversed=100_00,
    )
    assert days[dt.date(2026, 11, 27)].margin == 5_00 - 228
    assert days[dt.date(2026, 11, 28)].margin == 95_46 - 95_00 - 5491 == -5445
    models = {(m.model_id, m.chat): m.figures for m in report.by_model}
    assert models == {
        ("kling-2-6", False): Figures(revenue=95_00, kie=2613, refunds=95_00, runs=1),
        ("z-image", False): Figures(revenue=5_00, kie=228, runs=2, free_runs=1, free_kie=38),
        ("gpt-5-2", True): Figures(revenue=46, kie=28, runs=2, free_runs=1, free_kie=5),
        ("veo3", False): Figures(kie=2850, runs=1, free_runs=1, free_kie=2850),
    }
    assert [m.model_id for m in report.by_model] == ["kling-2-6", "z-image", "gpt-5-2", "veo3"]
    total = report.total
    assert (total.revenue, total.kie, total.refunds, total.bonuses) == (100_46, 5719, 95_00, 40_00)
    assert total.margin == 100_46 - 95_00 - 5719 == -5173
    assert (total.topups, total.topups_reversed, total.free_runs, total.unpriced) == (600_00, 100_00, 3, 0)
    assert (report.chat_revenue, report.chat_kie) == (46, 28)


async def test_revenue_matches_the_ledger_and_chat_is_counted(books):
    """Revenue is every kopeck captured, text answers included; leaving chat out would miss 0,46 ₽
    of revenue and 0,28 ₽ of Kie cost."""
    report = build(7, await margin.report(books, 7, RATE, now=NOW))
    assert report.total.revenue == await ledger.revenue(books) == 100_46
    chat = [r for r in await margin.report(books, 7, RATE, now=NOW) if r.source == "chat"]
    assert sum(r.revenue for r in chat) == 46 and sum(r.kie_kopecks for r in chat) == 28


async def test_the_period_is_moscow_days_today_included(books):
    one = build(1, await margin.report(books, 1, RATE, now=NOW))
    assert [d for d, _ in one.by_day] == [dt.date(2026, 11, 28)]
    assert one.total.revenue == 95_46
    later = build(30, await margin.report(books, 30, RATE, now=NOW + dt.timedelta(days=29)))
    assert [d for d, _ in later.by_day] == [dt.date(2026, 11, 28)]  # the 27th is 31 days back by then
    assert build(7, await margin.report(books, 7, RATE, now=NOW - dt.timedelta(days=2))).total == Figures()


async def test_chat_only_the_report_is_the_chat(db):
    """A report that left chat answers out would show nothing here."""
    await db.execute("INSERT INTO users (id) VALUES ($1)", A)
    await ledger.credit_topup(db, A, 10_00, "T-AAAAA1", "transfer")
    await _chat(db, "R-AAAAA6", A, "gpt-5-2", 154, 46, 0.48)
    report = build(1, await margin.report(db, 1, RATE))
    assert (report.total.revenue, report.total.kie, report.total.margin) == (46, 23, 23)
    assert [(m.model_id, m.chat) for m in report.by_model] == [("gpt-5-2", True)]


async def test_runs_without_recorded_credits_are_counted_apart(db):
    await db.execute("INSERT INTO users (id) VALUES ($1)", A)
    await ledger.credit_topup(db, A, 10_00, "T-AAAAA1", "transfer")
    await _job(db, "R-AAAAA1", A, "z-image", 5_00, None)
    report = build(1, await margin.report(db, 1, RATE))
    assert (report.total.revenue, report.total.kie, report.total.unpriced) == (5_00, 0, 1)


async def test_the_export_has_one_row_per_ledger_entry_with_exact_amounts(books):
    lines = await margin.export(books, 1, 1000, now=NOW)
    expected = await books.fetch(
        "SELECT e.id, e.amount FROM ledger_entries e WHERE e.created_at >= $1 ORDER BY e.id",
        dt.datetime(2026, 11, 28, tzinfo=MSK),
    )
    assert [(line.entry_id, line.amount_kopecks) for line in lines] == [
        (r["id"], r["amount"]) for r in expected
    ]
    assert sum(line.amount_kopecks for line in lines) == 0  # both sides of every transaction
    rows = list(csv.DictReader(io.StringIO(to_csv(lines).removeprefix("\ufeff"))))
    assert len(rows) == len(expected)
    refund = [r for r in rows if r["key"] == "jobrefund:R-AAAAA3" and r["account"] == "available"]
    assert refund == [
        {
            "entry_id": refund[0]["entry_id"],
            "transaction_id": refund[0]["transaction_id"],
            "created_at": "2026-11-28T12:00:00+03:00",
            "kind": "adjustment",
            "account": "available",
            "account_user_id": str(A),
            "user_id": str(A),
            "amount_kopecks": "9500",
            "amount_rub": "95.00",
            "key": "jobrefund:R-AAAAA3",
            "model_id": "kling-2-6",
            "source": "",
            "note": "refund R-AAAAA3",
            "admin_id": str(ADMIN),
        }
    ]
    debit = [r for r in rows if r["key"] == "adm:2" and r["account"] == "available"]
    assert (debit[0]["amount_kopecks"], debit[0]["amount_rub"]) == ("-1000", "-10.00")
    chat = [r for r in rows if r["account"] == "revenue" and r["model_id"] == "gpt-5-2"]
    assert [(r["amount_kopecks"], r["kind"]) for r in chat] == [("46", "release")]


async def test_automatic_refunds_count_as_refunds_of_their_model(db):
    """An undeliverable result and outputs Kie did not return are refunds (with the job's model), not
    bonuses, though no admin made them."""
    await db.execute("INSERT INTO users (id) VALUES ($1)", A)
    await ledger.credit_topup(db, A, 100_00, "T-AAAAA1", "transfer")
    await _job(db, "R-AAAAA1", A, "seedream-v4", 20_00, 10.0)
    await ledger.adjust(db, A, 5_00, "outputs Kie did not return", 0, "unreturned:R-AAAAA1")
    await _job(db, "R-AAAAA2", A, "z-image", 5_00, 4.0)
    await ledger.adjust(db, A, 5_00, "could not be delivered", 0, "undeliverable:R-AAAAA2")
    report = build(1, await margin.report(db, 1, RATE))
    models = {m.model_id: m.figures for m in report.by_model}
    assert (models["seedream-v4"].refunds, models["z-image"].refunds) == (5_00, 5_00)
    assert (report.total.refunds, report.total.bonuses, report.total.margin) == (
        10_00,
        0,
        25_00 - 10_00 - 665,
    )
