"""Markdown from a model → Telegram HTML that Telegram's parser accepts, split at 4096 characters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.telegram.markdown import length, markdown_to_html_parts, render, to_plain
from sandbox.telegram import parse_html


def parses(part: str) -> str:
    """Telegram's HTML mode as the fake implements it: the visible text, or an exception."""
    return parse_html(part)[0]


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        (
            "# Заголовок\n\nТекст **жирный**, *курсив*, `код`.",
            "<b>Заголовок</b>\n\nТекст <b>жирный</b>, <i>курсив</i>, <code>код</code>.",
        ),
        (
            "```python\nif a < b and c > d:\n    print('&')\n```",
            "<pre><code class=\"language-python\">if a &lt; b and c &gt; d:\n    print('&amp;')</code></pre>",
        ),
        ("- один\n- два\n  1. вложенный", "• один\n• два\n  1. вложенный"),
        ("3. три\n4. четыре", "3. три\n4. четыре"),
        ("[сайт](https://example.com/?a=1&b=2)", '<a href="https://example.com/?a=1&amp;b=2">сайт</a>'),
        ("> цитата\n> вторая строка", "<blockquote>цитата\nвторая строка</blockquote>"),
        ("~~старое~~ новое", "<s>старое</s> новое"),
        ("| A | B |\n|---|---|\n| 1 | 2 |", "<b>A | B</b>\n1 | 2"),
        ("абзац\n\n---\n\nещё", "абзац\n\n———\n\nещё"),
    ],
)
def test_markdown_becomes_telegram_html(markdown, html):
    assert markdown_to_html_parts(markdown) == [html]
    parses(html)


@pytest.mark.parametrize(
    "broken",
    [
        "**не закрыто и `тоже",
        "```\nблок без конца\n<div>",
        "<b>сырой HTML</b> & <script>alert(1)</script>",
        "[ссылка](javascript:alert(1)) и ![картинка](data:image/png;base64,AAA)",
        "* * *\n***\n___",
        "*a **b* c**",
        "> > > глубоко\n> - список в цитате\n>   ```\n>   код\n>   ```",
    ],
)
def test_broken_markdown_still_gives_html_telegram_accepts(broken):
    parts = markdown_to_html_parts(broken)
    assert parts and all(parses(part) for part in parts)
    assert "<script>" not in "".join(parts) and "javascript:" not in "".join(p for p in parts if "href" in p)


def test_a_long_answer_splits_between_paragraphs():
    paragraphs = [f"Абзац {n}. " + "слово " * 150 for n in range(12)]
    parts = markdown_to_html_parts("\n\n".join(paragraphs))
    assert len(parts) >= 3
    for part in parts:
        visible = parses(part)
        assert len(visible) <= 4096 and visible.startswith("Абзац") and visible.rstrip().endswith("слово")


def test_a_code_block_longer_than_a_message_continues_in_the_next_one():
    code = "\n".join(f"line_{n} = {n}  # comment" for n in range(400))
    parts = markdown_to_html_parts(f"Вот код:\n\n```python\n{code}\n```\n\nГотово.")
    assert len(parts) >= 3
    for part in parts:
        assert len(parses(part)) <= 4096
    code_parts = [p for p in parts if "<pre>" in p]
    assert all(p.count("<pre>") == p.count("</pre>") for p in code_parts)
    lines = [line for p in parts for line in parses(p).splitlines() if line.startswith("line_")]
    assert lines == [f"line_{n} = {n}  # comment" for n in range(400)]  # no line cut in two


def test_formatting_open_at_a_cut_is_closed_and_reopened():
    parts = markdown_to_html_parts("**" + ("жирно " * 1500).strip() + "**")
    assert len(parts) >= 2 and all(p.startswith("<b>") and p.endswith("</b>") for p in parts)


def test_one_enormous_word_is_cut_by_characters():
    parts = render("я" * 10_000)
    assert [length(p) for p in parts] == [4096, 4096, 1808]
    assert "".join(to_plain(p) for p in parts) == "я" * 10_000


def test_emoji_count_as_two_utf16_units():
    parts = render("😀" * 3000)
    assert all(length(p) <= 4096 for p in parts) and len(parts) == 2


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("*_`#->[]()!|~\n abc<&")), max_size=300))
def test_any_markdown_renders_to_parseable_parts(text):
    for part in markdown_to_html_parts(text, limit=120):
        assert len(parses(part)) <= 120
