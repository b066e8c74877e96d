"""/admin → 📊 Маржа through the real webhook: the report's figures, the 1/7/30-day buttons, the CSV
sent as a document (multipart sendDocument to the fake Telegram), admins only; and the Kie credits a
confirmed wizard stores with its job."""

from __future__ import annotations

import csv
import io

from flows.catalog.pricing import credits_for
from flows.catalog.validate import resolved_values
from persistence import ledger
from sandbox.telegram import Upload
from tests.e2e.harness import running_app
from tests.e2e.test_wizard_webhook import _walk
from tests.flows.driver import CATALOG
from tests.money.helpers import Chat, admin_chat
from tests.money.test_margin_report import ADMIN, _chat, _job

A = 601


async def _seed(db) -> None:
    await db.execute("INSERT INTO users (id) VALUES ($1)", A)
    await ledger.credit_topup(db, A, 100_00, "T-AAAAA1", "transfer")
    await _job(db, "R-AAAAA1", A, "z-image", 5_00, 4.0)  # Kie 4 × 47.5 = 190
    await _job(db, "R-AAAAA2", A, "z-image", 0, 0.8, free=True)  # Kie 38, free
    await _chat(db, "R-AAAAA6", A, "gpt-5-2", 154, 46, 0.48)  # Kie 22.8 → 23
    await ledger.adjust(db, A, 20_00, "за отзыв", ADMIN, "adm:1")


async def test_the_report_switches_periods_and_sends_the_ledger_as_csv(db, database_url):
    await _seed(db)
    async with running_app(database_url) as client:
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap_label("📊 Маржа")
        text = admin.last_text()
        assert "Маржа за 7 дней" in text
        assert "Выручка: 5,46 ₽ (генерации 5,00 ₽ · тексты 0,46 ₽)" in text
        assert "Себестоимость Kie: 2,51 ₽ (по счёту Kie" in text and "тексты 0,23 ₽)" in text  # 190 + 38 + 23
        assert "Возвраты за генерации: 0,00 ₽" in text
        assert "Маржа: 2,95 ₽" in text  # 546 − 0 − 251
        assert "начислено админом 20,00 ₽ · бесплатных запусков 1, их Kie 0,38 ₽" in text
        assert "Курс: 1 кредит Kie = 0,475 ₽" in text
        assert "z-image: 5,00 / 2,28 / 0,00 → 2,72 · 2 (беспл. 1)" in text
        assert "💬 gpt-5-2: 0,46 / 0,23 / 0,00 → 0,23 · 1" in text
        labels = [b["text"] for b in client.tg.buttons(client.tg.last_message(ADMIN))]
        assert labels[:3] == ["1 день", "• 7 дней", "30 дней"]

        for label, title in (("30 дней", "Маржа за 30 дней"), ("1 день", "Маржа за 1 день")):
            await admin.tap_label(label)
            assert title in admin.last_text() and "Выручка: 5,46 ₽" in admin.last_text()
        labels = [b["text"] for b in client.tg.buttons(client.tg.last_message(ADMIN))]
        assert labels[:3] == ["• 1 день", "7 дней", "30 дней"]

        await admin.tap_label("📄 CSV за 1 день")
        sent = [c for c in client.tg.calls("sendDocument", chat_id=ADMIN) if c.ok]
        assert len(sent) == 1
        upload = sent[0].params["document"]
        assert isinstance(upload, Upload)  # a multipart upload, not a file_id or a URL
        assert upload.filename.startswith("ledger_") and upload.filename.endswith(".csv")
        assert "записей" in sent[0].params["caption"]
        stored = sent[0].response["result"]["document"]  # what the admin's Telegram shows
        assert stored["file_name"] == upload.filename
        content = upload.data.decode("utf-8")
        assert content.startswith("\ufeffentry_id,transaction_id,created_at,kind,account,")
        rows = list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))
        entries = await db.fetch("SELECT id, amount FROM ledger_entries ORDER BY id")
        assert [(int(r["entry_id"]), int(r["amount_kopecks"])) for r in rows] == [
            (e["id"], e["amount"]) for e in entries
        ]
        revenue = [r for r in rows if r["account"] == "revenue"]
        assert sorted((r["model_id"], r["amount_rub"]) for r in revenue) == [
            ("gpt-5-2", "0.46"),
            ("z-image", "5.00"),
        ]
        # The panel stays where it was; 🛠 leads home.
        message_id, _ = admin.button("🛠")
        await admin.tap_label("🛠")
        assert "Админка" in client.tg.messages[ADMIN][message_id]["text"]


async def test_non_admins_cannot_reach_the_report_or_the_export(db, database_url):
    await _seed(db)
    async with running_app(database_url) as client:
        user = Chat(client, A, "anna")
        await user.say("/start")
        for data in ("mg:r:7", "mg:r:30", "mg:csv:30"):
            await user.tap(data)
            answer = client.tg.calls("answerCallbackQuery")[-1].params
            assert answer.get("text", "").startswith("Эта кнопка устарела"), data
        await user.say("/admin")
        assert "Такой команды нет" in user.last_text()
        assert client.tg.calls("sendDocument") == []
        assert not any("Маржа" in t for t in user.texts())


async def test_a_confirmed_wizard_stores_the_kie_credits_of_its_input(db, database_url):
    entry = CATALOG.get("z-image")
    async with running_app(database_url) as client:
        await _walk(client, 50_001, entry)
    stored = await db.fetchval("SELECT kie_credits FROM jobs WHERE chat_id = 50001")
    expected = credits_for(entry, resolved_values(entry, dict(entry.examples[0])))
    assert stored is not None and float(stored) == float(expected) > 0
