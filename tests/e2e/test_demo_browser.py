"""`trt demo` in a real browser: headless Debian Chromium driven by Playwright (the system browser;
nothing is downloaded). The story a newcomer clicks through, with a screenshot of every main screen:
/start → a section's family → a model → prompt → a wrong input and its hint → confirm → the picture; then a top-up by
transfer approved in the operator's pane; then a dialog in 💬 Тексты, its answer streamed.

Screenshots go to a temporary folder; `scripts/screenshots.sh` runs this test with
TRT_SCREENSHOTS_DIR=docs/screenshots to refresh the committed ones.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from persistence import ledger
from runtime.demo.run import WELCOME_KOPECKS, Demo, DemoOptions, free_port
from runtime.demo.settings import DEMO_USER

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags that work on this machine kind as root (see the machine notes): no sandbox, no GPU, and
# none of Chromium's own background traffic (this machine has no internet; the demo needs none).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture
async def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(
                "Chromium is missing: scripts/ensure_browser.sh installs it (scripts/check.sh runs it)"
            )
        pytest.skip("Chromium is not installed (bash scripts/ensure_browser.sh)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("TRT_SCREENSHOTS_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []

    async def shot(page, name: str) -> None:
        # Pictures still loading would be half drawn in the screenshot.
        await page.wait_for_function("() => [...document.images].every(i => i.complete)")
        path = folder / f"{name}.jpg"
        await page.screenshot(path=str(path), type="jpeg", quality=85)
        taken.append(path)

    shot.taken = taken
    return shot


def _png(color=(40, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, format="PNG")
    return out.getvalue()


async def test_a_newcomer_generates_a_picture_and_tops_up_in_the_browser(
    db, database_url, tmp_path, browser, shots
):
    from playwright.async_api import expect

    demo = Demo(
        DemoOptions(
            port=free_port("127.0.0.1"),
            data_dir=tmp_path / "demo",
            delay_scale=0.1,
            environ={"DATABASE_URL": database_url},
        )
    )
    await demo.start()
    try:
        page = await browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(15_000)
        await page.goto(demo.url)
        await page.wait_for_selector("body[data-ready='1']")
        user = page.locator('section.chat[data-role="user"]')
        admin = page.locator('section.chat[data-role="admin"]')

        def button(chat, label: str):
            return chat.locator(".kb button", has_text=label).last

        await expect(user.locator("button.start")).to_be_visible()
        await shots(page, "01-new-chat")

        await user.locator("button.start").click()
        await expect(button(user, "🎨 Изображения")).to_be_visible()
        await shots(page, "02-main-menu")

        # A section lists families; a family its versions (the free Nano Banana first).
        await button(user, "🎨 Изображения").click()
        await button(user, "Nano Banana").click()
        await button(user, "Nano Banana · ✍️/📷 · 🆓").click()
        await expect(button(user, "🚀 Запустить")).to_be_visible()
        await shots(page, "03-model-card")

        await button(user, "🚀 Запустить").click()
        await expect(user.locator(".bubble", has_text="шаг 1 из 2").last).to_be_visible()
        await user.locator("textarea.input").fill("Рыжий кот в скафандре над Луной, акварель")
        await user.locator("textarea.input").press("Enter")
        await expect(user.locator(".bubble", has_text="шаг 2 из 2").last).to_be_visible()
        # A wrong input: a photo where an option is to be picked gets its hint, and nothing is lost.
        await user.locator("input.file-input").set_input_files(
            files=[{"name": "cat.png", "mimeType": "image/png", "buffer": _png()}]
        )
        await expect(user.locator(".bubble", has_text="Выберите вариант кнопкой ниже").last).to_be_visible()
        await shots(page, "04-wrong-input-hint")

        await button(user, "16:9").click()
        await expect(button(user, "✅ Запустить")).to_be_visible()
        await shots(page, "05-confirm")

        await button(user, "✅ Запустить").click()
        await page.wait_for_function(
            "() => [...document.querySelectorAll('[data-role=user] img.photo')]"
            ".some(i => i.complete && i.naturalWidth === 1024 && i.naturalHeight === 576)"
        )
        await expect(user.locator(".bubble", has_text="Готово").last).to_be_visible()
        await shots(page, "06-result")

        # Top-up by transfer: the user asks, the operator approves in their pane.
        await user.locator("textarea.input").fill("/balance")
        await user.locator("textarea.input").press("Enter")
        await expect(button(user, "💳 Пополнить")).to_be_visible()
        await shots(page, "07-balance")
        await button(user, "💳 Пополнить").click()
        await button(user, "300 ₽").click()
        await button(user, "Я оплатил").click()
        await expect(button(admin, "✅ Подтвердить")).to_be_visible()
        await shots(page, "08-operator-approves")
        await button(admin, "✅ Подтвердить").click()
        await expect(user.locator(".bubble", has_text="Баланс пополнен на 300 ₽").last).to_be_visible()
        await shots(page, "09-topped-up")

        # 💬 Тексты: a dialog, the answer streamed into a draft with its stop button, then the final one.
        assert demo.kie is not None
        demo.kie.chat.token_delay = 0.05  # a model's pace, so the draft is there to be seen for seconds
        await user.locator("textarea.input").fill("/start")
        await user.locator("textarea.input").press("Enter")
        await button(user, "💬 Тексты").click()
        await button(user, "GPT-5.2").click()
        await button(user, "💬 Начать диалог").click()
        await expect(user.locator(".bubble", has_text="Диалог с GPT-5.2").last).to_be_visible()
        await user.locator("textarea.input").fill("Привет! Что ты умеешь?")
        await user.locator("textarea.input").press("Enter")
        await expect(user.locator(".row.draft .text", has_text="Демо-ответ")).to_be_visible()
        await expect(user.locator(".row.draft button.stop")).to_be_visible()
        await shots(page, "10-chat-streaming")
        await expect(user.locator(".bubble", has_text="на балансе").last).to_be_visible()
        await expect(user.locator(".row.draft")).to_have_count(0)
        await shots(page, "11-chat-answer")
    finally:
        await demo.stop()

    balance = await ledger.balance(db, DEMO_USER.user_id)
    charged = WELCOME_KOPECKS + 300_00 - balance.available
    assert balance.held == 0 and 0 < charged < 100  # an answer costs kopecks
    assert [path.name for path in shots.taken] == [
        "01-new-chat.jpg",
        "02-main-menu.jpg",
        "03-model-card.jpg",
        "04-wrong-input-hint.jpg",
        "05-confirm.jpg",
        "06-result.jpg",
        "07-balance.jpg",
        "08-operator-approves.jpg",
        "09-topped-up.jpg",
        "10-chat-streaming.jpg",
        "11-chat-answer.jpg",
    ]
    assert all(path.stat().st_size > 10_000 for path in shots.taken)
