"""Pure parts of integrations/telegram/media.py: text splitting, media kinds, album grouping."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.telegram.media import Limits, _albums, _Item, split_text, telegram_kind


def _visible(chunk: str) -> str:
    return html.unescape(chunk)


def test_short_text_is_one_escaped_message():
    assert split_text("a < b & c") == ["a &lt; b &amp; c"]


def test_split_prefers_paragraphs_then_lines_then_spaces():
    first, second = "а" * 3000, "б" * 3000
    assert [_visible(c) for c in split_text(f"{first}\n\n{second}")] == [first, second]
    assert [_visible(c) for c in split_text(f"{first}\n{second}")] == [first, second]
    words = " ".join(["слово"] * 1500)
    chunks = [_visible(c) for c in split_text(words)]
    assert all(len(c) <= 4096 for c in chunks) and all(not c.startswith(" ") for c in chunks)
    assert " ".join(chunks) == words


def test_no_cut_inside_an_entity_and_each_piece_is_within_the_limit_after_parsing():
    text = "&" * 5000
    chunks = split_text(text)
    assert all(chunk == "&amp;" * (len(chunk) // 5) for chunk in chunks)
    assert sum(len(_visible(c)) for c in chunks) == 5000
    assert all(len(_visible(c)) <= 4096 for c in chunks)


def test_astral_characters_count_as_two_utf16_units():
    text = "😀" * 3000
    chunks = split_text(text)
    assert all(len(_visible(c).encode("utf-16-le")) // 2 <= 4096 for c in chunks)
    assert "".join(_visible(c) for c in chunks) == text


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12_000))
def test_split_keeps_every_visible_character_outside_boundary_whitespace(text):
    chunks = split_text(text, limit=500)
    assert all(len(_visible(c).encode("utf-16-le")) // 2 <= 500 for c in chunks)
    assert "".join("".join(_visible(c).split()) for c in chunks) == "".join(text.split())


def test_kinds_gif_is_an_animation_unknown_is_a_document():
    assert telegram_kind("image", "https://x/y/a.GIF") == "animation"
    assert telegram_kind("image", "https://x/y/a", "image/gif") == "animation"
    assert telegram_kind("image", "https://x/a.png") == "photo"
    assert telegram_kind("video", "https://x/a.mp4") == "video"
    assert telegram_kind("audio", "https://x/a.mp3") == "audio"
    assert telegram_kind("text", "https://x/a.txt") == "document"


def test_albums_group_compatible_kinds_by_ten_and_keep_animations_alone():
    def item(kind):
        return _Item(url=f"https://x/{kind}", kind=kind, route="url")

    items = [item("photo")] * 12 + [item("video"), item("animation"), item("audio"), item("audio")]
    groups = _albums(items, Limits())
    assert [len(g) for g in groups] == [10, 3, 1, 2]
    assert [g[0].kind for g in groups] == ["photo", "photo", "animation", "audio"]
