"""How results reach the user: by URL, by upload, as a link, as an album, as split text; inputs that
are Telegram files travel through Kie's upload API, never with the bot token."""

from __future__ import annotations

import logging

from flows.files import telegram_file_value
from integrations.telegram.media import Limits
from persistence import ledger
from sandbox.kie import Phase, Succeed
from sandbox.telegram import Upload
from tests.e2e.harness import running_app
from tests.jobs.conftest import add_job, example_input, fast_options, result_views, wait_delivered

MODEL = "google/nano-banana"
SMALL = Limits(photo_by_url=100, other_by_url=200, photo_upload=1000, other_upload=2000)


async def test_result_route_by_size_url_upload_document_link(db, database_url, kie, tg):
    # 50 B → by URL; 500 B → uploaded photo; 1500 B photo → uploaded document; 5000 B → a link.
    scripts = [Succeed(size=50), Succeed(size=500), Succeed(size=1500), Succeed(size=5000)]
    for script in scripts:
        kie.script_next(MODEL, [Phase(), script])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options(media_limits=SMALL)) as client:
        ids = [await add_job(db, MODEL, chat_id=9100 + n) for n in range(4)]
        client.app.jobs.wake()
        rows = [await wait_delivered(db, rid) for rid in ids]
    # Tasks take their scripts in creation order, which the concurrent submits decide: look by route.
    chats = range(9100, 9104)
    photos = [c.params["photo"] for chat in chats for c in tg.calls("sendPhoto", chat_id=chat) if c.ok]
    assert sum(isinstance(p, str) and p.startswith(kie.base_url) for p in photos) == 1
    assert sum(isinstance(p, Upload) for p in photos) == 1
    documents = [
        c.params["document"] for chat in chats for c in tg.calls("sendDocument", chat_id=chat) if c.ok
    ]
    assert len(documents) == 1 and isinstance(documents[0], Upload) and documents[0].size == 1500
    linked = [
        chat
        for chat in chats
        if any(
            "слишком большой" in c.params["text"] and kie.base_url in c.params["text"]
            for c in tg.calls("sendMessage", chat_id=chat)
        )
    ]
    assert len(linked) == 1
    request_id = ids[linked[0] - 9100]
    assert "ссылкой" in result_views(tg, linked[0], request_id)[0]["text"]
    assert all(row["state"] == "succeeded" for row in rows)
    assert sorted(len(row["result_file_ids"]) for row in rows) == [0, 1, 1, 1]


async def test_expired_result_url_is_explained_with_support_not_a_crash(db, database_url, kie, tg):
    gone = f"{kie.base_url}/files/results/expired/0.png"
    kie.script_next(MODEL, [Phase(), Succeed(urls=(gone,))])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert row["delivery_error"] is None
    message = tg.last_message(4242)
    assert "ссылка могла истечь" in message["text"] and gone in str(message)
    labels = [b["text"] for b in tg.buttons(message)]
    assert "🆘 Поддержка" in labels and "🔁 Сделать ещё раз" in labels


async def test_result_that_could_not_be_fetched_is_not_paid_for(db, database_url, kie, tg):
    """Regression: a success whose every result URL had expired kept the capture — the user paid for
    nothing. Now the charge comes back once and the message says so."""
    gone = f"{kie.base_url}/files/results/expired/1.png"
    kie.script_next(MODEL, [Phase(), Succeed(urls=(gone,))])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL, price=1500)
        client.app.jobs.wake()
        await wait_delivered(db, request_id)
    assert "Деньги возвращены" in tg.last_message(4242)["text"]
    balance = await db.fetchval(
        "SELECT balance FROM ledger_accounts WHERE user_id = 4242 AND kind = 'available'"
    )
    assert balance == 1500
    assert await ledger.audit(db) == []


async def test_several_results_arrive_as_one_album(db, database_url, kie, tg):
    kie.script_next(MODEL, [Phase(), Succeed(count=3)])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    albums = [c for c in tg.calls("sendMediaGroup", chat_id=4242) if c.ok]
    assert len(albums) == 1 and len(albums[0].params["media"]) == 3
    assert len(row["result_file_ids"]) == 3


async def test_long_text_result_is_split_without_breaking_html(db, database_url, kie, tg):
    paragraph = "Абзац <b>не тег</b> & ещё текст. " * 40
    text = "\n\n".join([paragraph] * 8)
    kie.script_next(MODEL, [Phase(), Succeed(text=text)])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL)
        client.app.jobs.wake()
        await wait_delivered(db, request_id)
    parts = [c for c in tg.calls("sendMessage", chat_id=4242) if c.ok and "Абзац" in c.params["text"]]
    assert len(parts) >= 3
    shown = [c.result["text"] for c in parts]
    assert all(len(s) <= 4096 for s in shown)
    assert "".join(shown).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


async def test_telegram_file_input_goes_through_kie_upload_and_the_token_never_leaves(
    db, database_url, kie, tg, caplog
):
    caplog.set_level(logging.DEBUG)
    model = "google/nano-banana-edit"
    file_id = "AgACAgIAAxkBAAIBZ2fakephoto0001"
    content = b"\x89PNG\r\n\x1a\nuser-photo-bytes"
    tg.add_file(file_id, content, "photos/file_7.jpg")
    request_input = {**example_input(model), "image_urls": [telegram_file_value(file_id)]}
    files = {file_id: {"kind": "image", "size": len(content), "mime_type": "image/jpeg"}}
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, model, request_input=request_input, files=files)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert row["state"] == "succeeded"
    assert [c.params["file_id"] for c in tg.calls("getFile")] == [file_id]
    assert len(kie.uploads) == 1
    uploaded_url = kie.uploads[0]["url"]
    assert kie.files[kie.uploads[0]["path"]][0] == content
    create = next(t for t in kie.tasks.values())
    assert create.body["input"]["image_urls"] == [uploaded_url]
    token = tg.token
    secret_part = token.split(":", 1)[1]
    for request in kie.requests:
        seen = " ".join(
            [
                request.path,
                str(request.query),
                str(request.headers),
                str(request.json),
                str(request.form),
                request.body.decode("latin-1"),
            ]
        )
        assert secret_part not in seen
    for record in caplog.records:
        assert secret_part not in record.getMessage()
        assert secret_part not in str(record.exc_text or "")
