"""The post itself: checking the admin's Telegram HTML before anything is sent, the URL button, and the
screen every recipient (and the preview) gets."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flows.screens import Button, Media, Screen
from flows.states import BroadcastFlow

MAX_TEXT = 4096  # Telegram's limit for a message
MAX_CAPTION = 1024  # and for a photo's caption
MAX_BUTTON_TEXT = 64
_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
}
_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_URL = re.compile(r"^https://[^\s/$.?#][^\s]*$|^http://[^\s/$.?#][^\s]*$")


class _Check(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            self.problem = self.problem or f"<{tag}>"
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problem = self.problem or f"</{tag}>"
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.problem = self.problem or "<"


def html_problem(text: str) -> str | None:
    """What Telegram would refuse in this HTML (an unknown or unclosed tag, a bare < or &), or None."""
    check = _Check()
    check.feed(text)
    check.close()
    if check.problem is None and check.open:
        check.problem = f"<{check.open[-1]}>"
    if check.problem is None and _BARE_AMP.search(text):
        check.problem = "&"
    return check.problem


def parse_button(text: str) -> tuple[str, str] | None:
    """«Текст | https://…» → (text, url), or None when it is not one."""
    label, sep, url = text.partition("|")
    label, url = label.strip(), url.strip()
    if not sep or not label or len(label) > MAX_BUTTON_TEXT or not _URL.match(url) or len(url) > 512:
        return None
    return label, url


def post_screen(flow: BroadcastFlow) -> Screen:
    """The message itself, as each recipient gets it."""
    buttons: tuple[tuple[Button, ...], ...] = ()
    if flow.button_text and flow.button_url:
        buttons = ((Button(flow.button_text, url=flow.button_url),),)
    media = (Media("photo", flow.photo),) if flow.photo else ()
    return Screen(text=flow.text or "", buttons=buttons, media=media)
