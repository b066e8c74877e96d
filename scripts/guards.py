"""Repository guards run by the test command: no merge-conflict markers in tracked files, and no
print( outside tests (the service logs through logging, which redacts secrets)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CONFLICT_MARKER = re.compile(r"^(<<<<<<<|=======|>>>>>>>)( |$)")
PRINT_CALL = re.compile(r"(^|[^A-Za-z0-9_.])print\(")


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
        for number, line in enumerate(_lines(path), 1):
            code = line.split("#", 1)[0]
            if PRINT_CALL.search(code):
                found.append(f"{relative}:{number}: print( outside tests (use logging)")
    return found


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
