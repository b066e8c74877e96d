"""Snapshots of the screens of representative wizards, walked with each model's example: text only,
enum-heavy, a single file, a file list, conditional fields, and per-second pricing."""

import pytest

from flows.incoming import AccountView
from flows.screens import Screen
from flows.wizard import chart
from tests.flows.driver import CATALOG, Driver, drive_example

REPRESENTATIVE = [
    "z-image",
    "ideogram/v3-text-to-image",
    "recraft/remove-background",
    "google/nano-banana-edit",
    "suno",
    "kling-3.0/video",
]


def render(screen: Screen) -> str:
    lines = [screen.text, "---"]
    for row in screen.buttons:
        lines.append(" | ".join(f"[{b.text}]" for b in row))
    return "\n".join(lines)


@pytest.mark.parametrize("model_id", REPRESENTATIVE)
async def test_wizard_screens(model_id, snapshot):
    entry = CATALOG.get(model_id)
    driver = Driver(account=AccountView(available_kopecks=250_00, free_left=2, free_quota=5))
    await drive_example(driver, entry, dict(entry.examples[0]))
    assert driver.snapshot.state == chart.REVIEW
    walked = "\n\n=====\n\n".join(render(s) for s in driver.screens)
    assert walked == snapshot


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_menus_and_error_screens(lang, snapshot):
    driver = Driver(lang=lang)
    driver.command("/start")
    driver.press("🎨")
    driver.command("/help")
    driver.other("sticker")
    driver.command("/cancel")
    assert "\n\n=====\n\n".join(render(s) for s in driver.screens) == snapshot
