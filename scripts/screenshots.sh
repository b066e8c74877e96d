#!/usr/bin/env bash
# Refresh docs/screenshots/: runs the browser test of `trt demo`, which saves a screenshot of every
# main screen into TRT_SCREENSHOTS_DIR (a temporary folder when the suite runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure_browser.sh
TRT_SCREENSHOTS_DIR=docs/screenshots python3 -m pytest -q tests/e2e/test_demo_browser.py
ls -l docs/screenshots
