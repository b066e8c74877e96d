"""A model's Markdown → Telegram HTML, split into messages of at most 4096 characters.

markdown-it-py parses (CommonMark + strikethrough + tables), so broken Markdown degrades the way
CommonMark says instead of the way a regex guesses: an unclosed `**` stays literal text, an unclosed
code fence runs to the end. The renderer emits only what Telegram's HTML mode accepts (b, i, s, code,
pre with a language, a href, blockquote) and escapes everything else, so the output always parses.

Rendering goes through atoms (an opening tag, a closing tag, a piece of text) instead of a string:
splitting then never cuts inside a tag or an entity, closes the tags open at the cut and reopens them
in the next part. Parts break between blocks (paragraphs, lists, code blocks) when they can, then
between lines, then between words; a code block too long for one message continues in the next one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

MAX_MESSAGE = 4096
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["strikethrough", "table"])
_SAFE_LINK = re.compile(r"^(https?://|tg://|mailto:)", re.IGNORECASE)
_PIECES = re.compile(r"[^\n]*\n|[^\n]+")  # lines, keeping their newline
_WORDS = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True, slots=True)
class Atom:
    """`text` is plain (escaped on output); `tag` is an element name with `open` saying which side."""

    text: str = ""
    tag: str = ""
    open: bool = False
    attrs: str = ""  # already escaped, e.g. ' href="…"'
    raw: str = ""  # pre-rendered HTML of our own (a footer); `text` holds its visible characters

    def html(self) -> str:
        if self.raw:
            return self.raw
        if not self.tag:
            return html.escape(self.text, quote=False)
        return f"<{self.tag}{self.attrs}>" if self.open else f"</{self.tag}>"


Block = list[Atom]


def _open(tag: str, attrs: str = "") -> Atom:
    return Atom(tag=tag, open=True, attrs=attrs)


def _close(tag: str) -> Atom:
    return Atom(tag=tag)


# --- rendering ----------------------------------------------------------------------------------------------


def _inline(tokens: Sequence[Token] | None) -> Block:
    out: Block = []
    links: list[bool] = []
    for token in tokens or ():
        kind = token.type
        if kind == "text" or kind == "html_inline":
            out.append(Atom(token.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append(Atom("\n"))
        elif kind == "code_inline":
            out += [_open("code"), Atom(token.content), _close("code")]
        elif kind in ("strong_open", "em_open", "s_open"):
            out.append(_open({"strong_open": "b", "em_open": "i", "s_open": "s"}[kind]))
        elif kind in ("strong_close", "em_close", "s_close"):
            out.append(_close({"strong_close": "b", "em_close": "i", "s_close": "s"}[kind]))
        elif kind == "link_open":
            href = str(token.attrGet("href") or "")
            safe = bool(_SAFE_LINK.match(href))
            links.append(safe)
            if safe:
                out.append(_open("a", f' href="{html.escape(href, quote=True)}"'))
        elif kind == "link_close":
            if links and links.pop():
                out.append(_close("a"))
        elif kind == "image":
            src = str(token.attrGet("src") or "")
            alt = token.content or src
            if _SAFE_LINK.match(src):
                out += [_open("a", f' href="{html.escape(src, quote=True)}"'), Atom(alt), _close("a")]
            else:
                out.append(Atom(alt))
    return out


def _code(content: str, info: str) -> Block:
    language = re.sub(r"[^A-Za-z0-9_+#-]", "", info.split()[0]) if info.strip() else ""
    attrs = f' class="language-{language}"' if language else ""
    body = content.rstrip("\n") or " "
    return [_open("pre"), _open("code", attrs), Atom(body), _close("code"), _close("pre")]


def to_blocks(markdown: str) -> list[Block]:
    """The top-level blocks of the answer, each a list of atoms."""
    blocks: list[Block] = []
    current: Block = []
    lists: list[list[int]] = []  # per open list: [next number] or [] for bullets
    quote = 0
    row: list[Block] = []
    table_rows: list[list[Block]] | None = None  # inside a table

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append(current)
        current = []

    for token in _md.parse(markdown):
        kind = token.type
        depth_before = bool(lists) or quote
        if kind in ("bullet_list_open", "ordered_list_open"):
            if not lists and not quote:
                flush()
            start = token.attrGet("start")
            lists.append([int(start) if start is not None else 1] if kind == "ordered_list_open" else [])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists and not quote:
                flush()
        elif kind == "list_item_open":
            if current and current[-1].text != "\n":
                current.append(Atom("\n"))
            counter = lists[-1]
            marker = f"{counter[0]}. " if counter else "• "
            if counter:
                counter[0] += 1
            current.append(Atom("  " * (len(lists) - 1) + marker))
        elif kind == "blockquote_open":
            if not quote and not lists:
                flush()
            if not quote:
                current.append(_open("blockquote"))
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
            if not quote:
                while current and current[-1].text == "\n":
                    current.pop()
                current.append(_close("blockquote"))
                if not lists:
                    flush()
        elif kind == "inline":
            if table_rows is not None:
                row.append(_inline(token.children))
            else:
                current += _inline(token.children)
        elif kind == "paragraph_close" or kind == "heading_close":
            if kind == "heading_close":
                current.append(_close("b"))
            if depth_before:
                current.append(Atom("\n"))
            else:
                flush()
        elif kind == "heading_open":
            if not depth_before:
                flush()
            current.append(_open("b"))
        elif kind in ("fence", "code_block"):
            if depth_before:
                current += _code(token.content, token.info) + [Atom("\n")]
            else:
                flush()
                blocks.append(_code(token.content, token.info))
        elif kind == "hr":
            flush()
            blocks.append([Atom("———")])
        elif kind == "html_block":
            flush()
            blocks.append([Atom(token.content.rstrip("\n"))])
        elif kind == "table_open":
            flush()
            table_rows = []
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and table_rows is not None:
            table_rows.append(row)
        elif kind == "table_close":
            blocks.append(_table(table_rows or []))
            table_rows = None
    flush()
    return [_trim(b) for b in blocks if any(a.tag or a.text.strip() for a in b)]


def _table(rows: list[list[Block]]) -> Block:
    """Telegram has no tables: one line per row, cells joined by ' | ', header in bold."""
    out: Block = []
    for index, cells in enumerate(rows):
        if index:
            out.append(Atom("\n"))
        if index == 0:
            out.append(_open("b"))
        for number, cell in enumerate(cells):
            if number:
                out.append(Atom(" | "))
            out += cell
        if index == 0:
            out.append(_close("b"))
    return out


def _trim(block: Block) -> Block:
    while block and not block[-1].tag and not block[-1].text.strip():
        block = block[:-1]
    if block and not block[-1].tag and block[-1].text != block[-1].text.rstrip():
        block = [*block[:-1], Atom(block[-1].text.rstrip())]
    return block


# --- output and splitting -----------------------------------------------------------------------------------


def length(atoms: Iterable[Atom]) -> int:
    """Characters Telegram counts (UTF-16 code units of the visible text)."""
    return sum(len(a.text.encode("utf-16-le")) // 2 for a in atoms if not a.tag)


def to_html(atoms: Iterable[Atom]) -> str:
    return "".join(a.html() for a in atoms)


def raw_html(fragment: str) -> Atom:
    """Our own HTML (a footer, a notice) carried as one atom: measured by its visible text."""
    return Atom(text=html.unescape(re.sub(r"<[^>]+>", "", fragment)), raw=fragment)


def to_plain(atoms: Iterable[Atom]) -> str:
    return "".join(a.text for a in atoms if not a.tag)


def _pieces(block: Block) -> list[Atom]:
    """The block with its text cut into lines (inside pre) or words: the places a part may end."""
    out: list[Atom] = []
    in_pre = False
    for atom in block:
        if atom.tag == "pre":
            in_pre = atom.open
        if atom.tag or len(atom.text) < 64:
            out.append(atom)
            continue
        out += [Atom(p) for p in (_PIECES if in_pre else _WORDS).findall(atom.text)]
    return out


def _hard_cut(atom: Atom, room: int) -> tuple[Atom, Atom]:
    cut = max(1, room)
    while cut > 1 and len(atom.text[:cut].encode("utf-16-le")) // 2 > room:
        cut -= 1
    return Atom(atom.text[:cut]), Atom(atom.text[cut:])


def _split_block(block: Block, limit: int) -> list[Block]:
    parts: list[Block] = []
    current: Block = []
    stack: list[Atom] = []
    size = 0
    queue = _pieces(block)
    while queue:
        atom = queue.pop(0)
        if atom.tag:
            current.append(atom)
            if atom.open:
                stack.append(atom)
            elif stack:
                stack.pop()
            continue
        need = length([atom])
        if size + need > limit:
            if size == 0 or need > limit:
                head, tail = _hard_cut(atom, limit - size)
                current.append(head)
                queue.insert(0, tail)
            else:
                queue.insert(0, atom)
            parts.append(current + [_close(a.tag) for a in reversed(stack)])
            current, size = list(stack), 0
            continue
        current.append(atom)
        size += need
    if any(not a.tag for a in current):
        parts.append(current)
    return parts


def split(blocks: Sequence[Block], limit: int = MAX_MESSAGE) -> list[Block]:
    """Messages of at most `limit` characters: whole blocks together where they fit."""
    parts: list[Block] = []
    current: Block = []
    for block in blocks:
        size = length(block)
        joined = length(current) + 2 + size if current else size
        if joined <= limit:
            current = [*current, Atom("\n\n"), *block] if current else list(block)
            continue
        if current:
            parts.append(current)
            current = []
        if size <= limit:
            current = list(block)
        else:
            pieces = _split_block(block, limit)
            parts += pieces[:-1]
            current = pieces[-1]
    if current:
        parts.append(current)
    return parts


def render(markdown: str, limit: int = MAX_MESSAGE) -> list[Block]:
    """The answer as parts (atoms), each within `limit`; never empty for a non-blank answer."""
    blocks = to_blocks(markdown)
    if not blocks and markdown.strip():
        blocks = [[Atom(markdown.strip())]]
    return split(blocks, limit)


def markdown_to_html_parts(markdown: str, limit: int = MAX_MESSAGE) -> list[str]:
    return [to_html(part) for part in render(markdown, limit)]
