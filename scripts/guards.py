"""Repository guards run by the test command: no merge-conflict markers in tracked files, and no
calls of the builtin print outside tests (the service logs through logging, which redacts secrets)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

CONFLICT_MARKER = re.compile(r"^(<<<<<<<|=======|>>>>>>>)( |$)")


def tracked_files(root: Path) -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    return [root / name for name in out.decode().split("\0") if name]


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        return []


def conflict_markers(root: Path, files: list[Path]) -> list[str]:
    found = []
    for path in files:
        for number, line in enumerate(_lines(path), 1):
            if CONFLICT_MARKER.match(line):
                found.append(f"{path.relative_to(root)}:{number}: merge-conflict marker")
    return found


def prints_outside_tests(root: Path, files: list[Path]) -> list[str]:
    found = []
    for path in files:
        relative = path.relative_to(root)
        if path.suffix != ".py" or relative.parts[0] == "tests":
            continue
        found.extend(
            f"{relative}:{number}: call of the builtin print outside tests (use logging)"
            for number in _print_calls(path)
        )
    return found


def _print_calls(path: Path) -> list[int]:
    """Line numbers of calls to the builtin print: tokens, so strings and comments never count,
    and attribute calls such as pretty.print are not the builtin."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline))
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        return []
    lines = []
    for index, token in enumerate(tokens[:-1]):
        previous = tokens[index - 1].string if index else ""
        if (
            token.type == tokenize.NAME
            and token.string == "print"
            and tokens[index + 1].string == "("
            and previous != "."
        ):
            lines.append(token.start[0])
    return lines


def run(root: Path) -> list[str]:
    files = tracked_files(root)
    return conflict_markers(root, files) + prints_outside_tests(root, files)


def main() -> int:
    problems = run(Path(__file__).resolve().parents[1])
    for problem in problems:
        sys.stderr.write(problem + "\n")
    if problems:
        sys.stderr.write(f"guards: {len(problems)} problem(s)\n")
        return 1
    sys.stdout.write("guards: OK (no conflict markers, no print outside tests)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
