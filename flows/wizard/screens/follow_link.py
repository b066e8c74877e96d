"""`/start m-<slug>` of a follow-up model (flows/catalog/follow_ups.py): it needs a parent job, so the
answer says where it opens from and offers the ways on instead of a card that could not run."""

from __future__ import annotations

import html

from flows.catalog.human import model_title
from flows.catalog.types import ModelEntry
from flows.payloads.menus import OpenMenu
from flows.payloads.money import OpenHistory
from flows.screens import Button, Screen
from flows.texts import t


def deep_link_screen(entry: ModelEntry, lang: str) -> Screen:
    """`/start m-<slug>` of a follow-up model: where it opens from, and the ways on."""
    return Screen(
        text=t(lang, "follow.deep_link", title=html.escape(model_title(entry.id, lang))),
        buttons=(
            (Button(t(lang, "history.button"), data=OpenHistory().data()),),
            (Button(t(lang, "menu.back_to_menu"), data=OpenMenu().data()),),
        ),
    )
