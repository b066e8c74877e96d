"""Telegram message entities → Telegram HTML, so a post formatted with the client's own buttons (bold,
italic, a link…) keeps its formatting when the bot sends it on. Offsets are in UTF-16 code units, as
Telegram counts them."""

from __future__ import annotations

import html
from collections.abc import Iterable

import msgspec

_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "code": "code",
    "spoiler": "tg-spoiler",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
}
# Entities Telegram finds by itself in plain text (mentions, links, hashtags, commands): no tag needed.
FORMATTING = frozenset({*_TAGS, "pre", "text_link"})


class TextEntity(msgspec.Struct, frozen=True):
    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None


def _tags(entity: TextEntity) -> tuple[str, str] | None:
    if entity.type in _TAGS:
        tag = _TAGS[entity.type]
        return f"<{tag}>", f"</{tag}>"
    if entity.type == "pre":
        if entity.language:
            language = html.escape(entity.language, quote=True)
            return f'<pre><code class="language-{language}">', "</code></pre>"
        return "<pre>", "</pre>"
    if entity.type == "text_link" and entity.url:
        return f'<a href="{html.escape(entity.url, quote=True)}">', "</a>"
    return None


def to_html(text: str, entities: Iterable[TextEntity]) -> str:
    """`text` with its formatting entities as HTML tags, everything else escaped."""
    index: dict[int, int] = {}
    units = 0
    for i, char in enumerate(text):
        index[units] = i
        units += 2 if ord(char) > 0xFFFF else 1
    index[units] = len(text)
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for entity in sorted(entities, key=lambda e: (e.offset, -e.length)):
        tags = _tags(entity)
        start, end = index.get(entity.offset), index.get(entity.offset + entity.length)
        if tags is None or start is None or end is None or end <= start:
            continue
        opens.setdefault(start, []).append(tags[0])
        closes.setdefault(end, []).insert(0, tags[1])  # the inner (later opened) closes first
    out: list[str] = []
    for i in range(len(text) + 1):
        out += closes.get(i, ())
        out += opens.get(i, ())
        if i < len(text):
            out.append(html.escape(text[i], quote=False))
    return "".join(out)
