"""💬 Тексты through the real webhook: the way from the main menu into a dialog and out, streamed and
whole answers of each protocol family, Markdown → Telegram HTML, long answers, the context kept
within its budget, a second message waiting its turn, a duplicate update."""

from __future__ import annotations

import msgspec
import pytest

from flows.catalog import load_catalog
from flows.catalog.loader import Catalog
from flows.catalog.text import TextCatalog
from persistence import dialogs, ledger
from tests.e2e.chat_harness import FAST, ChatUser, chat_app

CATALOG = load_catalog()


async def test_the_menu_leads_to_a_dialog_that_remembers_until_the_user_leaves(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 61001)
        await user.register(100_00)
        await user.say("/start")
        assert user.buttons()[:2] == ["💬 Тексты", "🎨 Изображения"]
        await user.press("💬 Тексты")
        labels = user.buttons()
        assert labels[0] == "Gemini 2.5 Flash · бесплатно, осталось 20 из 20"  # most useful first
        assert labels[1] == "GPT-5.2 · ~0,33 ₽" and labels[-2:] == ["🗂 История", "🏠 В меню"]
        card = await user.press("GPT-5.2")
        assert "1 000 слов: вопрос 0,17 ₽ · ответ 1,33 ₽" in card and "🎭 Режим: Ассистент" in card
        assert user.buttons()[0] == "💬 Начать диалог"
        await user.press("💬 Начать диалог")

        kie.chat.queue_answer("Меня зовут Модель.")
        answer = await user.say("Как тебя зовут?")
        assert answer.startswith("Меня зовут Модель.\n\n· ") and "на балансе" in answer
        assert user.buttons() == ["🧹 Новый диалог", "🧭 Другая модель"]
        await user.say("А что я спрашивал?")
        assert [m["role"] for m in kie.chat.calls[-1].body["messages"]] == [
            "system",
            "user",
            "assistant",
            "user",
        ]

        await user.press("🧹 Новый диалог")
        await user.say("Новая тема")
        assert [m["role"] for m in kie.chat.calls[-1].body["messages"]] == ["system", "user"]
        await user.say("/mode")
        await user.press("Переводчик")
        await user.say("Доброе утро")
        assert "переводчик" in kie.chat.calls[-1].body["messages"][0]["content"]

        await user.press("🗂 История")
        assert user.buttons()[:2] == ["• GPT-5.2 · Новая тема · " + user.buttons()[0][-5:], user.buttons()[1]]
        await user.press("GPT-5.2 · Как тебя зовут?")
        assert "Вернулись к диалогу «Как тебя зовут?»" in user.last_text()
        await user.say("Напомни, о чём мы")
        sent = kie.chat.calls[-1].body["messages"]
        assert [m["content"] for m in sent if m["role"] == "user"][:2] == [
            "Как тебя зовут?",
            "А что я спрашивал?",
        ]
        assert "помощник" in sent[0]["content"]  # that dialog's own mode

        await user.press("🧭 Другая модель")
        assert user.buttons()[1] == "GPT-5.2 · ~0,33 ₽"
        calls = len(kie.chat.calls)
        assert "не понял" in await user.say("Это уже не модели")
        assert len(kie.chat.calls) == calls
        assert await ledger.audit(client.app.pool) == []


def _whole_answers(catalog: Catalog) -> Catalog:
    models = tuple(
        msgspec.structs.replace(m, supports=msgspec.structs.replace(m.supports, streaming=False))
        for m in catalog.text.models
    )
    return Catalog(catalog.entries, catalog.version, TextCatalog(models))


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "whole"])
async def test_each_protocol_family_answers_streamed_and_whole(db, database_url, streamed):
    async with chat_app(database_url) as (client, kie):
        if not streamed:
            client.app.chat.catalog = _whole_answers(client.app.chat.catalog)
        kie.chat.bill = 0.48  # 0.48 credits × $0.005 × 95 ₽ × 2 = 45.6 kopecks → 46
        kie.chat.token_delay = 0.03  # slow enough for previews between the words
        for n, (model_id, path) in enumerate(
            [
                ("gpt-5-2", "/gpt-5-2/v1/chat/completions"),
                ("claude-sonnet-4-6", "/claude/v1/messages"),
                ("gpt-5-4", "/codex/v1/responses"),
            ]
        ):
            user = ChatUser(client, kie, 62001 + n)
            await user.register(100_00)
            await user.open_dialog(model_id)
            kie.chat.queue_answer(f"Ответ **{model_id}** по существу.")
            answer = await user.say("Вопрос")
            call = kie.chat.calls[-1]
            assert (call.path, call.body["stream"]) == (path, streamed), model_id
            assert answer == f"Ответ {model_id} по существу.\n\n· 0,46 ₽ · на балансе 99,54 ₽", model_id
            previews = [
                c.params.get("text", "") for c in user.tg.calls("sendMessageDraft", chat_id=user.chat_id)
            ]
            assert previews[0] == f"✍️ {answer_title(model_id)} печатает…"
            assert any(p.startswith("Ответ") for p in previews) == streamed, previews
            assert await user.balance() == ledger.Balance(100_00 - 46, 0)


def answer_title(model_id: str) -> str:
    return {"gpt-5-2": "GPT-5.2", "claude-sonnet-4-6": "Claude Sonnet 4.6", "gpt-5-4": "GPT-5.4"}[model_id]


def _entities(message: dict) -> set[tuple[str, str]]:
    text = message["text"]
    return {
        (
            e["type"],
            text.encode("utf-16-le")[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le"),
        )
        for e in message.get("entities", [])
    }


async def test_markdown_becomes_telegram_html_and_broken_markdown_still_arrives(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 63001)
        await user.register(100_00)
        await user.open_dialog("claude-haiku-4-5")
        kie.chat.queue_answer(
            "## План\n\n**Жирный** и *курсив*, `код` и [ссылка](https://example.com).\n\n"
            "```python\nprint('hi')\n```\n\n1. раз\n2. два"
        )
        await user.say("Покажи форматирование")
        message = user.last_message()
        assert message["text"].startswith(
            "План\n\nЖирный и курсив, код и ссылка.\n\nprint('hi')\n\n1. раз\n2. два"
        )
        found = _entities(message)
        assert {("bold", "План"), ("bold", "Жирный"), ("italic", "курсив"), ("code", "код")} <= found
        assert ("text_link", "ссылка") in found and ("pre", "print('hi')") in found

        kie.chat.queue_answer("**не закрыто и `тоже <b>не тег</b> & [битая](ссылка")
        answer = await user.say("А теперь сломай")
        assert answer.startswith("**не закрыто и `тоже <b>не тег</b> & [битая](ссылка")

        # Telegram still refuses the HTML: the part goes again as plain text, never lost.
        user.tg.fail_next(
            "sendMessage",
            error_code=400,
            description='Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0',
            chat_id=user.chat_id,
        )
        kie.chat.queue_answer("Текст с **жирным**, который Telegram не принял")
        answer = await user.say("Ещё раз")
        assert answer.startswith("Текст с жирным, который Telegram не принял")
        assert "entities" not in user.last_message() and user.buttons() == [
            "🧹 Новый диалог",
            "🧭 Другая модель",
        ]


async def test_an_answer_over_4096_characters_arrives_in_parts(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 64001)
        await user.register(100_00)
        await user.open_dialog("gemini-3-flash")
        kie.chat.queue_answer("\n\n".join(f"Абзац {n}. " + "текст " * 300 for n in range(6)))
        await user.say("Пиши много")
        parts = [t for t in user.texts() if t.startswith("Абзац")]
        assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
        # Cut between paragraphs: two whole paragraphs a part (1 900 characters each), nothing lost.
        assert [p.split(".")[0] for p in parts] == ["Абзац 0", "Абзац 2", "Абзац 4"]
        assert sum(p.count("текст") for p in parts) == 6 * 300
        assert "на балансе" in parts[-1] and not any("на балансе" in p for p in parts[:-1])
        assert user.buttons() == ["🧹 Новый диалог", "🧭 Другая модель"]


async def test_the_context_is_trimmed_to_the_budget_oldest_first(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 65001)
        await user.register(100_00)
        async with client.app.pool.acquire() as conn:
            dialog = await dialogs.open_dialog(conn, user.chat_id, "gpt-5-2", "assistant")
            for n in range(8):  # 8 exchanges of 6 000 tokens: 48 000, over the 32 000 budget
                await dialogs.add_exchange(
                    conn,
                    dialog.id,
                    f"R-00000{n}",
                    question=f"вопрос {n}",
                    image_urls=(),
                    question_tokens=3_000,
                    answer=f"ответ {n}",
                    answer_tokens=3_000,
                    cost_kopecks=1,
                )
        await user.open_dialog("gpt-5-2")
        await user.say("Что было раньше?")
        sent = kie.chat.calls[-1].body["messages"]
        # The newest five exchanges fit (30 000 tokens with the system prompt and the new message).
        assert [m["content"] for m in sent[1:]] == [
            *(text for n in range(3, 8) for text in (f"вопрос {n}", f"ответ {n}")),
            "Что было раньше?",
        ]
        assert sent[0]["role"] == "system"


async def test_a_second_message_waits_for_the_answer_in_progress(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 66001)
        await user.register(100_00)
        await user.open_dialog("gpt-5-2")
        kie.chat.token_delay = 0.01
        kie.chat.queue_answer(" ".join(["первый"] * 40))
        kie.chat.queue_answer("второй ответ")
        mark = len(user.tg.call_log)
        await user.send("Раз")
        await user.send("Два")
        await client.settle(timeout=20)
        first, second = kie.chat.calls[-2:]
        assert [m["content"] for m in second.body["messages"][1:]] == [
            "Раз",
            " ".join(["первый"] * 40),
            "Два",
        ]
        order = [
            (c.method, c.params.get("text", "")) for c in user.tg.call_log[mark:] if c.chat_id == user.chat_id
        ]
        finals = [i for i, (method, text) in enumerate(order) if method == "sendMessage"]
        assert len(finals) == 2 and order[finals[0]][1].startswith("первый")
        assert all("второй" not in text for _, text in order[: finals[0] + 1])  # never interleaved


async def test_a_duplicate_update_is_answered_and_charged_once(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 67001)
        await user.register(100_00)
        await user.open_dialog("gpt-5-2")
        kie.chat.bill = 0.1  # 9.5 kopecks → 10
        update = await user.send("Привет")
        await user.post(update)  # Telegram delivers it again
        await client.settle(timeout=20)
        await user.post(update)  # and once more after it was answered
        await client.settle(timeout=20)
        assert len(kie.chat.calls) == 1
        assert len([t for t in user.texts() if "на балансе" in t]) == 1
        assert await user.balance() == ledger.Balance(100_00 - 10, 0)


async def test_answers_being_written_never_hold_up_other_chats(db, database_url):
    """Regression (bench.chat: 50 answers at once on 32 inbox slots, p99 to the first draft 12 s): an
    answer waits on Kie for seconds with the database idle, so it does not take an inbox slot."""
    async with chat_app(database_url, timings=msgspec.structs.replace(FAST, timeout_cap_seconds=30.0)) as (
        client,
        kie,
    ):
        client.app.worker.concurrency = 1  # one slot: a slot-holding answer would block everyone else
        writer, other = ChatUser(client, kie, 68001), ChatUser(client, kie, 68002)
        await writer.register(100_00)
        await writer.open_dialog("gpt-5-2")
        kie.chat.token_delay = 0.02
        kie.chat.queue_answer(" ".join(f"слово{n}" for n in range(300)))
        await writer.send("Пиши долго")
        await writer.wait_draft("слово3")
        mark = client.tg.mark()
        await other.send("/start")  # answered while the first answer is still being written
        await client.tg.wait_for(
            lambda c: c.chat_id == other.chat_id and c.method == "sendMessage", since=mark, timeout=10
        )
        assert "Выберите раздел" in other.last_text()
        assert not any(t.startswith("слово0") for t in writer.texts())
        await client.settle(timeout=30)
        assert writer.last_text().startswith("слово0") and "слово299" in writer.last_text()
