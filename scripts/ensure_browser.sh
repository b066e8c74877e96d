#!/usr/bin/env bash
# What the browser test needs from Debian: Chromium (driven by Playwright as the system browser; no
# browser is downloaded from elsewhere) and fonts for emoji and Cyrillic in the screenshots.
# Idempotent and quick when everything is present; CI runs it on a fresh machine through check.sh.
set -euo pipefail
EMOJI_FONT=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
TEXT_FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
if command -v chromium >/dev/null 2>&1 && [ -f "$EMOJI_FONT" ] && [ -f "$TEXT_FONT" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure_browser: Chromium is missing; install it with: apt-get install chromium fonts-noto-color-emoji fonts-dejavu-core" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji fonts-dejavu-core >/dev/null
echo "ensure_browser: installed $(chromium --version 2>/dev/null || echo chromium)"
