#!/usr/bin/env bash
# Debian's Chromium for the real-browser tests (Playwright drives it; Playwright's own browser download cannot work
# offline). Run by make; does nothing when Chromium is already there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
# Pinned to the version bookworm-security serves (apt-cache policy chromium). Debian's security archive keeps only
# its latest Chromium: when a newer one replaces it, apt names this pin as not found — update it to the new
# version (a browser with known holes is not kept on purpose).
"$(dirname "$0")/apt-install.sh" "for the browser tests" chromium=156.0.8078.129-1~deb12u1
