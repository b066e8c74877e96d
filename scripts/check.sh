#!/usr/bin/env bash
# The whole test suite, as CI runs it: compile, lint, guards, import contracts, then pytest on a real PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m compileall -q flows runtime integrations persistence sandbox scripts bench tests
python3 -m ruff check .
python3 -m ruff format --check .
python3 scripts/guards.py
lint-imports --no-cache
# The browser test drives Debian's Chromium; installed here when missing (quick when present).
bash scripts/ensure_browser.sh
python3 -m pytest -q "$@"
