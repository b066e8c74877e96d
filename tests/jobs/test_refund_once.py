"""A job's money comes back once, whichever path returns it; the admin's job card shows it.

Regression (issue 13, item 4: "a job can be refunded twice"): the automatic refund of a result that
could not be delivered was invisible to the admin job card, which still offered "↩️ Вернуть".
"""

from __future__ import annotations

from persistence import ledger
from sandbox.kie import Phase, Succeed
from tests.e2e.harness import ADMIN_ID, running_app
from tests.jobs.conftest import add_job, fast_options, wait_delivered
from tests.money.helpers import admin_chat

MODEL = "google/nano-banana"


async def test_a_job_can_be_refunded_twice(db, database_url, kie, tg):
    gone = f"{kie.base_url}/files/results/expired/7.png"
    kie.script_next(MODEL, [Phase(), Succeed(urls=(gone,))])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL, price=1500)
        client.app.jobs.wake()
        await wait_delivered(db, request_id)
        assert (await ledger.balance(db, 4242)).available == 1500  # the automatic refund
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap("adm:fj")
        await admin.say(request_id)
        card = client.tg.last_message(ADMIN_ID)
        assert "возвращены" in card["text"] and "автоматически" in card["text"], card["text"]
        assert not any(b["text"].startswith("↩️ Вернуть") for b in client.tg.buttons(card))
        # Even a forged (or old) refund button moves nothing.
        await admin.tap(f"adm:jr:{request_id}")
        assert (await ledger.balance(db, 4242)).available == 1500
        assert await ledger.audit(db) == []


async def test_ledger_audit_catches_a_job_refunded_twice(db):
    from persistence import users

    await users.touch(db, 4243, "u", "U", "ru")
    await ledger.adjust(
        db, 4243, 1500, "result of R-AAAAAA could not be delivered", 0, "undeliverable:R-AAAAAA"
    )
    await ledger.adjust(db, 4243, 1500, "refund R-AAAAAA", ADMIN_ID, "jobrefund:R-AAAAAA")
    problems = await ledger.audit(db)
    assert any("R-AAAAAA" in p and "twice" in p for p in problems), problems
