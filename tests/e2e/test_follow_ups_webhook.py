"""Follow-up actions on a result, end to end: a real parent job runs through the fake Kie and is
delivered by the fake Telegram; its Result View offers the actions with their prices; a tap opens the
action's wizard through the webhook with the parent's facts filled in; confirm holds the price; the
follow-up runs through the fake Kie on the dedicated endpoint (or createTask) with the parent's task
id, track id or result; success captures, a refusal or a failed task releases — money exact."""

from __future__ import annotations

import base64
import itertools
from fractions import Fraction
from typing import Any

import pytest

from flows.catalog.pricing import credits_to_kopecks, format_rub
from flows.wizard import chart
from persistence import ledger, users
from sandbox.kie import CreateError, Fail, Phase, Succeed
from sandbox.telegram import make_callback_update
from tests.e2e.harness import running_app
from tests.e2e.test_wizard_webhook import WebhookChat
from tests.flows.driver import CATALOG, POLICY, View, fill_from_example
from tests.jobs.conftest import add_job, fast_options, wait_delivered, wait_for

_ids = itertools.count(700_000)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
BALANCE = 2_000_00  # what the user tops up after the parent run, for the follow-ups


def kopecks(credits: float) -> int:
    return credits_to_kopecks(Fraction(str(credits)), POLICY)


async def available(db, user_id: int) -> int:
    return await db.fetchval(
        "SELECT balance FROM ledger_accounts WHERE user_id = $1 AND kind = 'available'", user_id
    )


def result_view(tg, user_id: int, request_id: str) -> dict[str, Any]:
    """The Result View of a job: the message carrying its 🔁 button."""
    for message in reversed(list(tg.messages.get(user_id, {}).values())):
        if any(b.get("callback_data") == f"r:{request_id}" for b in tg.buttons(message)):
            return message
    raise LookupError(f"no Result View of {request_id}")


def action_buttons(tg, user_id: int, request_id: str) -> dict[str, str]:
    """label → callback data of the follow-up actions under a job's Result View."""
    message = result_view(tg, user_id, request_id)
    return {
        b["text"]: b["callback_data"] for b in tg.buttons(message) if b["callback_data"].startswith("fu:")
    }


async def run_parent(client, db, user_id: int, model_id: str) -> str:
    """A parent job made the real way (fake Kie, delivered by the fake Telegram); then a top-up."""
    request_id = await add_job(db, model_id, chat_id=user_id, price=10_00)
    client.app.jobs.wake()
    await wait_delivered(db, request_id)
    assert await db.fetchval("SELECT state FROM jobs WHERE request_id = $1", request_id) == "succeeded"
    await ledger.credit_topup(db, user_id, BALANCE, f"topup-{user_id}", "transfer")
    assert await available(db, user_id) == BALANCE
    return request_id


async def tap_action(client, user_id: int, parent_id: str, label: str) -> View:
    tg = client.tg
    message = result_view(tg, user_id, parent_id)
    data = next(d for text, d in action_buttons(tg, user_id, parent_id).items() if text.startswith(label))
    chat = WebhookChat(client, user_id)
    return await chat._after(make_callback_update(next(_ids), user_id, data, message["message_id"]))


async def run_follow_up(
    client, db, user_id: int, parent_id: str, label: str, model_id: str, example: dict[str, Any] | None = None
) -> Any:
    """Tap the action, answer the steps the action's wizard still asks, confirm; the follow-up job row."""
    entry = CATALOG.get(model_id)
    chat = WebhookChat(client, user_id)
    view = await tap_action(client, user_id, parent_id, label)

    async def act(kind: str, value: str, media: str = "video") -> View:
        if kind == "media":
            return await chat.media(value, media)
        return await (chat.tap(value) if kind == "tap" else chat.text(value))

    async def current_field() -> str | None:
        return chart.field_of(await chat.state() or "")

    example = dict(entry.examples[0]) if example is None else example
    view = await fill_from_example(entry, example, act, current_field, view, from_card=False)
    assert await chat.state() == chart.REVIEW, (model_id, view.text)
    before = [r["request_id"] for r in await db.fetch("SELECT request_id FROM jobs")]
    await chat.tap(view.data_for("✅ Запустить"))
    child = await wait_for(
        lambda: db.fetchval(
            "SELECT request_id FROM jobs WHERE parent_job_id = $1 AND model_id = $2"
            " AND NOT request_id = ANY($3::text[])",
            parent_id,
            model_id,
            before,
        ),
        what=f"the {model_id} job",
    )
    client.app.jobs.wake()
    return await wait_delivered(db, child)


def created(kie, path: str) -> dict[str, Any]:
    """The body of the last create call on this path."""
    calls = [r for r in kie.requests if r.method == "POST" and r.path == path]
    assert calls, f"no call to {path}"
    return calls[-1].json


async def assert_captured(db, user_id: int, row, price: int) -> None:
    assert row["state"] == "succeeded", (row["failure_code"], row["failure_message"])
    assert row["price_kopecks"] == price
    hold = await db.fetchval("SELECT status FROM ledger_holds WHERE key = $1", row["hold_key"])
    assert hold == "captured"
    assert await available(db, user_id) == BALANCE - price


async def assert_released(db, user_id: int, row, price: int) -> None:
    assert row["state"] == "failed"
    assert row["price_kopecks"] == price
    hold = await db.fetchval("SELECT status FROM ledger_holds WHERE key = $1", row["hold_key"])
    assert hold == "released"
    assert row["refunded_kopecks"] == price
    assert await available(db, user_id) == BALANCE


# --- Suno -------------------------------------------------------------------------------------------------


async def test_suno_result_offers_its_four_actions_and_extend_runs_on_the_parents_track(
    db, database_url, kie, tg
):
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        parent_id = await run_parent(client, db, 91_001, "suno")
        labels = list(action_buttons(tg, 91_001, parent_id))
        assert labels == [
            f"➕ Продлить · {format_rub(kopecks(12))}",
            f"🎤 Кавер · {format_rub(kopecks(12))}",
            f"🎚 Разделить на дорожки · от {format_rub(kopecks(10))}",
            f"🎼 WAV · {format_rub(kopecks(0.4))}",
        ]
        parent = await db.fetchrow(
            "SELECT kie_task_id, result_ids, input FROM jobs WHERE request_id = $1", parent_id
        )
        assert parent["result_ids"] and parent["result_ids"][0].startswith(parent["kie_task_id"][:8])

        row = await run_follow_up(client, db, 91_001, parent_id, "➕", "suno-extend")
        body = created(kie, "/api/v1/generate/extend")
        assert body["audioId"] == parent["result_ids"][0]
        assert body["model"] == parent["input"]["model"]
        assert body["defaultParamFlag"] is False and body["callBackUrl"]
        await assert_captured(db, 91_001, row, kopecks(12))
        assert row["parent_job_id"] == parent_id
        # The extended song is a Suno result too: its own Result View offers the actions again.
        assert len(action_buttons(tg, 91_001, row["request_id"])) == 4
        wav = await run_follow_up(client, db, 91_001, row["request_id"], "🎼", "suno-wav")
        body = created(kie, "/api/v1/wav/generate")
        assert (body["taskId"], body["audioId"]) == (row["kie_task_id"], row["result_ids"][0])
        assert wav["state"] == "succeeded" and wav["parent_job_id"] == row["request_id"]
        assert await available(db, 91_001) == BALANCE - kopecks(12) - kopecks(0.4)


async def test_suno_cover_wav_and_stems_use_the_parents_result_and_track(db, database_url, kie, tg):
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        parent_id = await run_parent(client, db, 91_002, "suno")
        parent = await db.fetchrow(
            "SELECT kie_task_id, result_ids, result_urls FROM jobs WHERE request_id = $1", parent_id
        )
        spent = 0
        row = await run_follow_up(client, db, 91_002, parent_id, "🎤", "suno-upload-cover")
        body = created(kie, "/api/v1/generate/upload-cover")
        assert body["uploadUrl"] == parent["result_urls"][0] and body["customMode"] is False
        assert body["prompt"] == CATALOG.get("suno-upload-cover").examples[0]["prompt"]
        spent += kopecks(12)
        assert row["state"] == "succeeded" and await available(db, 91_002) == BALANCE - spent

        row = await run_follow_up(client, db, 91_002, parent_id, "🎼", "suno-wav")
        body = created(kie, "/api/v1/wav/generate")
        assert (body["taskId"], body["audioId"]) == (parent["kie_task_id"], parent["result_ids"][0])
        assert row["state"] == "succeeded" and row["result_urls"][0].endswith(".wav")
        spent += kopecks(0.4)

        row = await run_follow_up(
            client, db, 91_002, parent_id, "🎚", "suno-vocal-removal", {"type": "split_stem"}
        )
        body = created(kie, "/api/v1/vocal-removal/generate")
        assert body["type"] == "split_stem" and body["audioId"] == parent["result_ids"][0]
        assert row["state"] == "succeeded" and len(row["result_urls"]) == 2  # vocals and instrumental
        spent += kopecks(50)
        assert await available(db, 91_002) == BALANCE - spent


async def test_suno_follow_up_kie_refuses_or_fails_gives_the_money_back(db, database_url, kie, tg):
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        parent_id = await run_parent(client, db, 91_003, "suno")
        # The track was already converted to WAV at Kie (from elsewhere): Kie answers 409 at create.
        parent = await db.fetchrow("SELECT result_ids FROM jobs WHERE request_id = $1", parent_id)
        kie.wavs.add(parent["result_ids"][0])
        row = await run_follow_up(client, db, 91_003, parent_id, "🎼", "suno-wav")
        await assert_released(db, 91_003, row, kopecks(0.4))
        # The extension fails at Kie after it was accepted.
        kie.script_next("suno-extend", [Fail("500", "GENERATE_AUDIO_FAILED")])
        row = await run_follow_up(client, db, 91_003, parent_id, "➕", "suno-extend")
        await assert_released(db, 91_003, row, kopecks(12))
        failure = result_view(tg, 91_003, row["request_id"]).get("text", "")
        assert "Не получилось" in failure and row["request_id"] in failure
        assert f"Деньги возвращены на баланс: {format_rub(kopecks(12))}" in failure


async def test_a_song_with_two_tracks_asks_which_one_and_extends_the_second(db, database_url, kie, tg):
    kie.script_next("suno", [Phase("generating"), Succeed(count=2)])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        parent_id = await run_parent(client, db, 91_004, "suno")
        parent = await db.fetchrow("SELECT result_ids FROM jobs WHERE request_id = $1", parent_id)
        assert len(parent["result_ids"]) == 2
        view = await tap_action(client, 91_004, parent_id, "➕")
        assert [label for label, _ in view.buttons] == ["🎵 Трек 1", "🎵 Трек 2", "🏠 В меню"]
        chat = WebhookChat(client, 91_004)
        view = await chat.tap(view.data_for("🎵 Трек 2"))
        assert await chat.state() == chart.REVIEW
        await chat.tap(view.data_for("✅ Запустить"))
        child = await wait_for(
            lambda: db.fetchval("SELECT request_id FROM jobs WHERE parent_job_id = $1", parent_id),
            what="child",
        )
        client.app.jobs.wake()
        row = await wait_delivered(db, child)
        assert created(kie, "/api/v1/generate/extend")["audioId"] == parent["result_ids"][1]
        await assert_captured(db, 91_004, row, kopecks(12))


# --- Veo ----------------------------------------------------------------------------------------------------


async def test_veo_result_extends_and_upgrades_with_the_parents_task_and_tier(db, database_url, kie, tg):
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        parent_id = await run_parent(client, db, 92_001, "veo3_fast")
        task_id = await db.fetchval("SELECT kie_task_id FROM jobs WHERE request_id = $1", parent_id)
        labels = list(action_buttons(tg, 92_001, parent_id))
        assert labels == [
            f"➕ Продлить · {format_rub(kopecks(60))}",  # the fast tier's price: the parent was Veo Fast
            f"🖥 1080p · {format_rub(kopecks(5))}",
            f"🖥 4K · {format_rub(kopecks(120))}",
        ]
        row = await run_follow_up(client, db, 92_001, parent_id, "➕", "veo3-extend")
        body = created(kie, "/api/v1/veo/extend")
        assert body["taskId"] == task_id and body["model"] == "fast" and body["prompt"]
        await assert_captured(db, 92_001, row, kopecks(60))

        row = await run_follow_up(client, db, 92_001, parent_id, "🖥 1080p", "veo/get-1080p-video")
        body = created(kie, "/api/v1/jobs/createTask")
        assert body["model"] == "veo/get-1080p-video" and body["input"] == {"taskId": task_id, "index": 0}
        assert row["state"] == "succeeded"
        assert await available(db, 92_001) == BALANCE - kopecks(60) - kopecks(5)


async def test_veo_4k_that_kie_cannot_make_gives_the_money_back(db, database_url, kie, tg):
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        parent_id = await run_parent(client, db, 92_002, "veo3_fast")
        kie.script_next("veo/get-4k-video", [Fail("500", "The 4K version of this video is unavailable")])
        row = await run_follow_up(client, db, 92_002, parent_id, "🖥 4K", "veo/get-4k-video")
        assert created(kie, "/api/v1/jobs/createTask")["input"]["task_id"]
        await assert_released(db, 92_002, row, kopecks(120))
        # Kie forgot the parent (records live 14 days): the extension is refused at create, nothing held.
        kie.tasks.clear()
        row = await run_follow_up(client, db, 92_002, parent_id, "➕", "veo3-extend")
        assert row["failure_code"] == "invalid_input" and "Record does not exist" in row["failure_message"]
        hold = await db.fetchval("SELECT status FROM ledger_holds WHERE key = $1", row["hold_key"])
        assert hold == "released" and await available(db, 92_002) == BALANCE


# --- Grok -----------------------------------------------------------------------------------------------------


async def test_grok_video_extends_and_upscales_by_its_task(db, database_url, kie, tg):
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        parent_id = await run_parent(client, db, 93_001, "grok-imagine/text-to-video")
        task_id = await db.fetchval("SELECT kie_task_id FROM jobs WHERE request_id = $1", parent_id)
        labels = list(action_buttons(tg, 93_001, parent_id))
        assert labels == [
            f"➕ Продлить · от {format_rub(kopecks(20))}",
            f"🔍 Улучшить · {format_rub(kopecks(10))}",
        ]
        row = await run_follow_up(client, db, 93_001, parent_id, "➕", "grok-imagine/extend")
        body = created(kie, "/api/v1/jobs/createTask")
        assert body["model"] == "grok-imagine/extend" and body["input"]["task_id"] == task_id
        await assert_captured(db, 93_001, row, kopecks(20))

        kie.script_next("grok-imagine/upscale", [Fail("500", "Internal error, please try again later.")])
        row = await run_follow_up(client, db, 93_001, parent_id, "🔍", "grok-imagine/upscale")
        assert created(kie, "/api/v1/jobs/createTask")["input"] == {"task_id": task_id}
        assert row["state"] == "failed" and row["refunded_kopecks"] == kopecks(10)
        assert await available(db, 93_001) == BALANCE - kopecks(20)


# --- images: 🔍 Улучшить and 🎬 Оживить ----------------------------------------------------------------------


async def test_image_upscale_and_animate_start_with_the_delivered_image(db, database_url, kie, tg):
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        parent_id = await run_parent(client, db, 94_001, "google/nano-banana")
        file_id = (await db.fetchval("SELECT result_file_ids FROM jobs WHERE request_id = $1", parent_id))[0]
        # Telegram keeps the image it fetched from the result URL; the fake keeps a placeholder, so give
        # it the image (the follow-up downloads it again and checks its format by content).
        tg.add_file(file_id, PNG, "photos/parent.png")
        labels = list(action_buttons(tg, 94_001, parent_id))
        assert labels == [
            f"🔍 Улучшить · от {format_rub(kopecks(20))}",
            f"🎬 Оживить · от {format_rub(kopecks(55))}",
        ]
        # The image step is already answered: the wizard opens at the next one (the upscale factor).
        view = await tap_action(client, 94_001, parent_id, "🔍")
        assert await WebhookChat(client, 94_001).state() == "f_upscale_factor", view.text
        await WebhookChat(client, 94_001).tap(view.data_for("❌"))

        row = await run_follow_up(client, db, 94_001, parent_id, "🔍", "topaz/image-upscale")
        assert row["input"]["image_url"] == f"tgfile:{file_id}" or row["input"]["image_url"].startswith(
            "http"
        )
        body = created(kie, "/api/v1/jobs/createTask")
        # The delivered image went back to Kie through its upload API (never a Telegram file URL).
        assert body["model"] == "topaz/image-upscale" and body["input"]["image_url"] in [
            u["url"] for u in kie.uploads
        ]
        await assert_captured(db, 94_001, row, kopecks(40))

        # Kie refuses the upscale at create (its 422 in an HTTP 200): the hold comes back in full.
        kie.script_next("topaz/image-upscale", [CreateError(422, "image_url: the file could not be read")])
        row = await run_follow_up(client, db, 94_001, parent_id, "🔍", "topaz/image-upscale")
        assert row["state"] == "failed" and row["refunded_kopecks"] == kopecks(40)
        assert await available(db, 94_001) == BALANCE - kopecks(40)

        kie.script_next("kling-2.6/image-to-video", [Fail("500", "Internal error, please try again later.")])
        row = await run_follow_up(client, db, 94_001, parent_id, "🎬", "kling-2.6/image-to-video")
        body = created(kie, "/api/v1/jobs/createTask")
        assert body["model"] == "kling-2.6/image-to-video" and body["input"]["image_urls"][0] in [
            u["url"] for u in kie.uploads
        ]
        assert row["state"] == "failed" and row["refunded_kopecks"] == kopecks(55)
        assert await available(db, 94_001) == BALANCE - kopecks(40)


# --- ownership, history, deep links -------------------------------------------------------------------------


async def test_a_forged_parent_id_is_refused_with_no_wizard_no_hold_no_kie_call(db, database_url, kie, tg):
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        parent_id = await run_parent(client, db, 95_001, "google/nano-banana")
        data = next(iter(action_buttons(tg, 95_001, parent_id).values()))
        calls_before = len([r for r in kie.requests if r.method == "POST"])
        for user_id, forged in ((95_002, data), (95_001, data.replace(parent_id, "R-000000"))):
            await users.touch(db, user_id, None, "Test", "ru")
            await ledger.credit_topup(db, user_id, BALANCE, f"forge-{user_id}", "transfer")
            await client.post(make_callback_update(next(_ids), user_id, forged, 1))
            await client.settle()
            answer = tg.calls("answerCallbackQuery")[-1]
            assert answer.params.get("show_alert") and "нет в вашей истории" in answer.params["text"]
            state = await db.fetchval("SELECT state FROM sessions WHERE chat_id = $1", user_id)
            assert ((state or {}).get("flow") or {}).get("model_id") is None
        assert await db.fetchval("SELECT count(*) FROM jobs WHERE parent_job_id IS NOT NULL") == 0
        assert await db.fetchval("SELECT count(*) FROM ledger_holds WHERE status = 'held'") == 0
        assert len([r for r in kie.requests if r.method == "POST"]) == calls_before


async def test_history_links_the_follow_up_to_its_parent(db, database_url, kie, tg):
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        parent_id = await run_parent(client, db, 96_001, "grok-imagine/text-to-video")
        row = await run_follow_up(client, db, 96_001, parent_id, "🔍", "grok-imagine/upscale")
        chat = WebhookChat(client, 96_001)
        view = await chat.text("/history")
        assert f"{row['request_id']}</code>" in view.text or row["request_id"] in view.text
        line = next(line for line in view.text.splitlines() if row["request_id"] in line)
        assert f"↳ из {parent_id}" in line
        view = await chat.tap(view.data_for(f"✅ {row['request_id']}"))
        view = await chat.tap(view.data_for(f"↳ Исходный запрос {parent_id}"))
        assert parent_id in view.text
        # An old result in history offers its actions too, and they work from there.
        assert view.has("🔍 Улучшить") and view.has("➕ Продлить")
        await chat.tap(view.data_for("🔍 Улучшить"))
        assert await chat.state() == chart.REVIEW


@pytest.mark.parametrize("slug", ["suno-wav", "veo3-extend", "grok-imagine-upscale"])
async def test_a_deep_link_to_a_follow_up_says_where_it_opens_from(db, database_url, slug):
    async with running_app(database_url) as client:
        chat = WebhookChat(client, 97_001)
        view = await chat.text(f"/start m-{slug}")
        assert "открывается из результата" in view.text
        assert view.has("🗂 История") and view.has("🏠 В меню")
        assert await chat.state() is None
