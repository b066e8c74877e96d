"""Kie's documented limits end to end, through the real webhook with the fake Kie: an input Kie would
refuse is refused at its step (or at the review) with the limit named in words and units and the
navigation buttons — no hold is taken and Kie is never called. The fake Kie refuses the same inputs
the way the docs say, so a gap in the catalog would not go unnoticed."""

from __future__ import annotations

import itertools

import aiohttp

from persistence import ledger, users
from sandbox.kie import DEFAULT_API_KEY, FakeKie
from sandbox.telegram import make_message_update
from tests.e2e.harness import running_app
from tests.e2e.test_wizard_webhook import WebhookChat
from tests.flows.driver import CATALOG

MB = 1024 * 1024
_ids = itertools.count(70_000)
NAV = ("⬅️ Назад", "❌ Отмена")


class Chat(WebhookChat):
    def __init__(self, client, chat_id: int, model_id: str) -> None:
        super().__init__(client, chat_id)
        self.entry = CATALOG.get(model_id)

    async def send(self, **media):
        return await self._after(make_message_update(next(_ids), self.chat_id, **media))

    async def choose(self, view, value):
        """Tap the option `value` of the current enum step (an old or forged button when the step does
        not offer it)."""
        field = (await self.state() or "").removeprefix("f_")
        index = [str(v) for v in self.entry.schema.properties[field].values].index(str(value))
        offered = [d for _, d in view.buttons if d.endswith(f":choose:{index}")]
        if offered:
            return await self.tap(offered[0])
        flow = (
            await self.client.app.pool.fetchval("SELECT state FROM sessions WHERE chat_id = $1", self.chat_id)
        )["flow"]
        return await self.tap(f"w:{flow['version']}:choose:{index}")


async def _open(client, chat_id: int, model_id: str) -> tuple[Chat, object]:
    await users.touch(client.app.pool, chat_id, None, "Test", "ru")
    await ledger.credit_topup(client.app.pool, chat_id, 50_000_00, f"seed-{chat_id}", "transfer")
    chat = Chat(client, chat_id, model_id)
    view = await chat.text(f"/start m-{chat.entry.slug}")
    view = await chat.tap(view.data_for("🚀"))
    return chat, view


def _refused(view, *words: str) -> None:
    for word in words:
        assert word in view.text, (word, view.text)
    labels = [label for label, _ in view.buttons]
    assert all(nav in labels for nav in NAV), labels


async def _nothing_moved(client, kie: FakeKie) -> None:
    pool = client.app.pool
    assert await pool.fetchval("SELECT count(*) FROM ledger_holds") == 0
    assert await pool.fetchval("SELECT count(*) FROM jobs") == 0
    assert kie.tasks == {} and kie.uploads == []
    assert not [r for r in kie.requests if r.method == "POST"], "Kie must not be called"


async def test_documented_limits_are_refused_at_the_step_with_no_hold_and_no_kie_call(db, database_url):
    async with FakeKie() as kie, running_app(database_url, kie=kie) as client:
        # Size (Flux-2 takes 10 MB per image).
        chat, view = await _open(client, 81_001, "flux-2/pro-image-to-image")
        view = await chat.send(photo={"file_size": int(14.2 * MB)})
        _refused(view, "Файл 14,2 МБ — эта модель принимает до 10 МБ. Сожмите или пришлите другой.")
        assert await chat.state() == "f_input_urls"

        # Length of audio (Kling AI Avatar takes up to 5 minutes).
        chat, view = await _open(client, 81_002, "kling/ai-avatar-pro")
        view = await chat.send(photo=True)
        assert await chat.state() == "f_audio_url"
        view = await chat.send(audio={"duration": 400})
        _refused(view, "Длительность 400 с — эта модель принимает до 300 с")
        assert await chat.state() == "f_audio_url"

        # Length of video (HappyHorse edit takes 3 to 60 s).
        chat, view = await _open(client, 81_003, "happyhorse/video-edit")
        view = await chat.text("Сделай небо розовым")
        view = await chat.send(video={"duration": 75})
        _refused(view, "от 3 до 60 с")

        # Format by type (Kling AI Avatar takes JPEG and PNG images).
        chat, view = await _open(client, 81_004, "kling/ai-avatar-standard")
        view = await chat.send(document={"mime_type": "image/webp", "file_name": "a.webp", "file_size": 5000})
        _refused(view, "Формат WebP не подходит: эта модель принимает JPEG, PNG")

        # Minimum prompt length (Flux-2: 3 to 5000 characters).
        chat, view = await _open(client, 81_005, "flux-2/pro-text-to-image")
        view = await chat.text("ab")
        _refused(view, "не меньше 3 символов")
        assert await chat.state() == "f_prompt"

        await _nothing_moved(client, kie)


async def test_a_combination_kie_refuses_stops_at_the_review_with_no_hold(db, database_url):
    async with FakeKie() as kie, running_app(database_url, kie=kie) as client:
        chat, view = await _open(client, 81_010, "gpt-image-2-text-to-image")
        view = await chat.text("Кот-космонавт на Луне")
        view = await chat.choose(view, "1:1")
        assert "4K" not in [label.removeprefix("• ") for label, _ in view.buttons]  # not offered after 1:1
        view = await chat.choose(view, "4K")
        assert await chat.state() == "review"
        assert "Такое сочетание не поддерживается" in view.text and "4K" in view.text
        assert not view.has("✅ Запустить")
        # A forged launch (an old or crafted button) is refused too.
        version = (await client.app.pool.fetchval("SELECT state FROM sessions WHERE chat_id = 81010"))[
            "flow"
        ]["version"]
        await chat.tap(f"w:{version}:next")
        assert await chat.state() == "review"
        await _nothing_moved(client, kie)


async def test_the_fake_kie_refuses_what_the_docs_say_kie_refuses():
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}", "User-Agent": "Mozilla/5.0 TRT"}
    async with FakeKie() as kie, aiohttp.ClientSession() as http:

        async def create(body: dict) -> dict:
            async with http.post(f"{kie.api_base}/api/v1/jobs/createTask", json=body, headers=headers) as r:
                assert r.status == 200  # Kie's errors come in the body
                return await r.json()

        answer = await create(
            {
                "model": "gpt-image-2-text-to-image",
                "input": {"prompt": "cat", "aspect_ratio": "5:4", "resolution": "2K"},
            }
        )
        assert answer["code"] == 422 and "1K only" in answer["msg"]
        answer = await create({"model": "flux-2/pro-text-to-image", "input": {"prompt": "ab"}})
        assert answer == {"code": 422, "msg": "prompt must be at least 3 characters", "data": None}
        big = kie.serve_file("kieai/u/big.jpg", bytes(11 * MB), "image/jpeg")
        answer = await create(
            {"model": "flux-2/pro-image-to-image", "input": {"prompt": "cat", "input_urls": [big]}}
        )
        assert answer["code"] == 422 and "exceeds 10MB" in answer["msg"]
        webp = kie.serve_file("kieai/u/a.webp", b"RIFF", "image/webp")
        answer = await create(
            {"model": "kling/ai-avatar-pro", "input": {"prompt": "hi", "image_url": webp, "audio_url": webp}}
        )
        assert answer["code"] == 422 and "unsupported file type image/webp" in answer["msg"]
        answer = await create(
            {"model": "google/nano-banana", "input": {"prompt": "cat", "image_size": "1:1"}}
        )
        assert answer["code"] == 422 and "deprecated" in answer["msg"]
        assert kie.tasks == {} and len(kie.refused) == 5
        ok = await create(
            {
                "model": "gpt-image-2-text-to-image",
                "input": {"prompt": "cat", "aspect_ratio": "16:9", "resolution": "4K"},
            }
        )
        assert ok["code"] == 200 and len(kie.tasks) == 1
