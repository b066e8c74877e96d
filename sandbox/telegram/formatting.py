"""Text and parameters as Telegram reads them: ``parse_mode=HTML`` into text and entities
(``_TelegramHtml``, ``parse_html``, ``_format_text``), coercion of form fields (``_coerce``) and
``attach://`` uploads (``_resolve_attachments``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import msgspec

from sandbox.telegram.wire import (
    _BOOL_FIELDS,
    _BOOL_PREFIXES,
    _CHAT_ID_RE,
    _INT_FIELDS,
    _JSON_FIELDS,
    Upload,
    _bad,
)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------------------
# HTML parse_mode: the subset Telegram accepts, with its error messages.

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}


class _TelegramHtml(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.parts: list[str] = []
        self.entities: list[dict[str, Any]] = []
        self._offset = 0  # UTF-16 code units emitted so far
        self._stack: list[tuple[str, int, dict[str, Any]]] = []
        self.error: str | None = None

    def _byte_offset(self) -> int:
        line, col = self.getpos()
        index = self._line_starts[line - 1] + col
        return len(self._source[:index].encode())

    def _fail(self, message: str) -> None:
        if self.error is None:
            self.error = message

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self._offset += _utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _HTML_TAGS.get(tag)
        attributes = dict(attrs)
        if kind is None or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
            return
        extra: dict[str, Any] = {}
        if tag == "a":
            href = attributes.get("href")
            if not href:
                kind = ""  # a link without href is plain text, as on Telegram
            else:
                extra["url"] = href
        elif tag == "blockquote" and "expandable" in attributes:
            kind = "expandable_blockquote"
        elif tag == "tg-emoji":
            emoji_id = attributes.get("emoji-id")
            if not emoji_id:
                self._fail(
                    f"Custom emoji entity must contain a tg://emoji URL at byte offset {self._byte_offset()}"
                )
                return
            extra["custom_emoji_id"] = emoji_id
        elif tag == "code" and self._stack and self._stack[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self._stack[-1][2]["language"] = language
        self._stack.append((tag, self._offset, {"type": kind, **extra}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
            return
        open_tag, start, entity = self._stack[-1]
        if open_tag != tag:
            self._fail(
                f'Unmatched end tag at byte offset {self._byte_offset()}, expected "</{open_tag}>", '
                f'found "</{tag}>"'
            )
            return
        self._stack.pop()
        if entity["type"] and self._offset > start:
            if entity["type"] == "code" and self._stack and self._stack[-1][0] == "pre":
                return  # <pre><code class="language-x"> is one pre entity
            self.entities.append({**entity, "offset": start, "length": self._offset - start})

    def finish(self) -> None:
        self.close()
        if self._stack and self.error is None:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self._stack[-1][0]}"')


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse_mode: returns (plain text, entities) or raises a 400 "can't parse entities"."""
    parser = _TelegramHtml(source)
    parser.feed(source)
    parser.finish()
    if parser.error is not None:
        raise _bad(f"can't parse entities: {parser.error}")
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def _format_text(text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    text = "" if text is None else str(text)
    if parse_mode in (None, ""):
        plain, found = text, list(entities or [])
    elif parse_mode == "HTML":
        plain, found = parse_html(text)
    elif parse_mode in ("MarkdownV2", "Markdown"):
        # Entities are not reconstructed; escapes are removed so the visible text is close to real.
        plain, found = re.sub(r"\\(.)", r"\1", text), []
    else:
        raise _bad(f"unsupported parse_mode {parse_mode!r}")
    # Telegram trims surrounding whitespace from message text and captions.
    stripped = plain.strip()
    if stripped != plain:
        shift = _utf16_len(plain) - _utf16_len(plain.lstrip())
        limit = _utf16_len(stripped)
        adjusted = []
        for entity in found:
            start = max(entity["offset"] - shift, 0)
            end = min(entity["offset"] + entity["length"] - shift, limit)
            if end > start:
                adjusted.append({**entity, "offset": start, "length": end - start})
        plain, found = stripped, adjusted
    return plain, found


# --------------------------------------------------------------------------------------------------------
# Request decoding


def _coerce(key: str, value: Any) -> Any:
    if isinstance(value, str):
        if key in _JSON_FIELDS and value[:1] in ("{", "["):
            try:
                return msgspec.json.decode(value)
            except msgspec.DecodeError:
                label = "reply keyboard markup" if key == "reply_markup" else key.replace("_", " ")
                raise _bad(f"can't parse {label} JSON object") from None
        if key in _INT_FIELDS and _CHAT_ID_RE.fullmatch(value):
            return int(value)
        if value in ("true", "false") and (key in _BOOL_FIELDS or key.startswith(_BOOL_PREFIXES)):
            return value == "true"
    return value


def _resolve_attachments(value: Any, uploads: dict[str, Upload]) -> Any:
    if isinstance(value, str) and value.startswith("attach://"):
        name = value.removeprefix("attach://")
        if name not in uploads:
            raise _bad(f"file of field {name} not found in the request")
        return uploads[name]
    if isinstance(value, dict):
        return {k: _resolve_attachments(v, uploads) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_attachments(v, uploads) for v in value]
    return value
