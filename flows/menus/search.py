"""Finding a model by what people type: names, families and aliases, in Latin or Cyrillic letters
(`клинг` reads as `kling`), forgiving one wrong, missing, extra or swapped letter.

The index is built once per catalog (flows/book.py keeps it); a query compares its words with the
index's words, so answering costs a fraction of a millisecond and no I/O. Used by text typed at a
menu and by inline mode (`@bot kling`); flows/menus/found.py draws both answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from flows.catalog.families import Family
from flows.catalog.follow_ups import is_follow_up
from flows.catalog.human import model_title
from flows.catalog.types import ModelEntry

MAX_QUERY = 64
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f h ts ch sh sch _ y _ e yu ya".split(),
        strict=True,
    )
)
_CYRILLIC.update({"ъ": "", "ь": ""})
_WORD = re.compile(r"[a-z]+|[0-9]+(?:\.[0-9]+)*")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")

# How well a name matches, best first.
EXACT, PREFIX, WORDS, INSIDE, TYPO = 100, 80, 70, 50, 30


def normalize(text: str) -> str:
    """Lowercase Latin words and numbers: `Клинг 2,6` → `kling 2.6`, `Nano-Banana` → `nano banana`."""
    text = _DECIMAL_COMMA.sub(".", text[:MAX_QUERY].lower())
    latin = "".join(_CYRILLIC.get(ch, ch) for ch in text)
    return " ".join(_WORD.findall(latin))


def within_one_edit(a: str, b: str) -> bool:
    """One letter wrong, missing, extra, or two neighbours swapped (Damerau distance ≤ 1)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        first, second = diff if len(diff) == 2 else (0, 0)
        return second == first + 1 and a[first] == b[second] and a[second] == b[first]
    if la > lb:
        a, b = b, a
    # b is one longer: skipping one of its letters gives a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


class Name(NamedTuple):
    text: str  # normalized, words joined by spaces
    compact: str  # the same without spaces ("nanobanana", "kling2.6")
    words: tuple[str, ...]


def _name(raw: str) -> Name | None:
    text = normalize(raw)
    if not text:
        return None
    return Name(text, text.replace(" ", ""), tuple(text.split()))


class Target(NamedTuple):
    family: Family | None
    entry: ModelEntry | None
    rank: int


class Hit(NamedTuple):
    score: int
    family: Family | None
    entry: ModelEntry | None


class SearchIndex:
    """Every family and model with the names it can be found by, and an index from each word to the
    names holding it (so a query looks words up instead of comparing every name). Immutable."""

    def __init__(self, catalog) -> None:
        targets: list[Target] = []
        names: list[Name] = []
        owner: list[int] = []

        def add(target: Target, raw: Iterable[str]) -> None:
            for name in _names(raw):
                names.append(name)
                owner.append(len(targets))
            targets.append(target)

        for order, family in enumerate(catalog.families.families):
            add(
                Target(family, None, order),
                [family.title.ru, family.title.en, family.id.replace("-", " "), *family.aliases],
            )
        for entry in catalog.entries:
            if is_follow_up(entry):
                continue  # opened only from a result: never found
            raw = [model_title(entry.id, "ru"), model_title(entry.id, "en"), entry.id, entry.slug]
            family = catalog.families.of_model(entry.id)
            version = _version_of(entry)
            if family is not None and version:
                # "клинг 2.6" finds Kling 2.6 by the family's own words.
                raw += [f"{alias} {version}" for alias in family.aliases]
            add(Target(None, entry, entry.rank), raw)
        self.targets = tuple(targets)
        self._owner = tuple(owner)
        self._compacts = tuple(n.compact for n in names)
        self._exact: dict[str, set[int]] = {}
        self._postings: dict[str, set[int]] = {}
        for index, name in enumerate(names):
            self._exact.setdefault(name.text, set()).add(index)
            self._exact.setdefault(name.compact, set()).add(index)
            for word in name.words:
                self._postings.setdefault(word, set()).add(index)
        self._vocabulary = tuple(self._postings)

    def search(self, query: str) -> list[Hit]:
        """Every match, best first; families before models of the same score, then catalog rank."""
        text = normalize(query)
        compact = text.replace(" ", "")
        if len(compact) < 2:
            return []
        words = text.split()
        best: dict[int, int] = {}

        def mark(found: Iterable[int], score: int) -> None:
            for index in found:
                target = self._owner[index]
                if best.get(target, 0) < score:
                    best[target] = score

        mark(self._exact.get(text, ()), EXACT)
        mark(self._exact.get(compact, ()), EXACT)
        mark((i for i, c in enumerate(self._compacts) if c.startswith(compact)), PREFIX)
        mark(self._all_words(words, typos=False), WORDS)
        if len(compact) >= 3:
            mark((i for i, c in enumerate(self._compacts) if compact in c), INSIDE)
        mark(self._all_words(words, typos=True), TYPO)
        order = sorted(best, key=lambda i: (-best[i], self.targets[i].family is None, self.targets[i].rank))
        return [Hit(best[i], self.targets[i].family, self.targets[i].entry) for i in order]

    def _all_words(self, words: list[str], *, typos: bool) -> set[int]:
        """Names holding, for every query word, a word it starts (or, with typos, one edit away)."""
        found: set[int] | None = None
        for query_word in words:
            fuzzy = typos and query_word.isalpha() and len(query_word) >= 3
            holding: set[int] = set()
            for word in self._vocabulary:
                if word.startswith(query_word) or (
                    fuzzy and abs(len(word) - len(query_word)) <= 1 and within_one_edit(query_word, word)
                ):
                    holding |= self._postings[word]
            found = holding if found is None else found & holding
            if not found:
                return set()
        return found or set()


def _names(raw: Iterable[str]) -> tuple[Name, ...]:
    names = {n.text: n for r in raw if (n := _name(r)) is not None}
    return tuple(names.values())


_VERSION = re.compile(r"\d+(?:[.-]\d+)?")


def _version_of(entry: ModelEntry) -> str:
    """The version number in a model's title ("Kling 2.6 · из фото" → "2.6"), or ""."""
    found = _VERSION.search(model_title(entry.id, "en"))
    return found.group(0).replace("-", ".") if found else ""
