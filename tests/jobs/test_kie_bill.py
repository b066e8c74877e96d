"""What Kie billed for a task (`creditsConsumed` in its status) is stored with the succeeded job and is
the margin report's Kie cost; without a bill (a 0 on a success) the catalog's credits stay the cost."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from flows.margin.report import build
from persistence import margin
from sandbox.kie import Succeed
from tests.e2e.harness import running_app
from tests.jobs.conftest import add_job, fast_options, wait_delivered

RATE = Decimal("47.5")  # kopecks per Kie credit: 0.005 $ × 95 ₽ × 100


async def test_kies_bill_replaces_the_price_list_and_a_zero_is_not_a_bill(db, database_url, kie, tg):
    kie.script("google/nano-banana", [Succeed(credits=7.5)])
    kie.script("z-image", [Succeed(credits=0)])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        billed = await add_job(db, "google/nano-banana", chat_id=5301)
        priced = await add_job(db, "z-image", chat_id=5302)
        # The catalog's credits stored at confirm (what the wizard stores; add_job leaves them out).
        await db.execute(
            "UPDATE jobs SET kie_credits = 4 WHERE request_id = ANY($1::text[])", [billed, priced]
        )
        client.app.jobs.wake()
        rows = await asyncio.gather(wait_delivered(db, billed), wait_delivered(db, priced))
    assert [r["state"] for r in rows] == ["succeeded", "succeeded"]
    stored = {
        r["request_id"]: (r["kie_credits"], r["kie_credits_billed"])
        for r in await db.fetch("SELECT request_id, kie_credits, kie_credits_billed FROM jobs")
    }
    assert stored == {billed: (Decimal(4), Decimal("7.5")), priced: (Decimal(4), None)}

    report = build(1, await margin.report(db, 1, RATE))
    models = {line.model_id: line.figures for line in report.by_model}
    assert models["google/nano-banana"].kie == 356  # 7.5 × 47.5 = 356.25: Kie's bill, not the price list
    assert models["z-image"].kie == 190  # 4 × 47.5: no bill, the catalog's credits
    assert report.total.unpriced == 0
