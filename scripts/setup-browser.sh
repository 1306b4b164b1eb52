#!/usr/bin/env bash
# Debian's Chromium for the real-browser tests (Playwright drives it; Playwright's own browser download cannot work
# offline). Run by make; does nothing when Chromium is already there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: chromium is missing; install it with: sudo apt-get install chromium" >&2
  exit 1
fi
echo "installing chromium (for the browser tests)…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
