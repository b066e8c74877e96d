"""`.env` support for local development (Render sets the real environment; there is no file there)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

_DOTENV_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class DotenvError(ValueError):
    """A line of the .env file could not be parsed; names the line, never its content."""


def read_dotenv(path: str | os.PathLike[str]) -> dict[str, str]:
    """Parse KEY=VALUE lines: optional `export `, quotes stripped, # comments and blank lines skipped."""
    values: dict[str, str] = {}
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("export "):
                stripped = stripped[len("export ") :].lstrip()
            key, sep, value = stripped.partition("=")
            key = key.strip()
            if not sep or not _DOTENV_KEY_RE.fullmatch(key):
                raise DotenvError(f"{os.fspath(path)}:{number}: expected KEY=VALUE")
            values[key] = _dotenv_value(value.strip(), path, number)
    return values


def _dotenv_value(value: str, path: str | os.PathLike[str], number: int) -> str:
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = value.find(quote, 1)
        rest = value[end + 1 :].strip() if end != -1 else ""
        if end == -1 or (rest and not rest.startswith("#")):
            raise DotenvError(f"{os.fspath(path)}:{number}: unterminated or trailing text after quote")
        return value[1:end]
    # An unquoted value ends at " #" so that `PORT=8080  # local` works; quote values containing " #".
    comment = re.search(r"\s#", value)
    return value[: comment.start()].rstrip() if comment else value


def environment_with_dotenv(
    environ: Mapping[str, str], path: str | os.PathLike[str] = ".env"
) -> dict[str, str]:
    """The real environment over the .env file (if it exists): a variable set in the real env wins.

    A blank real variable does not hide the file's value: blank means "unset" everywhere in this contract.
    """
    merged: dict[str, str] = read_dotenv(path) if os.path.isfile(path) else {}
    merged.update((key, value) for key, value in environ.items() if value.strip() or key not in merged)
    return merged
