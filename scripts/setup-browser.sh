#!/usr/bin/env bash
# Debian's Chromium for the real-browser tests (Playwright drives it; Playwright's own browser download cannot work
# offline). Run by make; does nothing when Chromium is already there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
"$(dirname "$0")/apt-install.sh" "for the browser tests" chromium
