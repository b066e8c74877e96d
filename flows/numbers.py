"""Numbers people type and numbers inside button data: ASCII digits only.

`str.isdigit()` is true for «²», «١» and «１», and `int()` reads Arabic-Indic and full-width digits
(but not «²»), as does `\\d` in a regular expression: an `isdigit()` check before `int()` crashes on a
superscript, and an amount pattern with `\\d` accepts «١٠٠». Every parser of ours reads [0-9] only.
"""

from __future__ import annotations

import re

DIGITS = re.compile(r"[0-9]+")


def ascii_uint(text: str, max_digits: int = 18) -> int | None:
    """The value of a non-empty run of ASCII digits (at most `max_digits`), else None."""
    if not text or len(text) > max_digits or DIGITS.fullmatch(text) is None:
        return None
    return int(text)
